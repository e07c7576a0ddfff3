// Fuzz target: arbitrary bytes as a flow file. The reader must report damage and
// never crash, hang or read out of bounds.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "store/flow_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fds[2];
  if (::pipe(fds) != 0) return 0;
  // Small inputs fit in the pipe buffer; larger ones are cut (pipes hold 64 KiB).
  size_t n = size < 60000 ? size : 60000;
  if (n > 0 && ::write(fds[1], data, n) < 0) {
  }
  ::close(fds[1]);
  auto reader = weir::FlowFileReader::FromFd(fds[0], "fuzz", true);
  if (!reader.ok()) return 0;
  weir::FlowBatch batch;
  size_t rows = 0;
  while ((*reader)->Next(batch)) {
    for (size_t i = 0; i < batch.size(); ++i) rows += batch.Row(i).packets != 0;
  }
  return rows == SIZE_MAX ? 1 : 0;
}
