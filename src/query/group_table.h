// Groups of an Aggregator as tables and rankings: the rows `weir stats` and
// `weir uniq` print and the web UI's top-N and group-by views return.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/aggregate.h"
#include "record/text.h"

namespace weir {

// Prints groups: key columns, value columns, then any extra numeric columns.
class GroupPrinter {
 public:
  GroupPrinter(const AggregateSpec& spec, const RecordPrinter::Options& options,
               std::vector<std::string> extra_titles);
  void AppendHeader(std::string& out) const { layout_.AppendHeader(out); }
  void AppendGroup(std::string& out, const Aggregator& agg, size_t group,
                   const std::vector<std::string>& extra_cells) const;

 private:
  // How a key column prints: straight from the group's words, or (any other
  // field) through a FlowRecord and the record formatter.
  enum class KeyKind { kAddress, kNumber, kRecord };

  AggregateSpec spec_;
  RecordPrinter keys_;
  TableLayout layout_;
  FormatOptions values_;
  std::vector<KeyKind> key_kinds_;
  mutable std::string cells_, text_;  // a row's cells; one cell's text
  mutable std::vector<uint32_t> ends_;
};

// Which groups a top-N (or bottom-N) shows, ranked by the first value (rwstats).
struct RankOptions {
  uint64_t count = 10;     // 0: no count limit
  uint64_t threshold = 0;  // with use_threshold: groups whose value is at least this
  double percentage = -1;  // >= 0: groups holding at least this percent of the total
  bool use_threshold = false;
  bool bottom = false;  // smallest first
};
struct Ranking {
  std::vector<uint32_t> order;  // the groups shown, best first
  uint64_t total = 0;           // the first value summed over every group
};
// Ties go to the smaller key so output is stable.
Ranking RankGroups(const Aggregator& agg, const RankOptions& options);

}  // namespace weir
