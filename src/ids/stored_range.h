// The stored records the IDS commands read around EVE events: the repository
// files of a selection (classes, types, sensors; its hours are those of the
// range) whose flows start in [from_ms, to_ms], narrowed by an expression.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "query/plan.h"
#include "site/file_selection.h"
#include "site/site_config.h"

namespace weir {

Result<QueryPlan> PlanStoredRange(const std::string& root, const SiteConfig& site,
                                  const FileSelection& selection, const std::string& expr,
                                  int threads, int64_t from_ms, int64_t to_ms);

}  // namespace weir
