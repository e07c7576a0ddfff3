#include "wire/exporter.h"

#include "base/bytes.h"
#include "wire/template/template.h"

namespace weir {

Exporter::Exporter(IpAddress address, WireLimits limits)
    : address_(address), limits_(limits), templates_(std::make_unique<TemplateState>()) {}
Exporter::~Exporter() = default;
Exporter::Exporter(Exporter&&) noexcept = default;
Exporter& Exporter::operator=(Exporter&&) noexcept = default;

size_t Exporter::template_count() const { return templates_->templates.size(); }
size_t Exporter::pending_sets() const { return templates_->pending.size(); }

void Exporter::Decode(std::span<const std::byte> datagram, int64_t now_ms,
                      std::vector<FlowRecord>& out) {
  ++counters_.datagrams;
  counters_.bytes += datagram.size();
  ByteReader r(datagram);
  uint16_t version = r.U16Be();
  uint16_t low = r.U16Be();
  if (!r.ok()) {
    ++counters_.malformed;
    return;
  }
  if (version == 5) {
    last_version_ = 5;
    DecodeNetflowV5(datagram, now_ms, out);
  } else if (version == 9) {
    last_version_ = 9;
    DecodeNetflowV9(datagram, now_ms, out);
  } else if (version == 10) {
    last_version_ = 10;
    DecodeIpfix(datagram, now_ms, out);
  } else if (version == 0 && low == 5) {  // sFlow's version is a 32-bit 5
    last_version_ = 50;
    DecodeSflow(datagram, now_ms, out);
  } else {
    ++counters_.unsupported;
  }
  if (!templates_->pending.empty()) Expire(now_ms);
}

void Exporter::Expire(int64_t now_ms) {
  auto& pending = templates_->pending;
  while (!pending.empty() && (now_ms - pending.front().arrived_ms > limits_.pending_ms ||
                              pending.size() > limits_.max_pending_sets ||
                              templates_->pending_bytes > limits_.max_pending_bytes)) {
    templates_->pending_bytes -= pending.front().data.size();
    pending.pop_front();
    ++counters_.no_template;
  }
}

uint64_t Exporter::SequenceGap(uint64_t key, uint32_t seen, uint32_t advance) {
  auto [it, inserted] = next_sequence_.try_emplace(key, 0);
  uint32_t expected = it->second;
  it->second = seen + advance;
  if (inserted) return 0;
  uint32_t gap = seen - expected;
  // Far ahead or behind: a restart or reordering, not loss.
  if (gap >= (1u << 24)) return 0;
  return gap;
}

int64_t Exporter::DecodeSets(const MessageContext& context, std::span<const std::byte> sets,
                             int64_t now_ms, std::vector<FlowRecord>& out) {
  TemplateState& state = *templates_;
  const bool ipfix = context.version == 10;
  const uint16_t template_set = ipfix ? 2 : 0;
  const uint16_t options_set = ipfix ? 3 : 1;
  size_t data_records = 0;
  bool unknown = false;
  ByteReader r(sets);
  std::vector<uint16_t> added;
  while (r.remaining() >= 4) {
    uint16_t set_id = r.U16Be();
    uint16_t length = r.U16Be();
    if (length < 4 || length - 4u > r.remaining()) {
      ++counters_.malformed;  // a set running past its message (RFC 7011 section 10.3.2)
      break;
    }
    auto body = r.Bytes(length - 4u);
    if (set_id == template_set || set_id == options_set) {
      added.clear();
      if (!ReadTemplateSet(state, counters_, limits_, context, set_id == options_set, body, added))
        ++counters_.malformed;
      // Data sets that came before these templates can now be read, in arrival order.
      for (uint16_t id : added) {
        uint64_t key = TemplateState::Key(context, id);
        auto found = state.templates.find(key);
        if (found == state.templates.end()) continue;  // withdrawn later in the same set
        const Template& t = found->second;
        for (auto it = state.pending.begin(); it != state.pending.end();) {
          if (it->key != key) {
            ++it;
            continue;
          }
          size_t ignored = 0;
          if (!DecodeDataSet(state, counters_, interface_names_, limits_, address_, it->context, t,
                             it->data, out, ignored))
            ++counters_.malformed;
          ++counters_.held;
          state.pending_bytes -= it->data.size();
          it = state.pending.erase(it);
        }
      }
    } else if (set_id >= 256) {
      uint64_t key = TemplateState::Key(context, set_id);
      auto it = state.templates.find(key);
      if (it == state.templates.end()) {
        unknown = true;
        if (limits_.max_pending_sets == 0) {
          ++counters_.no_template;
        } else {
          state.pending.push_back({key, now_ms, context, {body.begin(), body.end()}});
          state.pending_bytes += body.size();
          Expire(now_ms);
        }
        continue;
      }
      if (!DecodeDataSet(state, counters_, interface_names_, limits_, address_, context, it->second,
                         body, out, data_records))
        ++counters_.malformed;
    }
    // Set ids 4-255 (IPFIX) and 2-255 (v9) are reserved: skipped by their length.
  }
  return unknown ? -1 : static_cast<int64_t>(data_records);
}

}  // namespace weir
