// Fuzz target for one wire decoder (WEIR_FUZZ_VERSION: 5, 9, 10 or 50 for sFlow).
// The input is a sequence of datagrams, each prefixed by a 2-byte big-endian length,
// so template state carries from one to the next; each datagram's version field
// is forced to the decoder under test.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/exporter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  weir::WireLimits limits;
  limits.max_templates = 64;
  limits.max_pending_sets = 8;
  limits.max_pending_bytes = 1 << 16;
  weir::Exporter exporter(weir::IpAddress::V4(0x7f000001), limits);
  std::vector<weir::FlowRecord> out;
  int64_t now = 1'700'000'000'000;
  size_t i = 0;
  while (i + 2 <= size) {
    size_t n = size_t{data[i]} << 8 | data[i + 1];
    i += 2;
    if (n > size - i) n = size - i;
    std::vector<std::byte> datagram(reinterpret_cast<const std::byte*>(data + i),
                                    reinterpret_cast<const std::byte*>(data + i + n));
    i += n;
    if (datagram.size() >= 4) {
      const int version = WEIR_FUZZ_VERSION;
      if (version == 50) {
        datagram[0] = datagram[1] = datagram[2] = std::byte{0};
        datagram[3] = std::byte{5};
      } else {
        datagram[0] = std::byte{0};
        datagram[1] = static_cast<std::byte>(version);
      }
    }
    exporter.Decode(datagram, now, out);
    now += 1000;
    if (out.size() > 100000) out.clear();
  }
  return 0;
}
