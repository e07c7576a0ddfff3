// Suricata's EVE JSON, as weir reads it: `flow` and `netflow` events become flow
// records, `alert` events become alerts to correlate. One event per line.
//
// What decides the reading (doc/ids.md):
// - A `flow` event describes both directions of a connection from its originator
//   (src_* is the client): it becomes up to two unidirectional records, the
//   reverse one only when the server sent packets. `netflow` events are already
//   one direction each.
// - `proto` is a name ("TCP", "IPv6-ICMP") or a number, by Suricata's version;
//   IPv6 addresses may be written fully expanded; ICMP has icmp_type/icmp_code,
//   stored as SiLK does, type << 8 | code in dport.
// - Times carry their zone offset ("2017-01-30T16:12:26.985026+0100").
// - `app_proto` is stored as SiLK's application label: the service's port
//   (http 80, tls 443, ...), shown by name again on output.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/ip_address.h"
#include "record/flow_record.h"

namespace weir {

enum class EveType { kFlow, kNetflow, kAlert, kOther };

// A flow or netflow event as records: records[0] from src to dest, records[1] the
// reverse (flow events whose server answered).
struct EveFlow {
  FlowRecord records[2];
  int count = 0;
  std::string in_iface;
  int64_t event_ms = 0;  // when Suricata wrote the event (0: no valid timestamp)
};

struct EveAlert {
  int64_t time_ms = 0;
  IpAddress src, dest;
  uint16_t sport = 0, dport = 0;  // ICMP: type and code
  uint8_t protocol = 0;
  uint64_t flow_id = 0;
  std::string community_id;  // empty when Suricata wrote none
  uint64_t signature_id = 0;
  std::string signature, category;
  int severity = 0;
};

class EveParser {
 public:
  EveParser();
  ~EveParser();
  EveParser(const EveParser&) = delete;
  EveParser& operator=(const EveParser&) = delete;

  // Reads one event. `flow` is filled for flow and netflow events, `alert` for
  // alerts (either may be null: that type is then only recognised). Other event
  // types return kOther. A line that is not a valid event of a type asked for is
  // an error naming what is wrong (the caller adds where).
  Result<EveType> Parse(std::string_view line, EveFlow* flow, EveAlert* alert);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "2017-01-30T16:12:26.985026+0100" (also "Z", "+01:00", no fraction) in UTC ms.
Result<int64_t> ParseEveTime(std::string_view text);
// Suricata's protocol names ("TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", ...) or a
// number.
Result<uint8_t> ParseEveProtocol(std::string_view text);
// The application label of an app_proto ("http" -> 80); 0 when unknown or "failed".
uint16_t AppProtoPort(std::string_view app_proto);
// The app_proto name of an application label (80 -> "http"); empty when none.
std::string_view AppProtoName(uint16_t port);

}  // namespace weir
