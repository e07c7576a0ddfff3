// FlowCache: the meter's table of active flows. Packets are added one at a time;
// flows leave as records when they end:
//
// - inactive timeout: no packet for `inactive_ms` (default 15 s);
// - active timeout: open for `active_ms` (default 30 min); the record gets
//   attribute T and the flow goes on in a new record with attribute C;
// - TCP end: after a FIN or RST the flow ends once quiet for `fin_ms` (default
//   2 s); packets in that window (the last ACK) still count and set attribute F;
//   a SYN without ACK in it starts a new flow (the 5-tuple was reused);
// - lack of room: with `max_flows` active, a new flow first ends the one quiet
//   the longest (counted in early_expired()).
//
// The key is the 5-tuple (ICMP type and code in dport), VLAN and interface. Flows
// are unidirectional as in NetFlow and SiLK. Memory is bounded: about
// kBytesPerFlow per active flow, at most max_flows of them. Time is the packets'
// own clock (pcap timestamps), so a file meters the same way every time.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "record/flow_record.h"
#include "wire/packet/packet.h"

namespace weir {

struct FlowCacheOptions {
  int64_t active_ms = 1'800'000;
  int64_t inactive_ms = 15'000;
  int64_t fin_ms = 2'000;
  size_t max_flows = 2'000'000;
};

// Records that left the cache, with why (kEnd* of wire/encoder.h), in order.
struct ExpiredFlows {
  std::vector<FlowRecord> records;
  std::vector<uint8_t> reasons;
  void clear() {
    records.clear();
    reasons.clear();
  }
  size_t size() const { return records.size(); }
};

class FlowCache {
 public:
  explicit FlowCache(FlowCacheOptions options = {});

  // Adds one packet of `bytes` IP bytes seen at time_ms on interface; flows it
  // ends (active timeout, reuse, lack of room) go to out.
  void Add(const PacketInfo& packet, uint32_t bytes, int64_t time_ms, uint32_t interface,
           ExpiredFlows& out);
  // Ends the flows whose timeouts have passed at now_ms.
  void Expire(int64_t now_ms, ExpiredFlows& out);
  // Ends every flow (the meter stops).
  void Flush(ExpiredFlows& out);

  size_t active() const { return count_; }
  size_t peak() const { return peak_; }
  size_t slots() const { return table_.size(); }
  uint64_t created() const { return created_; }
  uint64_t early_expired() const { return early_expired_; }
  static constexpr size_t kBytesPerFlow = 160;  // a Flow plus its share of the table

 private:
  struct Key {
    IpAddress sip;
    IpAddress dip;
    uint32_t interface = 0;
    uint16_t sport = 0;
    uint16_t dport = 0;
    uint16_t vlan = 0;
    uint8_t protocol = 0;
    bool operator==(const Key&) const = default;
  };
  enum class List : uint8_t { kFree, kOpen, kClosing };
  struct Flow {
    Key key;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint32_t prev = 0, next = 0;          // in the open or closing list, by last packet
    uint32_t age_prev = 0, age_next = 0;  // in the age list, by first packet
    uint32_t first_size = 0;
    uint8_t flags = 0, initial_flags = 0, session_flags = 0, tos = 0, attributes = 0;
    List list = List::kFree;
    bool uniform = true;
  };
  // Doubly linked lists of flow indexes; index 0 is each list's sentinel.
  struct Links {
    uint32_t head = 0, tail = 0;
  };

  static uint64_t Hash(const Key& k);
  uint32_t Find(const Key& k, uint64_t hash) const;  // 0: absent
  uint32_t Insert(const Key& k, uint64_t hash);
  void Erase(uint32_t index);
  void Grow();
  void Emit(uint32_t index, uint8_t reason, ExpiredFlows& out);
  static void Restart(Flow& f);
  void Unlink(uint32_t index);
  void LinkTail(uint32_t index, List list);
  void AgeUnlink(uint32_t index);
  void AgeLinkTail(uint32_t index);
  Links& ListOf(List list) { return list == List::kOpen ? open_ : closing_; }

  FlowCacheOptions options_;
  std::vector<Flow> flows_;      // [0] unused; indexes are stable while a flow lives
  std::vector<uint32_t> free_;   // free flow indexes
  std::vector<uint64_t> table_;  // open addressing, linear probing: hash << 32 | index
  Links open_, closing_, age_;
  size_t count_ = 0;
  size_t peak_ = 0;
  uint64_t created_ = 0;
  uint64_t early_expired_ = 0;
};

}  // namespace weir
