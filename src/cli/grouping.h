// Shared by `weir stats` and `weir uniq`: scanning into per-worker Aggregators
// and printing groups as SiLK's columns, CSV or JSON.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/query_options.h"
#include "query/aggregate.h"
#include "query/group_table.h"

namespace weir::cli {

// Parses --fields for a key (SiLK names or numbers) and --values.
Result<AggregateSpec> ParseAggregateSpec(const std::string& fields, const std::string& values);

// Scans the query into one Aggregator shared by the scan workers. Past
// memory_limit bytes (0: none) it stops, prints why and returns null.
std::unique_ptr<Aggregator> Aggregate(std::string_view command, const PreparedQuery& query,
                                      const AggregateSpec& spec, ScanStats* stats,
                                      size_t memory_limit);
// --memory-limit=MiB for the grouping commands.
void AddMemoryLimitOption(CLI::App& app, double& mib);

}  // namespace weir::cli
