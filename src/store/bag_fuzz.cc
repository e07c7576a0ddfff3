// Fuzz target: arbitrary bytes as a bag file; an error or a bag, never a crash.
#include <cstdint>
#include <string_view>

#include "store/bag_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto bag = weir::ParseBag(bytes, "fuzz");
  if (bag.ok()) (void)weir::SerializeBag(*bag);
  return 0;
}
