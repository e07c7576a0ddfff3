// Generating into one flow file on several threads.
#pragma once

#include <functional>

#include "base/status.h"
#include "gen/generator.h"
#include "store/flow_writer.h"

namespace weir {

// Writes every flow of `generator` to `writer`. Each of `threads` workers makes and
// encodes whole chunks (one block each); blocks are written in chunk order, so the
// file is byte-identical for any thread count. `progress` is called on the calling
// thread with the number of flows written so far.
Status GenerateToFile(const FlowGenerator& generator, FlowFileWriter& writer,
                      Compression compression, int zstd_level, int threads,
                      const std::function<void(uint64_t)>& progress);

}  // namespace weir
