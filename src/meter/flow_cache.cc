#include "meter/flow_cache.h"

#include <algorithm>

#include "base/hash.h"
#include "wire/encoder.h"

namespace weir {

namespace {

constexpr size_t kInitialSlots = size_t{1} << 16;

}  // namespace

FlowCache::FlowCache(FlowCacheOptions options) : options_(options) {
  options_.active_ms = std::max<int64_t>(options_.active_ms, 1);
  options_.max_flows = std::clamp<size_t>(options_.max_flows, 1, UINT32_MAX / 4);
  flows_.resize(1);
  table_.assign(kInitialSlots, 0);
}

uint64_t FlowCache::Hash(const Key& k) {
  uint64_t h = k.sip.low64() * 0x9e3779b97f4a7c15ULL;
  h ^= k.sip.high64() + (h << 6) + (h >> 2);
  h ^= k.dip.low64() * 0xc2b2ae3d27d4eb4fULL;
  h ^= k.dip.high64() + (h << 6) + (h >> 2);
  h ^= uint64_t{k.sport} << 48 | uint64_t{k.dport} << 32 | uint64_t{k.vlan} << 16 | k.protocol;
  h ^= uint64_t{k.interface} << 24;
  return Mix64(h);
}

// A slot holds the key's 32-bit hash (its home slot, and a tag that spares
// reading the flows of other keys) and the flow's index; 0 is empty.
uint32_t FlowCache::Find(const Key& k, uint64_t hash) const {
  const size_t mask = table_.size() - 1;
  const uint32_t tag = static_cast<uint32_t>(hash);
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const uint64_t entry = table_[slot];
    if (entry == 0) return 0;
    const uint32_t index = static_cast<uint32_t>(entry);
    if (static_cast<uint32_t>(entry >> 32) == tag && flows_[index].key == k) return index;
  }
}

void FlowCache::Grow() {
  std::vector<uint64_t> old = std::move(table_);
  table_.assign(old.size() * 2, 0);
  const size_t mask = table_.size() - 1;
  for (uint64_t entry : old) {
    if (entry == 0) continue;
    size_t slot = (entry >> 32) & mask;
    while (table_[slot]) slot = (slot + 1) & mask;
    table_[slot] = entry;
  }
}

uint32_t FlowCache::Insert(const Key& k, uint64_t hash) {
  if ((count_ + 1) * 2 > table_.size()) {
    Grow();
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
    flows_[index] = Flow{};
  } else {
    index = static_cast<uint32_t>(flows_.size());
    flows_.emplace_back();
  }
  flows_[index].key = k;
  const size_t mask = table_.size() - 1;
  size_t slot = hash & mask;
  while (table_[slot]) slot = (slot + 1) & mask;
  table_[slot] = (hash & 0xffffffffu) << 32 | index;
  ++count_;
  ++created_;
  peak_ = std::max(peak_, count_);
  return index;
}

void FlowCache::Erase(uint32_t index) {
  const size_t mask = table_.size() - 1;
  size_t slot = Hash(flows_[index].key) & mask;
  while (static_cast<uint32_t>(table_[slot]) != index) slot = (slot + 1) & mask;
  // Backward-shift deletion keeps every probe sequence unbroken.
  for (size_t next = (slot + 1) & mask; table_[next]; next = (next + 1) & mask) {
    size_t home = (table_[next] >> 32) & mask;
    // Move the entry back when its home is not in (slot, next].
    if (((next - home) & mask) >= ((next - slot) & mask)) {
      table_[slot] = table_[next];
      slot = next;
    }
  }
  table_[slot] = 0;
  Unlink(index);
  AgeUnlink(index);
  flows_[index].list = List::kFree;
  free_.push_back(index);
  --count_;
}

void FlowCache::Unlink(uint32_t index) {
  Flow& f = flows_[index];
  Links& l = ListOf(f.list);
  (f.prev ? flows_[f.prev].next : l.head) = f.next;
  (f.next ? flows_[f.next].prev : l.tail) = f.prev;
  f.prev = f.next = 0;
}

void FlowCache::LinkTail(uint32_t index, List list) {
  Flow& f = flows_[index];
  Links& l = ListOf(list);
  f.list = list;
  f.prev = l.tail;
  f.next = 0;
  (l.tail ? flows_[l.tail].next : l.head) = index;
  l.tail = index;
}

void FlowCache::AgeUnlink(uint32_t index) {
  Flow& f = flows_[index];
  (f.age_prev ? flows_[f.age_prev].age_next : age_.head) = f.age_next;
  (f.age_next ? flows_[f.age_next].age_prev : age_.tail) = f.age_prev;
  f.age_prev = f.age_next = 0;
}

void FlowCache::AgeLinkTail(uint32_t index) {
  Flow& f = flows_[index];
  f.age_prev = age_.tail;
  f.age_next = 0;
  (age_.tail ? flows_[age_.tail].age_next : age_.head) = index;
  age_.tail = index;
}

