// SensorConfig: how flows reach weir and how they are classified, read from SiLK's
// sensor.conf (sensor.conf(5) grammar) against a site's silk.conf.
//
// Probe blocks say where flows arrive (type, port, protocol, listen and accept
// addresses, log flags, interface values, quirks); group blocks name lists of
// interfaces, IP blocks or IP sets; sensor blocks tie probes to a silk.conf sensor
// and say which interfaces or addresses are internal, external or null. Classify()
// then applies SiLK's twoway packing logic (doc/collect.md): in, out, inweb,
// outweb, innull, outnull, int2int, ext2ext, (inicmp, outicmp when the ICMP split is
// on) and other. Errors name FILE:LINE and the reason; lines SiLK would refuse but
// whose intent is clear (an empty group) become warnings. Immutable after loading;
// Classify is safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/ip_set.h"
#include "record/flow_record.h"
#include "site/site_config.h"
#include "site/twoway.h"

namespace weir {

enum class ProbeType : uint8_t { kNetflowV5, kNetflowV9, kIpfix, kSflow, kSilk };
std::string_view ProbeTypeName(ProbeType type);

// log-flags (sensor.conf(5)); weir never logs per packet whatever is set.
inline constexpr uint32_t kLogBad = 1;            // malformed datagrams, per-interval counts
inline constexpr uint32_t kLogMissing = 2;        // sequence gaps
inline constexpr uint32_t kLogSampling = 4;       // sampling rates learned
inline constexpr uint32_t kLogShowTemplates = 8;  // templates learned
inline constexpr uint32_t kLogRecordTimestamps = 16;
inline constexpr uint32_t kLogFirewallEvent = 32;
inline constexpr uint32_t kLogDefault = kLogBad | kLogMissing;

// quirks (sensor.conf(5)).
inline constexpr uint32_t kQuirkZeroPackets = 1;  // keep records with bytes but no packets
inline constexpr uint32_t kQuirkMissingIpv4 = 2;  // accept records without addresses
inline constexpr uint32_t kQuirkFirewallEvent = 4;
inline constexpr uint32_t kQuirkNf9OutIsReverse = 8;
inline constexpr uint32_t kQuirkNf9SysUptimeSeconds = 16;

struct ProbeConfig {
  std::string name;
  ProbeType type = ProbeType::kNetflowV9;
  uint16_t port = 0;
  bool tcp = false;
  std::string listen_host;             // empty: every address
  std::vector<IpAddress> accept_from;  // empty: any exporter
  uint32_t log_flags = kLogDefault;
  bool vlan_interfaces = false;  // interface-values vlan
  uint32_t quirks = 0;
  std::vector<uint16_t> sensors;  // sensor ids using this probe
  std::string where;              // FILE:LINE of the probe block

  // What every receiver of this probe's flows (collect, meter) does before
  // classifying: with interface-values vlan the VLAN id stands in the input
  // interface and output is 0, so that -interfaces deciders and --input select
  // by VLAN (weir keeps one VLAN id per flow).
  void ApplyInterfaceValues(FlowRecord& r) const {
    if (!vlan_interfaces) return;
    r.input = r.vlan;
    r.output = 0;
  }
};

// The networks of the twoway logic, numbered as SiLK numbers them.
enum class Network : uint8_t { kNull = 0, kExternal = 1, kInternal = 2 };
inline constexpr int kNetworks = 3;

struct SensorRule {
  enum class DeciderKind : uint8_t {
    kUnset,
    kAddresses,           // NET-ipblocks or NET-ipsets
    kRemainderAddresses,  // NET-ipblocks remainder: not in another network's addresses
    kInterfaces,
    kRemainderInterfaces,  // not in another network's interfaces
  };
  struct Decider {
    DeciderKind kind = DeciderKind::kUnset;
    IpSet addresses;
    std::vector<uint32_t> interfaces;  // sorted
  };
  enum class Side : uint8_t { kSource, kDestination, kAny };
  struct Discard {
    bool when = true;  // discard-when; false: discard-unless
    Side side = Side::kAny;
    bool interfaces = false;
    IpSet addresses;
    std::vector<uint32_t> interface_list;  // sorted
  };

  uint16_t sensor = 0;
  std::string name;
  std::array<Decider, kNetworks> deciders;
  std::array<int, 2> fixed_network = {-1, -1};  // source-network, destination-network
  std::vector<IpAddress> isp_ips;
  std::vector<Discard> discards;
  // Flowtype ids of the sensor's class, by twoway type; the class's other where
  // the class lacks the type (SiLK stores such flows as other).
  std::array<uint8_t, Twoway::kCount> flowtypes{};
  std::string where;

  // Filled when the configuration is loaded: which deciders list
  // addresses and which interfaces (bit n: network n), and the twoway type by the
  // deciders that claim the source (index bits 0-2) and the destination (bits 3-5),
  // with in and out standing for their web and ICMP variants too.
  uint8_t address_deciders = 0;
  uint8_t interface_deciders = 0;
  std::array<uint8_t, 64> twoway_by_sides{};
};

struct ClassifyOptions {
  bool icmp_split = false;  // SiLK builds twoway without it: ICMP goes to in/out
};

class SensorConfig {
 public:
  static Result<SensorConfig> LoadFile(const std::string& path, const SiteConfig& site);
  static Result<SensorConfig> Parse(std::string_view text, const std::string& name,
                                    const SiteConfig& site);
  // The embedded default: sensor `local` (the first sensor of the site), probes on
  // 2055 (NetFlow v5/v9 and IPFIX), 4739 (IPFIX) and 6343 (sFlow); RFC 1918 and
  // ULA addresses internal, the rest external.
  static Result<SensorConfig> Default(const SiteConfig& site);
  // The file at path, or the embedded default when path is empty.
  static Result<SensorConfig> LoadOrDefault(const std::string& path, const SiteConfig& site) {
    return path.empty() ? Default(site) : LoadFile(path, site);
  }
  static std::string_view DefaultText();

  const std::vector<ProbeConfig>& probes() const { return probes_; }
  // The index of the probe named name (empty: the first); an error names the file.
  Result<size_t> FindProbe(std::string_view name) const;
  const std::vector<SensorRule>& sensors() const { return sensors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::string& source() const { return source_; }

  // The (sensor, flowtype) pairs a record from `probe` is stored under: one per
  // sensor of the probe that does not discard it (SiLK's packing logic).
  // Appends to out.
  void Classify(size_t probe, const FlowRecord& r, const ClassifyOptions& options,
                std::vector<std::pair<uint16_t, uint8_t>>& out) const;

  // The internal networks: every sensor's internal-ipblocks/ipsets (what
  // detection watches and IDS correlation summarises). Empty when the sensors
  // decide by interface.
  IpSet InternalNetworks() const;

 private:
  friend class SensorParser;
  std::vector<ProbeConfig> probes_;
  std::vector<SensorRule> sensors_;
  std::vector<std::vector<size_t>> probe_sensors_;  // probe index -> sensor rule indexes
  std::vector<std::string> warnings_;
  std::string source_;
};

}  // namespace weir
