// Shared by `weir serve` and `weir user`: where the web database lives and how a
// password is read without showing it.
#pragma once

#include <string>

#include "base/status.h"
#include "cli/common.h"

namespace weir::cli {

// --database, else ROOT/weir-web.db beside the repository.
std::string WebDatabasePath(const std::string& database, const SiteOptions& site);

// $WEIR_PASSWORD, else one line from standard input (without echo on a terminal).
Result<std::string> ReadPassword(const std::string& prompt);

}  // namespace weir::cli
