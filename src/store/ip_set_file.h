// IP set files: weir's on-disk IpSet (doc/formats/ipset.md), as `weir set` writes
// them and rwfilter-style --sipset switches read them.
#pragma once

#include <string>

#include "base/status.h"
#include "net/ip_set.h"

namespace weir {

// Serialises set (which must be Finish()ed) in format version 1.
std::string SerializeIpSet(const IpSet& set);
// Parses a version 1 set file; `name` is used in messages.
Result<IpSet> ParseIpSet(std::string_view data, const std::string& name);
// True when data starts with the set file magic.
bool IsIpSetFile(std::string_view data);

// Loads path ("-": standard input): a set file, or else text with one address,
// CIDR block or IP wildcard per line ('#' starts a comment).
Result<IpSet> LoadIpSetFile(const std::string& path);
// Writes set to path ("-": standard output), atomically for regular files.
Status SaveIpSetFile(const IpSet& set, const std::string& path);

}  // namespace weir
