// Fuzz target for the sensor.conf parser (against the embedded default silk.conf).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "site/sensor_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("include") != std::string_view::npos) return 0;  // no file system reads
  if (text.find("ipsets") != std::string_view::npos) return 0;
  if (text.find("-host") != std::string_view::npos) return 0;  // no name lookups
  auto config = weir::SensorConfig::Parse(text, "fuzz", weir::SiteConfig::Default());
  if (config.ok()) {
    weir::FlowRecord r;
    std::vector<std::pair<uint16_t, uint8_t>> out;
    for (size_t p = 0; p < config->probes().size(); ++p) config->Classify(p, r, {}, out);
  }
  return 0;
}
