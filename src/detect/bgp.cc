#include "detect/bgp.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/thread.h"
#include "base/time.h"
#include "detect/alerts.h"

namespace weir {

namespace {
constexpr int64_t kTickMs = 100;
}

std::vector<std::string> FlowSpecMatch(const DetectEvent& e) {
  if (!e.has_address || !e.address.address.is_v4()) return {};
  std::vector<std::string> match = {"destination", e.address.ToString(), "protocol"};
  const std::string& v = e.vector;
  if (v == "syn_flood" || v == "ack_flood" || v == "rst_flood" || v == "synack_reflection" ||
      v == "tcp_flood") {
    match.push_back("tcp");
  } else if (v == "udp_flood") {
    match.push_back("udp");
  } else if (v == "udp_amplification") {
    match.push_back("udp");
    for (const VectorShare& s : e.report.vectors)
      if (s.vector == AttackVector::kUdpAmplification && !s.source_ports.empty()) {
        match.push_back("source-port");
        match.push_back("==" + std::to_string(s.source_ports.front()));
        break;
      }
  } else if (v == "icmp_flood") {
    match.push_back("icmp");
  } else {
    return {};
  }
  return match;
}

std::string ExabgpFlowRoute(const std::vector<std::string>& match) {
  std::string out = "flow route { match {";
  for (size_t i = 0; i + 1 < match.size(); i += 2) {
    std::string_view value = match[i + 1];
    if (value.starts_with("==")) value.remove_prefix(1);  // gobgp's ==53 is ExaBGP's =53
    out += " " + match[i] + " " + std::string(value) + ";";
  }
  return out + " } then { discard; } }";
}

BgpMitigator::BgpMitigator(BgpOptions options, Log log)
    : options_(std::move(options)), log_(std::move(log)) {
  if (!log_) log_ = [](const std::string&) {};
  thread_ = StartThread(
      "weir-bgp", [this] { Run(); },
      [this](const std::string& failure) { log_("error: bgp: " + failure); });
}

BgpMitigator::~BgpMitigator() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BgpMitigator::Send(const DetectEvent& event) {
  if (event.kind == EventKind::kUpdate) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(event);
  }
  wake_.notify_all();
}

Status BgpMitigator::Close(int64_t deadline_ms) {
  const int64_t until = NowMillis() + deadline_ms;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  while (NowMillis() < until) {
    {
      std::lock_guard lock(mutex_);
      if (counters_.announced == 0 && queue_.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  if (counters_.announced > 0)
    return Status::IoError("bgp: " + std::to_string(counters_.announced) +
                           " blackhole routes could not be withdrawn from " + Speaker());
  return Status::Ok();
}

BgpCounters BgpMitigator::Counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void BgpMitigator::Run() {
  int64_t retry_at = 0, backoff = 1000;
  while (true) {
    std::deque<DetectEvent> events;
    bool closing;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kTickMs),
                     [&] { return !queue_.empty() || stop_; });
      if (stop_) return;
      events.swap(queue_);
      closing = closing_;
    }
    for (const DetectEvent& e : events) Handle(e);
    const int64_t now = NowMillis();
    if (now < retry_at) continue;
    bool failed = false;
    size_t announced = 0;
    for (const auto& entry : routes_) announced += entry.second.announced;
    for (auto it = routes_.begin(); it != routes_.end() && !failed;) {
      Route& route = it->second;
      const bool wanted = !closing && (!route.incidents.empty() || now < route.withdraw_at);
      if (wanted && !route.announced) {
        if (announced >= options_.max_routes) {
          if (route.withdraw_at >= 0) {
            log_("bgp: not announcing " + it->first + ": " + std::to_string(announced) +
                 " blackholes already (--bgp-max-routes)");
            std::lock_guard lock(mutex_);
            ++counters_.refused;
          }
          route.withdraw_at = -1;  // said once
        } else if (Announce(route).ok()) {
          ++announced;
        } else {
          failed = true;
        }
      } else if (!wanted && route.announced) {
        if (Withdraw(route).ok())
          --announced;
        else
          failed = true;
      }
      if (!route.announced && route.incidents.empty() && (closing || now >= route.withdraw_at))
        it = routes_.erase(it);
      else
        ++it;
    }
    if (failed) {
      retry_at = now + backoff;
      backoff = std::min<int64_t>(backoff * 2, 30'000);
    } else {
      backoff = 1000;
    }
    std::lock_guard lock(mutex_);
    counters_.announced = announced;
  }
}

void BgpMitigator::Handle(const DetectEvent& e) {
  const bool host = e.has_address && e.address.length == (e.address.address.is_v4() ? 32 : 128);
  if (!host) return;
  const std::string key = e.address.ToString();
  if (e.kind == EventKind::kStart) {
    if (!options_.never.empty() && options_.never.Contains(e.address.address)) {
      log_("bgp: not announcing " + key + " (incident " + e.incident + "): in --bgp-never");
      std::lock_guard lock(mutex_);
      ++counters_.refused;
      return;
    }
    Route& route = routes_[key];
    route.prefix = e.address;
    route.incidents.insert(e.incident);
    route.withdraw_at = 0;
    if (options_.flowspec && route.flowspec.empty()) route.flowspec = FlowSpecMatch(e);
  } else if (e.kind == EventKind::kEnd) {
    auto it = routes_.find(key);
    if (it == routes_.end()) return;
    it->second.incidents.erase(e.incident);
    if (it->second.incidents.empty()) it->second.withdraw_at = NowMillis() + options_.hold_ms;
  }
}

std::string BgpMitigator::Speaker() const {
  return options_.exabgp.empty() ? "gobgpd at " + options_.api : "ExaBGP's pipe " + options_.exabgp;
}

Status BgpMitigator::Dispatch(const std::string& what, std::vector<std::string> gobgp,
                              const std::string& exabgp) {
  if (options_.dry_run) {
    log_("bgp (dry run): would " + what);
    return Status::Ok();
  }
  Status s = options_.exabgp.empty() ? Gobgp(std::move(gobgp)) : Exabgp(exabgp);
  std::lock_guard lock(mutex_);
  if (!s.ok()) {
    ++counters_.failures;
    log_("error: bgp: " + what + ": " + s.message() + "; retrying");
  }
  return s;
}

Status BgpMitigator::Gobgp(std::vector<std::string> words) {
  const size_t colon = options_.api.rfind(':');
  ScriptAction command;
  command.argv = {options_.gobgp, "-u", options_.api.substr(0, colon), "-p",
                  options_.api.substr(colon + 1)};
  command.argv.insert(command.argv.end(), words.begin(), words.end());
  command.timeout_ms = options_.command_timeout_ms;
  return RunScript(command, {}, "");
}

// One command line to ExaBGP's pipe: opened without blocking (no reader: ExaBGP
// is not running), written in one write (atomic below PIPE_BUF), closed.
Status BgpMitigator::Exabgp(const std::string& line) {
  const std::string& path = options_.exabgp;
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO) return Status::IoError(path + ": nothing reads it (is ExaBGP running?)");
    return Status::IoError(path + ": " + std::strerror(errno));
  }
  struct stat st;
  Status s = Status::Ok();
  const std::string text = line + "\n";
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    s = Status::Invalid(path + ": not a named pipe (mkfifo)");
  } else if (text.size() > PIPE_BUF) {
    s = Status::Invalid("an ExaBGP command longer than PIPE_BUF");
  } else {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()))
      s = Status::IoError(path + ": " +
                          (n < 0 ? std::string(std::strerror(errno)) : "a short write"));
  }
  ::close(fd);
  return s;
}

