// Fuzzes the web API's query parser and planner: any body POST /api/query may
// receive must give a request or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "site/site_config.h"
#include "web/api_json.h"
#include "web/query_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const weir::SiteConfig& site = weir::SiteConfig::Default();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = weir::web::ParseQueryRequest(text, 1'795'000'000'000);
  if (request.ok()) {
    weir::QueryControl control(weir::QueryLimits{}, 0);
    (void)weir::web::PlanQuery(*request, site, "/nonexistent-weir-root", 0, control);
  }
  (void)weir::web::SplitSwitches(text);
  weir::web::JsonBody body(text);
  (void)body.String("name");
  (void)body.Raw("query");
  return 0;
}
