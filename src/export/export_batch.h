// ExportBatch: formatted records on their way to a sink, with what sinks need
// besides the text: each record's start time (daily index names) and a stable
// record id (Elasticsearch _id, so that a batch sent twice is stored once).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/text_buffer.h"

namespace weir {

struct ExportBatch {
  TextBuffer text;              // one record per line, each ending in '\n'
  std::vector<uint32_t> ends;   // offset just past each record's line
  std::vector<int64_t> stimes;  // each record's start time, ms
  std::vector<uint64_t> ids;    // each record's id

  size_t size() const { return ends.size(); }
  bool empty() const { return ends.empty(); }
  // Record i's line without its newline.
  std::string_view Line(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return text.view().substr(begin, ends[i] - begin - 1);
  }
  // Adds a line already appended to text.
  void Close(int64_t stime_ms, uint64_t id) {
    ends.push_back(static_cast<uint32_t>(text.size()));
    stimes.push_back(stime_ms);
    ids.push_back(id);
  }
  void Clear() {
    text.clear();
    ends.clear();
    stimes.clear();
    ids.clear();
  }
};

}  // namespace weir
