// Fuzz target: arbitrary text as silk.conf. The parser must answer with a site or a
// FILE:LINE error, never crash. Includes are resolved relative to a directory that
// does not exist, so the fuzzer cannot read the machine's files.
#include <cstdint>
#include <string_view>

#include "site/site_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto site = weir::SiteConfig::Parse(text, "/nonexistent-weir-fuzz/silk.conf");
  if (site.ok()) {
    for (const auto& f : site->flowtypes())
      for (const auto& s : site->sensors()) (void)site->FilePath(f.id, s.id, 0);
  }
  return 0;
}
