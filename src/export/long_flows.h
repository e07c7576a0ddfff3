// LongFlows: ties together the records an exporter cut from one long flow.
//
// Meters and routers end a flow record at the active timeout and start another
// for the rest of the flow; SiLK marks the first with attribute T (ended by
// timeout) and the next with C (continuation). A SIEM summing bytes per flow
// needs to know that these records are parts of one flow, so every record gets a
// flow id: a hash of the flow key (sensor, addresses, ports, protocol, VLAN) and
// the start time of the flow's first record. A record follows an open long flow
// when a record with the same key ended by timeout no later than `gap` before
// it started (routers do not send C, so the key and the times decide).
//
// With final_only, the parts are held and merged, and one record is emitted per
// flow: when its last part arrives, when no part followed within `gap`, or when
// the flow has been held for `hold` (then the merged part so far, still marked T,
// and the rest later). Not thread-safe. doc/export.md describes it for users.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "record/flow_record.h"

namespace weir {

class LongFlows {
 public:
  struct Options {
    bool final_only = false;
    int64_t gap_ms = 10 * 60'000;   // longest wait for the next part
    int64_t hold_ms = 60 * 60'000;  // final_only: longest a flow is held
  };
  // Receives each record to emit and its flow id.
  using Emit = std::function<void(const FlowRecord& r, uint64_t flow_id)>;

  explicit LongFlows(Options options) : options_(options) {}

  // The flow id of a record that is not part of a long flow (no T, and no open
  // flow with its key): callers may compute it without the table, in parallel.
  static uint64_t FlowKey(const FlowRecord& r);
  static uint64_t FlowId(uint64_t key, int64_t stime_ms);
  // True when the record must go through Add (it may belong to a long flow).
  bool Involved(const FlowRecord& r) const;

  // Takes a record in storage order; emits it (or, with final_only, what it
  // completes). now_ms is the wall clock, for `hold`.
  void Add(const FlowRecord& r, int64_t now_ms, const Emit& emit);
  // Emits what has waited too long: parts not followed within gap (by the data's
  // own time) and, with final_only, flows held longer than hold (wall clock).
  void Expire(int64_t now_ms, const Emit& emit);
  // Emits every held part (end of a one-shot export).
  void Flush(const Emit& emit);

  // Persistence between runs (the export cursor stores it).
  struct Entry {
    uint64_t key;
    uint64_t flow_id;
    int64_t last_etime_ms;  // end of the latest part
    int64_t held_since_ms;  // wall clock when the first held part arrived; 0: none held
    bool holding;           // `merged` holds parts not yet emitted
    FlowRecord merged;
  };
  std::vector<Entry> Entries() const;
  void Restore(const std::vector<Entry>& entries);
  size_t open_flows() const { return open_.size(); }
  // True when the table changed since the last call (the cursor stores it then).
  bool TakeChanged() { return std::exchange(changed_, false); }

 private:
  static void Merge(FlowRecord& into, const FlowRecord& part);
  Options options_;
  std::unordered_map<uint64_t, Entry> open_;
  int64_t newest_time_ms_ = INT64_MIN;  // latest record end seen (data time)
  bool changed_ = false;
};

}  // namespace weir
