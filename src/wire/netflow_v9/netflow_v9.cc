// NetFlow v9 (RFC 3954): a 20-byte header, then template, options template and
// data flowsets. Templates are scoped by (exporter address, source id); times are
// sysUpTime-relative and converted with the header's uptime and Unix seconds.
#include "base/bytes.h"
#include "wire/exporter.h"
#include "wire/template/template.h"

namespace weir {

void Exporter::DecodeNetflowV9(std::span<const std::byte> data, int64_t now_ms,
                               std::vector<FlowRecord>& out) {
  ByteReader r(data);
  r.Skip(4);  // version, count (the count is unreliable across exporters; sets are read by length)
  uint32_t uptime = r.U32Be();
  uint32_t unix_seconds = r.U32Be();
  uint32_t sequence = r.U32Be();
  uint32_t source_id = r.U32Be();
  if (!r.ok()) {
    ++counters_.malformed;
    return;
  }
  MessageContext context;
  context.version = 9;
  context.domain = source_id;
  context.export_ms = int64_t{unix_seconds} * 1000;
  context.uptime_ms = uptime;
  // The v9 sequence counts export packets (RFC 3954 section 5.1).
  counters_.lost_datagrams += SequenceGap(uint64_t{9} << 32 | source_id, sequence, 1);
  DecodeSets(context, data.subspan(20), now_ms, out);
}

}  // namespace weir