// The route's FlowSpec discard rule, added to (or deleted from) the speaker.
Status BgpMitigator::FlowSpec(const Route& route, bool add) {
  std::vector<std::string> words = {"global", "rib", "-a", "ipv4-flowspec", add ? "add" : "del",
                                    "match"};
  words.insert(words.end(), route.flowspec.begin(), route.flowspec.end());
  words.insert(words.end(), {"then", "discard"});
  return Dispatch(std::string(add ? "add" : "delete") + " flowspec for " + route.prefix.ToString(),
                  std::move(words),
                  std::string(add ? "announce " : "withdraw ") + ExabgpFlowRoute(route.flowspec));
}

Status BgpMitigator::Announce(Route& route) {
  const bool v4 = route.prefix.address.is_v4();
  const std::string prefix = route.prefix.ToString();
  const std::string& next_hop = v4 ? options_.next_hop : options_.next_hop_v6;
  Status s = Dispatch("announce " + prefix + " community " + options_.community,
                      {"global", "rib", "add", "-a", v4 ? "ipv4" : "ipv6", prefix, "community",
                       options_.community, "nexthop", next_hop},
                      "announce route " + prefix + " next-hop " + next_hop + " community [" +
                          options_.community + "]");
  if (!s.ok()) return s;
  if (!route.flowspec.empty()) {
    if (Status f = FlowSpec(route, /*add=*/true); !f.ok()) return f;
  }
  route.announced = true;
  log_("bgp: announced " + prefix + " community " + options_.community +
       (route.flowspec.empty() ? "" : " and a flowspec discard rule"));
  std::lock_guard lock(mutex_);
  ++counters_.announcements;
  return Status::Ok();
}

Status BgpMitigator::Withdraw(Route& route) {
  const bool v4 = route.prefix.address.is_v4();
  const std::string prefix = route.prefix.ToString();
  if (!route.flowspec.empty()) {
    if (Status f = FlowSpec(route, /*add=*/false); !f.ok()) return f;
  }
  Status s = Dispatch(
      "withdraw " + prefix, {"global", "rib", "del", "-a", v4 ? "ipv4" : "ipv6", prefix},
      "withdraw route " + prefix + " next-hop " + (v4 ? options_.next_hop : options_.next_hop_v6));
  if (!s.ok()) return s;
  route.announced = false;
  log_("bgp: withdrew " + prefix);
  std::lock_guard lock(mutex_);
  ++counters_.withdrawals;
  return Status::Ok();
}

}  // namespace weir
