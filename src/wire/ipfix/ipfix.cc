// IPFIX (RFC 7011): a 16-byte message header, then template, options template and
// data sets. Templates are scoped by (exporter address, observation domain); the
// sequence number counts data records, so gaps are records lost.
#include "base/bytes.h"
#include "wire/exporter.h"
#include "wire/template/template.h"

namespace weir {

void Exporter::DecodeIpfix(std::span<const std::byte> data, int64_t now_ms,
                           std::vector<FlowRecord>& out) {
  ByteReader r(data);
  r.Skip(2);
  uint16_t length = r.U16Be();
  uint32_t export_seconds = r.U32Be();
  uint32_t sequence = r.U32Be();
  uint32_t domain = r.U32Be();
  if (!r.ok() || length < 16 || length > data.size()) {
    ++counters_.malformed;
    return;
  }
  MessageContext context;
  context.version = 10;
  context.domain = domain;
  context.export_ms = int64_t{export_seconds} * 1000;
  int64_t records = DecodeSets(context, data.subspan(16, length - 16u), now_ms, out);
  const uint64_t stream = uint64_t{10} << 32 | domain;
  if (records < 0) {
    // Records we could not count yet: restart the expectation at the next message.
    SequenceGap(stream, sequence, 0);
    next_sequence_.erase(stream);
  } else {
    counters_.lost_records += SequenceGap(stream, sequence, static_cast<uint32_t>(records));
  }
}

}  // namespace weir
