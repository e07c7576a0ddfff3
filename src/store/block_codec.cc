#include "store/block_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "base/bytes.h"

namespace weir {

namespace {

template <typename T>
uint64_t ToOrdered(T v) {
  if constexpr (std::is_signed_v<T>)
    return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  else
    return static_cast<uint64_t>(v);
}

template <typename T>
T FromOrdered(uint64_t v) {
  if constexpr (std::is_signed_v<T>)
    return static_cast<T>(v ^ (uint64_t{1} << 63));
  else
    return static_cast<T>(v);
}

inline uint64_t ZigZag(uint64_t delta) {
  int64_t d = static_cast<int64_t>(delta);
  return (static_cast<uint64_t>(d) << 1) ^ static_cast<uint64_t>(d >> 63);
}
inline uint64_t UnZigZag(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

inline uint8_t BytesFor(uint64_t max_value) {
  return static_cast<uint8_t>((64 - std::countl_zero(max_value) + 7) / 8);
}

// Cuts n values of `width` bytes into byte planes: plane p holds byte p of every value.
void ToPlanes(const uint64_t* values, size_t n, uint8_t width, std::byte* out) {
  for (uint8_t p = 0; p < width; ++p) {
    std::byte* plane = out + size_t{p} * n;
    for (size_t i = 0; i < n; ++i) plane[i] = static_cast<std::byte>(values[i] >> (8 * p));
  }
}

void FromPlanes(const std::byte* in, size_t n, uint8_t width, uint64_t* values) {
  std::fill(values, values + n, 0);
  for (uint8_t p = 0; p < width; ++p) {
    const uint8_t* plane = reinterpret_cast<const uint8_t*>(in) + size_t{p} * n;
    unsigned shift = 8u * p;
    for (size_t i = 0; i < n; ++i) values[i] |= uint64_t{plane[i]} << shift;
  }
}

}  // namespace

void BlockEncoder::Encode(const FlowBatch& batch, std::vector<std::byte>& out) {
  const size_t n = batch.size();
  BlockHeader header;
  header.record_count = static_cast<uint32_t>(n);
  payload_.clear();
  values_.resize(n);

  // Integer values (already in ordered form in values_) -> entry + payload bytes.
  auto emit_ints = [&](ColumnEntry& entry) {
    uint64_t min = UINT64_MAX, max = 0, max_zigzag = 0, prev = n ? values_[0] : 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t v = values_[i];
      min = std::min(min, v);
      max = std::max(max, v);
      max_zigzag = std::max(max_zigzag, ZigZag(v - prev));
      prev = v;
    }
    if (n == 0) min = 0;
    uint8_t for_width = BytesFor(max - min);
    uint8_t delta_width = BytesFor(max_zigzag);
    if (!entry.is_ip) {
      entry.min = min;
      entry.max = max;
    }
    if (delta_width < for_width) {
      entry.encoding = ColumnEncoding::kDelta;
      entry.width = delta_width;
      entry.base = n ? values_[0] : 0;
      uint64_t p = entry.base;
      for (size_t i = 0; i < n; ++i) {
        uint64_t v = values_[i];
        values_[i] = ZigZag(v - p);
        p = v;
      }
    } else {
      entry.encoding = ColumnEncoding::kFrameOfReference;
      entry.width = for_width;
      entry.base = min;
      for (size_t i = 0; i < n; ++i) values_[i] -= min;
    }
    raw_.resize(n * entry.width);
    ToPlanes(values_.data(), n, entry.width, raw_.data());
  };

  auto finish_column = [&](ColumnEntry& entry) {
    size_t before = payload_.size();
    entry.codec = raw_.empty() ? Compression::kNone : compressor_.Compress(codec_, raw_, payload_);
    entry.stored_size = static_cast<uint32_t>(payload_.size() - before);
    header.columns.push_back(entry);
  };

  auto encode_ip = [&](FieldId id, const std::vector<IpAddress>& column) {
    ColumnEntry entry;
    entry.field = id;
    entry.is_ip = true;
    bool all_v4 = true;
    IpAddress lo, hi;
    if (n) lo = hi = column[0];
    for (size_t i = 0; i < n; ++i) {
      const IpAddress& a = column[i];
      all_v4 = all_v4 && a.is_v4();
      if (a < lo) lo = a;
      if (hi < a) hi = a;
    }
    entry.ip_min = lo;
    entry.ip_max = hi;
    if (all_v4) {
      for (size_t i = 0; i < n; ++i) values_[i] = column[i].v4();
      emit_ints(entry);
    } else {
      entry.encoding = ColumnEncoding::kIpv6;
      entry.width = 16;
      raw_.resize(n * 16);
      for (size_t i = 0; i < n; ++i) {
        const auto& b = column[i].bytes();
        for (size_t p = 0; p < 16; ++p) raw_[p * n + i] = std::byte(b[p]);
      }
    }
    finish_column(entry);
  };

