// Fuzz target: a spool file as a crash or a full disk may leave it. Decoding must
// return a batch or an error, never crash; a decoded batch must re-encode to the
// same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "export/spool.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  weir::ExportBatch batch;
  if (weir::DecodeSpooledBatch(bytes, batch).ok()) {
    for (size_t i = 0; i < batch.size(); ++i) (void)batch.Line(i);
    if (weir::EncodeSpooledBatch(batch) != bytes) std::abort();
  }
  return 0;
}
