// FlowEncoder: flow records to NetFlow v5, NetFlow v9 or IPFIX messages, as a
// meter exports them. The counterpart of Exporter::Decode; what one encodes the
// other reads back (wire_test checks the round trip), and tshark decodes it.
//
// One encoder is one export stream (one destination): it owns the sequence
// numbers and decides when templates ride along (every `template_refresh_messages`
// messages or `template_refresh_ms`, whichever comes first; on a TCP stream only
// at the start, or when ForceTemplates() says a new connection began).
//
// Templates (v9 and IPFIX): 256 for IPv4 flows, 257 for IPv6 flows, 258 for the
// options record that states 1-in-N packet sampling. v5 carries IPv4 flows only;
// others are counted as skipped. Layouts: doc/meter.md. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "record/flow_record.h"

namespace weir {

// Why a flow ended (IPFIX flowEndReason, RFC 7270 values).
inline constexpr uint8_t kEndIdle = 1;
inline constexpr uint8_t kEndActive = 2;
inline constexpr uint8_t kEndOfFlow = 3;  // TCP FIN or RST
inline constexpr uint8_t kEndForced = 4;  // the meter stopped
inline constexpr uint8_t kEndLackOfResources = 5;

struct EncoderOptions {
  int version = 10;           // 5, 9 or 10 (IPFIX)
  uint32_t domain = 0;        // IPFIX observation domain, v9 source id, v5 engine id (low byte)
  uint32_t sampling = 0;      // 1-in-N packet sampling applied upstream; 0 or 1: none
  int64_t boot_ms = -1;       // v5/v9 sysUpTime zero; -1: the first Encode's earliest time
  size_t max_message = 1472;  // bytes; a 1500-byte MTU less IPv4 and UDP headers
  bool stream = false;        // IPFIX over TCP: templates only at the start
  uint32_t template_refresh_messages = 20;
  int64_t template_refresh_ms = 60'000;
};

class FlowEncoder {
 public:
  explicit FlowEncoder(EncoderOptions options);

  // Encodes records into complete messages appended to out. end_reasons, when
  // not empty, holds one flowEndReason per record (IPFIX only). now_ms is the
  // export time written in the headers.
  void Encode(std::span<const FlowRecord> records, std::span<const uint8_t> end_reasons,
              int64_t now_ms, std::vector<std::vector<std::byte>>& out);
  // The next message carries the templates (a new TCP connection began).
  void ForceTemplates() { templates_due_ = true; }

  uint64_t messages() const { return messages_; }
  uint64_t records() const { return records_; }
  uint64_t skipped() const { return skipped_; }  // flows the version cannot carry
  const EncoderOptions& options() const { return options_; }

 private:
  void EncodeV5(std::span<const FlowRecord> records, int64_t now_ms,
                std::vector<std::vector<std::byte>>& out);
  void EncodeTemplated(std::span<const FlowRecord> records, std::span<const uint8_t> end_reasons,
                       int64_t now_ms, std::vector<std::vector<std::byte>>& out);
  void StartMessage(std::vector<std::byte>& m, int64_t now_ms);
  void FinishMessage(std::vector<std::byte>& m, uint32_t record_count, uint32_t data_records);
  void WriteTemplates(std::vector<std::byte>& m, uint32_t& record_count);
  void WriteSamplingOptions(std::vector<std::byte>& m, uint32_t& record_count);
  void OpenSet(std::vector<std::byte>& m, uint16_t id);
  void CloseSet(std::vector<std::byte>& m);
  uint32_t Uptime(int64_t ms) const;

  EncoderOptions options_;
  bool templates_due_ = true;
  int64_t templates_sent_ms_ = 0;
  uint32_t messages_since_templates_ = 0;
  uint32_t sequence_ = 0;          // v5 and IPFIX: records sent; v9: messages sent
  size_t set_start_ = 0;           // offset of the open set's header; 0: none open
  uint32_t template_records_ = 0;  // template and options records in the open message
  uint64_t messages_ = 0;
  uint64_t records_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace weir
