// HOST:PORT as switches take it (--export, --listen): "10.0.0.1:2055",
// "[2001:db8::1]:2055" (IPv6 in brackets), ":8080" or "8080" (no host).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

struct HostPort {
  std::string host;  // empty when the text names none
  uint16_t port = 0;
};

// Errors quote the text and say what was expected. Port 0 is accepted (callers
// that need a real port check it).
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace weir
