#include "export/long_flows.h"

#include <algorithm>

#include "base/hash.h"

namespace weir {

uint64_t LongFlows::FlowKey(const FlowRecord& r) {
  uint64_t h = Mix64(r.sip.high64() ^ 0x5157'4549'52ULL);
  h = Mix64(h ^ r.sip.low64());
  h = Mix64(h ^ r.dip.high64());
  h = Mix64(h ^ r.dip.low64());
  h = Mix64(h ^ (uint64_t{r.sport} << 48 | uint64_t{r.dport} << 32 | uint64_t{r.protocol} << 24 |
                 uint64_t{r.vlan} << 8));
  return Mix64(h ^ r.sensor);
}

uint64_t LongFlows::FlowId(uint64_t key, int64_t stime_ms) {
  return Mix64(key ^ Mix64(static_cast<uint64_t>(stime_ms)));
}

bool LongFlows::Involved(const FlowRecord& r) const {
  return (r.attributes & (kAttrActiveTimeout | kAttrContinuation)) != 0 ||
         (!open_.empty() && open_.count(FlowKey(r)) != 0);
}

void LongFlows::Merge(FlowRecord& into, const FlowRecord& part) {
  int64_t end = std::max(into.etime_ms(), part.etime_ms());
  into.packets += part.packets;
  into.bytes += part.bytes;
  into.flags |= part.flags;
  into.session_flags |= part.session_flags | part.initial_flags;
  int64_t length = end - into.stime_ms;
  into.duration_ms = static_cast<uint32_t>(std::clamp<int64_t>(length, 0, UINT32_MAX));
  // The merged record ends the way its last part ended.
  into.attributes = static_cast<uint8_t>((into.attributes & kAttrContinuation) |
                                         (part.attributes & ~kAttrContinuation));
}

void LongFlows::Add(const FlowRecord& r, int64_t now_ms, const Emit& emit) {
  newest_time_ms_ = std::max(newest_time_ms_, r.etime_ms());
  const uint64_t key = FlowKey(r);
  const bool continues = (r.attributes & kAttrActiveTimeout) != 0;
  auto it = open_.find(key);
  if (continues || it != open_.end()) changed_ = true;
  if (it != open_.end() && r.stime_ms > it->second.last_etime_ms + options_.gap_ms) {
    // Too late to be the same flow: the open one ended at its last part.
    if (it->second.holding) emit(it->second.merged, it->second.flow_id);
    open_.erase(it);
    it = open_.end();
  }
  if (it == open_.end()) {
    uint64_t id = FlowId(key, r.stime_ms);
    if (!continues) return emit(r, id);
    Entry e{key, id, r.etime_ms(), 0, false, {}};
    if (options_.final_only) {
      e.holding = true;
      e.held_since_ms = now_ms;
      e.merged = r;
    } else {
      emit(r, id);
    }
    open_.emplace(key, e);
    return;
  }
  Entry& e = it->second;
  e.last_etime_ms = std::max(e.last_etime_ms, r.etime_ms());
  if (!options_.final_only) {
    emit(r, e.flow_id);
  } else if (e.holding) {
    Merge(e.merged, r);
  } else {
    e.merged = r;
    e.holding = true;
    e.held_since_ms = now_ms;
  }
  if (!continues) {
    if (e.holding) emit(e.merged, e.flow_id);
    open_.erase(it);
  }
}

void LongFlows::Expire(int64_t now_ms, const Emit& emit) {
  for (auto it = open_.begin(); it != open_.end();) {
    Entry& e = it->second;
    bool gone = newest_time_ms_ != INT64_MIN && newest_time_ms_ > e.last_etime_ms + options_.gap_ms;
    if (gone) {
      if (e.holding) emit(e.merged, e.flow_id);
      it = open_.erase(it);
      changed_ = true;
      continue;
    }
    if (e.holding && now_ms - e.held_since_ms >= options_.hold_ms) {
      emit(e.merged, e.flow_id);
      e.holding = false;
      changed_ = true;
    }
    ++it;
  }
}

void LongFlows::Flush(const Emit& emit) {
  std::vector<Entry> held;
  for (auto& [key, e] : open_)
    if (e.holding) held.push_back(e);
  // In flow order, so that output does not depend on the table's layout.
  std::sort(held.begin(), held.end(),
            [](const Entry& a, const Entry& b) { return a.merged.stime_ms < b.merged.stime_ms; });
  for (const Entry& e : held) emit(e.merged, e.flow_id);
  changed_ = changed_ || !open_.empty();
  open_.clear();
}

std::vector<LongFlows::Entry> LongFlows::Entries() const {
  std::vector<Entry> out;
  out.reserve(open_.size());
  for (const auto& [key, e] : open_) out.push_back(e);
  return out;
}

void LongFlows::Restore(const std::vector<Entry>& entries) {
  open_.clear();
  for (const Entry& e : entries) {
    open_.emplace(e.key, e);
    newest_time_ms_ = std::max(newest_time_ms_, e.last_etime_ms);
  }
}

}  // namespace weir
