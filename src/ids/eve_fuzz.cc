// Fuzz target for the EVE line parser (flow, netflow and alert events).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ids/eve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static weir::EveParser parser;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  weir::EveFlow flow;
  weir::EveAlert alert;
  (void)parser.Parse(line, &flow, &alert);
  (void)parser.Parse(line, &flow, nullptr);
  (void)weir::ParseEveTime(line);
  return 0;
}
