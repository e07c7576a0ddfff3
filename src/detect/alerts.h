// Alert delivery: detection's events as JSON Lines to export's sinks (a file or
// standard output, an HTTP webhook, Splunk HEC, Elasticsearch) and to scripts.
//
// Each destination has a thread and a queue of its own, so a slow or failing one
// never holds up detection or the others: a delivery that fails is retried
// (1 s, doubling to 30 s) until it succeeds or the dispatcher closes, failures are
// counted and logged (one line when a destination fails, one when it recovers),
// and no event is dropped while the process runs. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "detect/detector.h"
#include "export/sink.h"

namespace weir {

// A script run for each event: the program and its arguments (never a shell
// line), followed by the event kind, key, rule and incident as arguments, with the
// event's JSON on standard input, killed after timeout_ms. The same four are in
// the environment (WEIR_EVENT, WEIR_KEY, WEIR_RULE, WEIR_INCIDENT). A non-zero
// exit is a failure and is retried.
struct ScriptAction {
  std::vector<std::string> argv;
  int64_t timeout_ms = 10'000;
  std::vector<std::string> events = {"start", "end"};  // which kinds run it
};

struct AlertCounters {
  std::string destination;
  uint64_t delivered = 0;
  uint64_t failures = 0;  // attempts that failed (each retried)
  uint64_t pending = 0;
};

class AlertDispatcher {
 public:
  using Log = std::function<void(const std::string&)>;
  // ecs: events in Elastic Common Schema (EventEcsJson) instead of weir's layout.
  AlertDispatcher(std::vector<std::unique_ptr<Sink>> sinks, std::vector<ScriptAction> scripts,
                  Log log, bool ecs = false);
  ~AlertDispatcher();

  void Send(const DetectEvent& event);
  // Delivers what is queued, waiting up to deadline_ms for destinations that are
  // down; returns an error naming those that still hold events.
  Status Close(int64_t deadline_ms);
  std::vector<AlertCounters> Counters() const;

  class Destination;

 private:
  std::vector<std::unique_ptr<Destination>> destinations_;
  Log log_;
  bool ecs_ = false;
};

// RFC 5424 syslog of alert events: "HOST:PORT" over UDP (port 514 by default),
// "local" for /dev/log, or a path to a Unix datagram socket.
Result<std::unique_ptr<Sink>> OpenSyslogSink(const std::string& where);

// Runs one script with input on standard input; an error says how it failed
// (exit status, signal, timeout).
Status RunScript(const ScriptAction& script, const std::vector<std::string>& environment,
                 const std::string& input);

}  // namespace weir
