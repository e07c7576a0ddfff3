// Fuzz target for the detection rule file parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "detect/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("set:") != std::string_view::npos) return 0;  // no file system reads
  weir::RuleContext context;
  context.site = &weir::SiteConfig::Default();
  context.internal.AddPrefix(*weir::IpPrefix::Parse("10.0.0.0/8"));
  context.internal.Finish();
  auto rules = weir::ParseRules(text, "fuzz.toml", context);
  if (rules.ok())
    for (const weir::Rule& r : rules->rules) (void)weir::DescribeRule(r);
  return 0;
}
