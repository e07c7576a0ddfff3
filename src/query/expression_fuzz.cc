// Fuzz target: arbitrary text as a filter expression. The parser must answer with a
// predicate or a one-line error, never crash; a predicate must evaluate on a record.
#include <cstdint>
#include <string_view>

#include "query/expression.h"
#include "site/site_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = weir::ParseExpression(text, &weir::SiteConfig::Default());
  if (p.ok()) {
    weir::FlowRecord r;
    r.protocol = 6;
    r.dport = 443;
    (void)p->Matches(r);
    (void)p->ToString();
  }
  return 0;
}
