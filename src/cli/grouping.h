// Shared by `weir stats` and `weir uniq`: scanning into per-worker Aggregators
// and printing groups as SiLK's columns, CSV or JSON.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/query_options.h"
#include "query/aggregate.h"
#include "record/text.h"

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

// Prints groups: key columns, value columns, then any extra numeric columns.
class GroupPrinter {
 public:
  GroupPrinter(const AggregateSpec& spec, const RecordPrinter::Options& options,
               std::vector<std::string> extra_titles);
  void AppendHeader(std::string& out) const { layout_.AppendHeader(out); }
  void AppendGroup(std::string& out, const Aggregator& agg, size_t group,
                   const std::vector<std::string>& extra_cells) const;

 private:
  AggregateSpec spec_;
  RecordPrinter keys_;
  TableLayout layout_;
  FormatOptions values_;
  mutable std::string cell_;
};

}  // namespace weir::cli
