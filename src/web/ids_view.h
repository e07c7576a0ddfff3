// The IDS view of weir serve (GET /api/ids): the Suricata alerts of the EVE files
// given to `weir serve --eve`, in a time range, each joined to its flows in the
// repository (doc/ids.md) - the same correlation as weir eve correlate.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "net/ip_set.h"
#include "site/site_config.h"

namespace weir::web {

struct IdsViewOptions {
  std::vector<std::string> eve_files;
  IpSet internal;  // the networks whose hosts are summarised
};

// {"alerts": [each alert's line with its "weir" member, newest first], "more":
// true when more than `limit` alerts fell in [from_ms, to_ms), "stats": {...},
// "problems": [bad lines, the first ten]}.
Result<std::string> IdsJson(const IdsViewOptions& view, const std::string& root,
                            const SiteConfig& site, int64_t from_ms, int64_t to_ms, size_t limit,
                            int threads);

}  // namespace weir::web
