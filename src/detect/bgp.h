// BGP mitigation: a blackhole route for each victim host of an incident (and
// optionally a FlowSpec discard rule for its vector), announced through a GoBGP
// speaker (Debian's gobgpd, driven with its `gobgp` client over gobgpd's API) or
// an ExaBGP speaker (Debian's exabgp: its API commands written to a named pipe that
// a process of ExaBGP's reads), and withdrawn when the incident has ended and a
// hold time has passed.
//
// - Only host keys are announced (/32, /128): a prefix or sensor incident is not.
// - Never for the `never` prefixes (besides the rules' own whitelists, which keep
//   such keys from starting incidents at all).
// - At most `max_routes` blackholes at once; more are refused, counted and logged.
// - A speaker that fails is retried (1 s, doubling to 30 s) on its own thread;
//   detection never waits for it.
// - Dry run: what would be announced and withdrawn is logged, nothing is sent.
// - Close() withdraws every route it announced (a stopping daemon leaves no
//   blackhole behind).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/status.h"
#include "detect/detector.h"
#include "net/ip_set.h"

namespace weir {

struct BgpOptions {
  std::string gobgp = "gobgp";          // the client program
  std::string api = "127.0.0.1:50051";  // gobgpd's API, host:port
  std::string exabgp;                   // else: ExaBGP's command pipe (a FIFO)
  std::string community = "65535:666";  // RFC 7999 BLACKHOLE
  std::string next_hop = "192.0.2.1";   // IPv4 routes (a discard next hop)
  std::string next_hop_v6 = "100::1";   // IPv6 routes (RFC 6666 discard prefix)
  bool flowspec = false;                // also a FlowSpec rule (RFC 8955) for the vector
  int64_t hold_ms = 300'000;            // withdraw this long after the incident ends
  size_t max_routes = 32;
  bool dry_run = false;
  IpSet never;
  int64_t command_timeout_ms = 5000;
};

struct BgpCounters {
  uint64_t announced = 0;  // routes now in the speaker
  uint64_t announcements = 0, withdrawals = 0;
  uint64_t failures = 0;  // speaker commands that failed (retried)
  uint64_t refused = 0;   // victims not announced: the cap, or --bgp-never
};

class BgpMitigator {
 public:
  using Log = std::function<void(const std::string&)>;
  BgpMitigator(BgpOptions options, Log log);
  ~BgpMitigator();

  void Send(const DetectEvent& event);
  // Withdraws what it announced, waiting up to deadline_ms for the speaker.
  Status Close(int64_t deadline_ms);
  BgpCounters Counters() const;

 private:
  struct Route {
    IpPrefix prefix;
    std::set<std::string> incidents;    // open incidents on it
    std::vector<std::string> flowspec;  // the FlowSpec rule's match words, if any
    bool announced = false;
    int64_t withdraw_at = 0;  // wall clock; 0: not due
  };

  void Run();
  void Handle(const DetectEvent& event);
  Status Announce(Route& route);
  Status Withdraw(Route& route);
  Status FlowSpec(const Route& route, bool add);
  Status Gobgp(std::vector<std::string> words);
  Status Exabgp(const std::string& line);
  Status Dispatch(const std::string& what, std::vector<std::string> gobgp,
                  const std::string& exabgp);
  std::string Speaker() const;

  BgpOptions options_;
  Log log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<DetectEvent> queue_;
  bool stop_ = false, closing_ = false;
  std::map<std::string, Route> routes_;  // by prefix text
  BgpCounters counters_;
  std::thread thread_;
};

// The FlowSpec match of an incident's vector: destination, protocol and the
// reflected source port ("destination 10.0.0.1/32 protocol udp source-port ==53");
// empty when the vector names no protocol.
std::vector<std::string> FlowSpecMatch(const DetectEvent& event);
// The same as an ExaBGP API route: "flow route { match { destination 10.0.0.1/32;
// protocol udp; source-port =53; } then { discard; } }".
std::string ExabgpFlowRoute(const std::vector<std::string>& match);

}  // namespace weir
