#include "net/host_port.h"

#include "base/strings.h"

namespace weir {

Result<HostPort> ParseHostPort(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string m(1, '\'');
    m.append(text).append("': ").append(why);
    return Status::Invalid(std::move(m));
  };
  HostPort out;
  std::string_view port = text;
  size_t colon = text.rfind(':');
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("expected [ADDRESS]:PORT");
    out.host = std::string(text.substr(1, close - 1));
    if (out.host.empty()) return bad("expected [ADDRESS]:PORT");
    port = text.substr(close + 2);
  } else if (colon != std::string_view::npos) {
    if (text.find(':') != colon) return bad("write IPv6 addresses as [ADDRESS]:PORT");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  auto p = ParseUint(port, 65535);
  if (!p) return bad("expected HOST:PORT");
  out.port = static_cast<uint16_t>(*p);
  return out;
}

}  // namespace weir
