// SpoolingSink: a bounded on-disk spool in front of an HTTP sink, for exports
// that read a stream (weir meter | weir export --sink=...): when the receiver is
// down, batches go to disk instead of blocking the pipe, and are sent, in order,
// once it answers again. Each spooled batch is one file, written to a temporary
// name, synced and renamed, so a crash leaves whole batches only.
//
// (Follow mode needs no spool: the repository holds every record until the
// cursor has moved past it.) Not thread-safe. doc/export.md describes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "export/sink.h"

namespace weir {

struct SpoolOptions {
  std::string dir;
  uint64_t max_bytes = 1ULL << 30;  // refuse to spool beyond this
  int max_attempts = 8;             // at Close: attempts to send what is spooled
  const std::atomic<bool>* stop = nullptr;
};

// inner must try each delivery once (no retry loop of its own).
Result<std::unique_ptr<Sink>> OpenSpoolingSink(std::unique_ptr<Sink> inner, SpoolOptions options);

// The spool's file format, public for the fuzz target: a batch to bytes and back.
std::string EncodeSpooledBatch(const ExportBatch& batch);
Status DecodeSpooledBatch(std::string_view data, ExportBatch& batch);

}  // namespace weir
