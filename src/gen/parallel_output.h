// Generating into one flow file on several threads.
#pragma once

#include <functional>

#include "base/status.h"
#include "gen/generator.h"
#include "store/flow_writer.h"
#include "store/repository_writer.h"

namespace weir {

// Writes every flow of `generator` to `writer`. Each of `threads` workers makes and
// encodes whole chunks (one block each); blocks are written in chunk order, so the
// file is byte-identical for any thread count. `progress` is called on the calling
// thread with the number of flows written so far.
Status GenerateToFile(const FlowGenerator& generator, FlowFileWriter& writer,
                      Compression compression, int zstd_level, int threads,
                      const std::function<void(uint64_t)>& progress);

// Called on the calling thread for each block written to a repository: its
// flowtype, its records, and the flows written so far.
using RepositoryProgress =
    std::function<void(uint8_t flowtype, uint64_t records, uint64_t written)>;

// Writes every flow of `generator` into a repository. Workers make chunks, split
// each by hourly file (hour, flowtype, sensor) and encode every share as a block;
// the calling thread appends the blocks to their files in chunk order, so each file
// holds its records in the order a single thread makes them.
Status GenerateToRepository(const FlowGenerator& generator, RepositoryWriter& repository,
                            Compression compression, int zstd_level, int threads,
                            const RepositoryProgress& progress);

}  // namespace weir
