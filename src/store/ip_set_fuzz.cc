// Fuzz target: arbitrary bytes as an IP set file, and as set text. Parsing must
// answer with a set or an error naming the input, never crash.
#include <cstdint>
#include <string_view>

#include "store/ip_set_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto set = weir::ParseIpSet(bytes, "fuzz");
  if (set.ok()) (void)weir::SerializeIpSet(*set);
  weir::IpSet text_set;
  (void)weir::AddIpText(bytes, text_set, 1 << 16);
  return 0;
}
