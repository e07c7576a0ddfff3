// Sorter: orders flow records by key fields (rwsort), in memory when they fit and
// by an external merge of sorted runs on disk when they do not.
//
// Records are added batch by batch; past the memory limit the buffered records are
// sorted and written as a run (a weir flow file with lz4) to a private, nameless
// temporary file in the temporary directory (CreateTempFile: no other sort, query
// or process can see or replace it, and it is gone once the Sorter is destroyed,
// or the process ends). Finish() writes every record, in order, to the writer:
// straight from memory, or by a k-way merge of the runs. The sort is stable: equal
// keys keep input order. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/status.h"
#include "record/fields.h"
#include "store/flow_batch.h"
#include "store/flow_writer.h"

namespace weir {

struct SortOptions {
  std::vector<FieldId> keys;
  bool reverse = false;
  size_t memory_limit = size_t{1} << 30;  // bytes of buffered records before a run spills
  std::string temp_directory = TempDirectory();
};

class Sorter {
 public:
  explicit Sorter(SortOptions options);
  ~Sorter();
  Sorter(const Sorter&) = delete;
  Sorter& operator=(const Sorter&) = delete;

  Status Add(const FlowBatch& batch, std::span<const uint32_t> rows);
  Status Finish(FlowFileWriter& out);
  size_t runs() const { return runs_.size(); }

 private:
  // Appends row's normalised key words to keys (unsigned order = sort order).
  void AppendKey(const FlowBatch& b, size_t row, std::vector<uint64_t>& keys) const;
  std::vector<uint32_t> SortedOrder() const;
  Status SpillRun();

  SortOptions options_;
  size_t key_words_ = 0;
  FlowBatch buffer_;
  std::vector<uint64_t> keys_;
  std::vector<FileDescriptor> runs_;  // nameless temporary files
};

}  // namespace weir