  auto encode = [&](FieldId id, const auto& column) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if constexpr (std::is_same_v<T, IpAddress>) {
      encode_ip(id, column);
    } else {
      ColumnEntry entry;
      entry.field = id;
      for (size_t i = 0; i < n; ++i) values_[i] = ToOrdered<T>(column[i]);
      emit_ints(entry);
      finish_column(entry);
    }
  };
#define WEIR_ENCODE_COLUMN(id, member, type) encode(FieldId::id, batch.member);
  WEIR_STORED_COLUMNS(WEIR_ENCODE_COLUMN)
#undef WEIR_ENCODE_COLUMN

  header.payload_size = static_cast<uint32_t>(payload_.size());
  header.payload_checksum = Checksum(payload_);
  SerializeBlockHeader(header, out);
  out.insert(out.end(), payload_.begin(), payload_.end());
}

Status BlockDecoder::Decode(const BlockHeader& header, std::span<const std::byte> payload,
                            ColumnSet columns, FlowBatch& batch) {
  static const FlowRecord kDefaults;
  const size_t n = header.record_count;
  batch.Clear();
  ColumnSet present;
  size_t offset = 0;
  std::vector<const ColumnEntry*> entries(kMaxFieldId + 1, nullptr);
  std::vector<size_t> offsets(kMaxFieldId + 1, 0);
  for (const auto& c : header.columns) {
    size_t id = static_cast<size_t>(c.field);
    if (id <= static_cast<size_t>(kMaxFieldId)) {
      entries[id] = &c;
      offsets[id] = offset;
    }
    offset += c.stored_size;
  }

  auto load_raw = [&](const ColumnEntry& c, size_t at, size_t raw_size) -> Status {
    raw_.resize(raw_size);
    return decompressor_.Decompress(c.codec, payload.subspan(at, c.stored_size), raw_.data(),
                                    raw_size);
  };
  auto load_ints = [&](const ColumnEntry& c, size_t at) -> Status {
    if (c.width > 8 || (c.encoding != ColumnEncoding::kFrameOfReference &&
                        c.encoding != ColumnEncoding::kDelta))
      return Status::Corruption("column " + std::string(GetField(c.field).name) +
                                " has an invalid encoding");
    WEIR_RETURN_IF_ERROR(load_raw(c, at, n * c.width));
    values_.resize(n);
    FromPlanes(raw_.data(), n, c.width, values_.data());
    if (c.encoding == ColumnEncoding::kFrameOfReference) {
      for (size_t i = 0; i < n; ++i) values_[i] += c.base;
    } else {
      uint64_t p = c.base;
      for (size_t i = 0; i < n; ++i) values_[i] = p += UnZigZag(values_[i]);
    }
    return Status::Ok();
  };

  auto decode = [&](FieldId id, auto& column, const auto& default_value) -> Status {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (!columns.Has(id)) return Status::Ok();
    const ColumnEntry* c = entries[static_cast<size_t>(id)];
    size_t at = offsets[static_cast<size_t>(id)];
    column.resize(n);
    present.Add(id);
    if (!c) {
      // A column this file does not have keeps its default value.
      std::fill(column.begin(), column.end(), default_value);
      return Status::Ok();
    }
    if constexpr (std::is_same_v<T, IpAddress>) {
      if (c->encoding == ColumnEncoding::kIpv6) {
        if (c->width != 16) return Status::Corruption("IPv6 column has an invalid width");
        WEIR_RETURN_IF_ERROR(load_raw(*c, at, n * 16));
        std::array<uint8_t, 16> b;
        for (size_t i = 0; i < n; ++i) {
          for (size_t p = 0; p < 16; ++p) b[p] = static_cast<uint8_t>(raw_[p * n + i]);
          column[i] = IpAddress::V6(b);
        }
        return Status::Ok();
      }
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for (size_t i = 0; i < n; ++i) column[i] = IpAddress::V4(static_cast<uint32_t>(values_[i]));
    } else {
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for (size_t i = 0; i < n; ++i) column[i] = FromOrdered<T>(values_[i]);
    }
    return Status::Ok();
  };
#define WEIR_DECODE_COLUMN(id, member, type)                                    \
  if (Status s = decode(FieldId::id, batch.member, kDefaults.member); !s.ok())                    \
    return s.WithPrefix("column " + std::string(GetField(FieldId::id).name));
  WEIR_STORED_COLUMNS(WEIR_DECODE_COLUMN)
#undef WEIR_DECODE_COLUMN
  batch.SetDecoded(n, present);
  return Status::Ok();
}

}  // namespace weir
