#include "web/running_queries.h"

#include "base/time.h"

namespace weir::web {

const std::vector<double> RunningQueries::kBounds = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                     2.5,  5,    10,  30,   60};

RunningQueries::Ticket RunningQueries::Start(const std::string& client_id, const std::string& user,
                                             std::string_view view) {
  std::lock_guard lock(mutex_);
  int mine = 0;
  for (auto& [serial, r] : running_) mine += r.user == user;
  if (mine >= max_per_user_) return {};
  const int64_t now = NowMillis();
  Ticket t{++registered_, std::make_shared<QueryControl>(limits_, now), {}};
  std::string id = client_id.empty() ? "q" + std::to_string(t.serial) : client_id;
  running_[t.serial] = {id, user, std::string(view), "(planning)", now, t.control};
  t.registration = std::shared_ptr<void>(nullptr, [this, serial = t.serial](void*) {
    std::lock_guard lock(mutex_);
    auto it = running_.find(serial);
    if (it == running_.end()) return;
    Durations& d = durations_[it->second.view];
    if (d.counts.empty()) d.counts.resize(kBounds.size() + 1);
    const double seconds = (NowMillis() - it->second.started_ms) / 1000.0;
    size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    ++d.counts[bucket];
    d.sum += seconds;
    running_.erase(it);
  });
  return t;
}

void RunningQueries::Describe(const Ticket& ticket, const std::string& filter) {
  std::lock_guard lock(mutex_);
  if (auto it = running_.find(ticket.serial); it != running_.end()) it->second.filter = filter;
}

std::vector<RunningQueryInfo> RunningQueries::List(const std::string& user, bool everyone) const {
  std::lock_guard lock(mutex_);
  std::vector<RunningQueryInfo> list;
  for (auto& [serial, r] : running_)
    if (everyone || r.user == user) list.push_back({r.id, r.user, r.view, r.filter, r.started_ms});
  return list;
}

bool RunningQueries::Cancel(const std::string& id, const std::string& user, bool anyone) {
  std::lock_guard lock(mutex_);
  bool found = false;
  for (auto& [serial, r] : running_)
    if (r.id == id && (anyone || r.user == user)) {
      r.control->Cancel();
      found = true;
    }
  return found;
}

void RunningQueries::CancelAll() {
  std::lock_guard lock(mutex_);
  for (auto& [serial, r] : running_) r.control->Cancel();
}

void RunningQueries::AppendMetrics(PrometheusText& w) const {
  std::lock_guard lock(mutex_);
  w.Family("weir_serve_queries_running", "gauge", "queries being planned or run");
  w.Sample("weir_serve_queries_running", "", running_.size());
  w.Family("weir_serve_queries_total", "counter", "queries registered since the start");
  w.Sample("weir_serve_queries_total", "", registered_);
  w.Family("weir_serve_query_duration_seconds", "histogram",
           "from a query's registration to its answer (or the end of a download), by view");
  for (const auto& [view, d] : durations_) {
    std::vector<uint64_t> cumulative(d.counts.size());
    uint64_t total = 0;
    for (size_t i = 0; i < d.counts.size(); ++i) cumulative[i] = total += d.counts[i];
    w.Histogram("weir_serve_query_duration_seconds", PrometheusText::Label("view", view), kBounds,
                cumulative, d.sum);
  }
}

}  // namespace weir::web