// After an active timeout the flow goes on as a continuation with no packets yet.
void FlowCache::Restart(Flow& f) {
  f.packets = f.bytes = 0;
  f.flags = f.initial_flags = f.session_flags = 0;
  f.uniform = true;
  f.attributes = kAttrContinuation;
}

// Appends the flow's record; the flow itself stays (callers erase or restart it).
void FlowCache::Emit(uint32_t index, uint8_t reason, ExpiredFlows& out) {
  const Flow& f = flows_[index];
  if (f.packets == 0) return;  // a continuation that saw no packet
  FlowRecord& r = out.records.emplace_back();
  r.sip = f.key.sip;
  r.dip = f.key.dip;
  r.sport = f.key.sport;
  r.dport = f.key.dport;
  r.protocol = f.key.protocol;
  r.vlan = f.key.vlan;
  r.input = f.key.interface;
  r.packets = f.packets;
  r.bytes = f.bytes;
  r.stime_ms = f.first_ms;
  r.duration_ms = static_cast<uint32_t>(std::min<int64_t>(f.last_ms - f.first_ms, UINT32_MAX));
  r.flags = f.flags;
  r.initial_flags = f.initial_flags;
  r.session_flags = f.session_flags;
  r.tos = f.tos;
  r.attributes = f.attributes;
  if (reason == kEndActive) r.attributes |= kAttrActiveTimeout;
  if (f.uniform && f.packets > 1) r.attributes |= kAttrUniformPackets;
  if (r.protocol != kProtoTcp) r.flags = r.initial_flags = r.session_flags = 0;
  out.reasons.push_back(reason);
}

void FlowCache::Add(const PacketInfo& packet, uint32_t bytes, int64_t time_ms, uint32_t interface,
                    ExpiredFlows& out) {
  Key k;
  k.sip = packet.sip;
  k.dip = packet.dip;
  k.interface = interface;
  k.sport = packet.sport;
  k.dport = packet.dport;
  k.vlan = packet.vlan;
  k.protocol = packet.protocol;
  const uint64_t hash = Hash(k);
  const uint8_t tcp_flags = packet.protocol == kProtoTcp ? packet.tcp_flags : 0;
  uint32_t index = Find(k, hash);
  if (index) {
    Flow& f = flows_[index];
    if (f.list == List::kClosing && (tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn) {
      Emit(index, kEndOfFlow, out);  // a new connection on the same 5-tuple
      Erase(index);
      index = 0;
    } else if (f.packets > 0 && time_ms - f.first_ms >= options_.active_ms) {
      Emit(index, kEndActive, out);
      Restart(f);
      AgeUnlink(index);
      AgeLinkTail(index);
    }
  }
  if (index == 0) {
    if (count_ >= options_.max_flows) {
      // Make room: end the flow quiet the longest.
      uint32_t oldest = open_.head;
      if (closing_.head && (!oldest || flows_[closing_.head].last_ms < flows_[oldest].last_ms))
        oldest = closing_.head;
      Emit(oldest, kEndLackOfResources, out);
      Erase(oldest);
      ++early_expired_;
    }
    index = Insert(k, hash);
    LinkTail(index, List::kOpen);
    AgeLinkTail(index);
  }
  Flow& f = flows_[index];
  if (f.packets == 0) {
    f.first_ms = f.last_ms = time_ms;
    f.initial_flags = tcp_flags;
    f.tos = packet.tos;
    f.first_size = bytes;
  } else {
    f.session_flags |= tcp_flags;
    if (bytes != f.first_size) f.uniform = false;
    f.last_ms = std::max(f.last_ms, time_ms);
  }
  ++f.packets;
  f.bytes += bytes;
  f.flags |= tcp_flags;
  Unlink(index);
  if (f.list == List::kClosing) {
    f.attributes |= kAttrPacketsAfterFin;
    LinkTail(index, List::kClosing);
  } else {
    LinkTail(index, (tcp_flags & (kTcpFin | kTcpRst)) ? List::kClosing : List::kOpen);
  }
}

void FlowCache::Expire(int64_t now_ms, ExpiredFlows& out) {
  while (open_.head && now_ms - flows_[open_.head].last_ms >= options_.inactive_ms) {
    Emit(open_.head, kEndIdle, out);
    Erase(open_.head);
  }
  while (closing_.head && now_ms - flows_[closing_.head].last_ms >= options_.fin_ms) {
    Emit(closing_.head, kEndOfFlow, out);
    Erase(closing_.head);
  }
  while (age_.head && now_ms - flows_[age_.head].first_ms >= options_.active_ms) {
    uint32_t index = age_.head;
    Flow& f = flows_[index];
    Emit(index, kEndActive, out);
    Restart(f);
    f.first_ms = now_ms;
    AgeUnlink(index);
    AgeLinkTail(index);
  }
}

void FlowCache::Flush(ExpiredFlows& out) {
  while (age_.head) {
    Emit(age_.head, kEndForced, out);
    Erase(age_.head);
  }
}

}  // namespace weir
