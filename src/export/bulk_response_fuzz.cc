// Fuzz target: an Elasticsearch _bulk response as a receiver might send it
// (truncated, wrong item counts, odd types). The parser must return statuses or
// an error, never crash. The first byte chooses how many actions were sent.
#include <cstdint>
#include <string_view>

#include "export/sink.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t items = data[0] % 8;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<int> statuses;
  std::vector<std::string> reasons;
  (void)weir::ParseBulkResponse(body, items, statuses, reasons);
  return 0;
}
