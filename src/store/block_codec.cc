#include "store/block_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "base/bytes.h"
#include "store/column_planes.h"

namespace weir {

// Two plain loops the compiler vectorises; built for AVX-512 and AVX2 too, the
// best picked at load (64-bit unsigned minimum and maximum come with AVX-512).
[[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]] IntRange ScanInts(
    const uint64_t* values, size_t n) {
  if (n == 0) return {};
  uint64_t min = UINT64_MAX, max = 0, max_zigzag = 0;
  for (size_t i = 0; i < n; ++i) {
    min = std::min(min, values[i]);
    max = std::max(max, values[i]);
  }
  for (size_t i = 1; i < n; ++i)
    max_zigzag = std::max(max_zigzag, ZigZag(values[i] - values[i - 1]));
  return {min, max, max_zigzag};
}

void BlockEncoder::Encode(const FlowBatch& batch, std::vector<std::byte>& out) {
  const size_t n = batch.size();
  BlockHeader header;
  header.flags = column_checksums_ ? kBlockColumnChecksums : 0;
  header.record_count = static_cast<uint32_t>(n);
  payload_.clear();
  values_.resize(n);

  // Integer values (already in ordered form in values_) -> entry + payload bytes.
  auto emit_ints = [&](ColumnEntry& entry) {
    const auto [min, max, max_zigzag] = ScanInts(values_.data(), n);
    uint8_t for_width = BytesFor(max - min);
    uint8_t delta_width = BytesFor(max_zigzag);
    if (!entry.is_ip) {
      entry.min = min;
      entry.max = max;
    }
    // Not for the flags residual: a dictionary's values count from the entry's min,
    // which the flags column sets to the flags' own zone map.
    if (!entry.is_ip && entry.field != FieldId::kFlags &&
        ((for_width >= 2 && delta_width >= for_width && EncodeIntDictionary(n, min)) ||
         (for_width == 1 && EncodeSmallDictionary(n, min)))) {
      entry.encoding = ColumnEncoding::kDictionary;
      entry.width = static_cast<uint8_t>(raw_[5]);  // the index width, for information
      entry.base = raw_.size();
      return;
    }
    // A local count and pointer: stores through values_ could change a size_t
    // seen by reference (n), which the loops would otherwise reload every value.
    const size_t count = n;
    uint64_t* v = values_.data();
    if (delta_width < for_width) {
      entry.encoding = ColumnEncoding::kDelta;
      entry.width = delta_width;
      entry.base = count ? v[0] : 0;
      // Back to front, in place: each value still has its predecessor to subtract.
      for (size_t i = count; i-- > 1;) v[i] = ZigZag(v[i] - v[i - 1]);
      if (count) v[0] = 0;
    } else {
      entry.encoding = ColumnEncoding::kFrameOfReference;
      entry.width = for_width;
      entry.base = min;
      for (size_t i = 0; i < count; ++i) v[i] -= min;
    }
    raw_.resize(n * entry.width);
    ToPlanes(values_.data(), n, entry.width, raw_.data());
  };

  auto finish_column = [&](ColumnEntry& entry) {
    size_t before = payload_.size();
    entry.codec = raw_.empty() ? Compression::kNone : compressor_.Compress(codec_, raw_, payload_);
    entry.stored_size = static_cast<uint32_t>(payload_.size() - before);
    entry.checksum = Checksum(std::span(payload_).subspan(before));
    header.columns.push_back(entry);
  };

  auto encode_ip = [&](FieldId id, const Column<IpAddress>& column, int slot) {
    ColumnEntry entry;
    entry.field = id;
    entry.is_ip = true;
    const bool tracked = skip_failing_dictionaries_ && slot >= 0;
    const auto k = static_cast<size_t>(slot);
    bool attempt = n > 0;
    if (attempt && tracked && dictionary_skips_[k] > 0) {
      --dictionary_skips_[k];
      attempt = false;
    }
    const bool dictionary = attempt && EncodeIpDictionary(column, entry.ip_min, entry.ip_max);
    if (attempt && tracked) {
      uint8_t& misses = dictionary_misses_[k];
      misses = dictionary ? 0 : std::min<uint8_t>(misses + 1, 4);
      dictionary_skips_[k] = static_cast<uint8_t>((1u << misses) - 1);
    }
    if (dictionary) {
      entry.encoding = ColumnEncoding::kIpDictionary;
      entry.width = static_cast<uint8_t>(raw_[9]);  // the index width, for information
      entry.base = raw_.size();
    } else {
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
        const size_t count = n;  // local: see emit_ints
        uint64_t* v = values_.data();
        for (size_t i = 0; i < count; ++i) v[i] = column[i].v4();
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
    }
    finish_column(entry);
  };

  auto encode = [&](FieldId id, const auto& column) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if constexpr (std::is_same_v<T, IpAddress>) {
      encode_ip(id, column, FlowBatch::DictionarySlot(id));
    } else {
      ColumnEntry entry;
      entry.field = id;
      const size_t count = n;  // local: see emit_ints
      uint64_t* v = values_.data();
      const T* from = column.data();
      for (size_t i = 0; i < count; ++i) v[i] = ToOrdered<T>(from[i]);
      if (id == FieldId::kFlags) {
        // All-packet flags are nearly always initial | session: store the difference.
        uint64_t lo = UINT64_MAX, hi = 0;
        const uint8_t* initial = batch.initial_flags.data();
        const uint8_t* session = batch.session_flags.data();
        for (size_t i = 0; i < count; ++i) {
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
          v[i] ^= initial[i] | session[i];
        }
        emit_ints(entry);
        entry.encoding =
            static_cast<ColumnEncoding>(static_cast<uint8_t>(entry.encoding) | kFlagsResidual);
        entry.min = n ? lo : 0;  // the zone map describes the flags themselves
        entry.max = hi;
      } else {
        emit_ints(entry);
      }
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

void EncodeSelectedBlock(const BlockHeader& header, std::span<const std::byte> payload,
                         std::span<const uint32_t> rows, std::vector<std::byte>& out) {
  BlockHeader h = header;
  std::vector<std::byte> bitmap((h.record_count + 7) / 8, std::byte{0});
  for (uint32_t r : rows) bitmap[r / 8] |= std::byte(1u << (r % 8));
  ColumnEntry sel;
  sel.field = static_cast<FieldId>(kSelectionColumn);
  sel.encoding = ColumnEncoding::kFrameOfReference;
  sel.codec = Compression::kNone;
  sel.width = 0;
  sel.stored_size = static_cast<uint32_t>(bitmap.size());
  sel.base = rows.size();
  sel.checksum = Checksum(bitmap);
  h.columns.push_back(sel);
  h.flags |= kBlockSelection;
  h.payload_size += sel.stored_size;
  std::vector<std::byte> whole(payload.begin(), payload.end());
  whole.insert(whole.end(), bitmap.begin(), bitmap.end());
  h.payload_checksum = Checksum(whole);
  SerializeBlockHeader(h, out);
  out.insert(out.end(), whole.begin(), whole.end());
}

namespace {

// Keeps the rows of column named by keep (ascending), in place.
template <typename Vector>
void KeepRows(Vector& column, std::span<const uint32_t> keep) {
  for (size_t k = 0; k < keep.size(); ++k) column[k] = column[keep[k]];
  column.resize(keep.size());
}

}  // namespace

Status BlockDecoder::Decode(const BlockHeader& header, std::span<const std::byte> payload,
                            ColumnSet columns, FlowBatch& batch) {
  batch.DropDictionaries();
  ColumnSet present;
  WEIR_RETURN_IF_ERROR(DecodeColumns(header, payload, columns, nullptr, false, batch, present));
  size_t size = header.record_count;
  if (header.flags & kBlockSelection) {
    WEIR_RETURN_IF_ERROR(KeepSelected(header, payload, present, batch));
    size = keep_.size();
  }
  batch.SetDecoded(size, present);
  return Status::Ok();
}

Status BlockDecoder::DecodeRows(const BlockHeader& header, std::span<const std::byte> payload,
                                ColumnSet columns, std::span<const uint32_t> rows,
                                FlowBatch& batch) {
  ColumnSet present = batch.columns();
  if (present.Covers(columns)) return Status::Ok();
  if (header.flags & kBlockSelection) {
    // The rows count the selected rows, not the stored ones: decode every row, then
    // keep the selected ones, as Decode does.
    ColumnSet added;
    WEIR_RETURN_IF_ERROR(
        DecodeColumns(header, payload, columns.Without(present), nullptr, false, batch, added));
    WEIR_RETURN_IF_ERROR(KeepSelected(header, payload, added, batch));
    batch.SetDecoded(batch.size(), present.With(added));
    return Status::Ok();
  }
  // For most rows, the sequential loops of a whole decode are faster.
  const std::span<const uint32_t>* only = rows.size() * 2 > batch.size() ? nullptr : &rows;
  WEIR_RETURN_IF_ERROR(DecodeColumns(header, payload, columns, only, false, batch, present));
  batch.SetDecoded(batch.size(), present);
  return Status::Ok();
}

Status BlockDecoder::DecodeCompact(const BlockHeader& header, std::span<const std::byte> payload,
                                   ColumnSet columns, std::span<const uint32_t> rows,
                                   FlowBatch& batch) {
  const ColumnSet had = batch.columns();
  if ((header.flags & kBlockSelection) || rows.size() * 2 > batch.size()) {
    // Every row of the missing columns (as DecodeRows), then the rows asked for.
    WEIR_RETURN_IF_ERROR(DecodeRows(header, payload, columns, rows, batch));
    const ColumnSet all = batch.columns();
    KeepRowsOf(all, rows, batch);
    batch.SetDecoded(rows.size(), all);
    return Status::Ok();
  }
  // The rows asked for of the columns the batch has, then the rest straight into
  // their places.
  KeepRowsOf(had, rows, batch);
  ColumnSet present = had;
  WEIR_RETURN_IF_ERROR(DecodeColumns(header, payload, columns, &rows, true, batch, present));
  batch.SetDecoded(rows.size(), present);
  return Status::Ok();
}

void BlockDecoder::KeepRowsOf(ColumnSet columns, std::span<const uint32_t> keep, FlowBatch& batch) {
  for (FieldId id : {FieldId::kSip, FieldId::kDip, FieldId::kNhip, FieldId::kExporter})
    if (columns.Has(id) && batch.Dictionary(id)) KeepRows(batch.SetDictionary(id).index, keep);
#define WEIR_KEEP_COLUMN(id, member, type) \
  if (columns.Has(FieldId::id)) KeepRows(batch.member, keep);
  WEIR_STORED_COLUMNS(WEIR_KEEP_COLUMN)
#undef WEIR_KEEP_COLUMN
}

Status BlockDecoder::DecodeColumns(const BlockHeader& header, std::span<const std::byte> payload,
                                   ColumnSet columns, const std::span<const uint32_t>* rows,
                                   bool compact, FlowBatch& batch, ColumnSet& present) {
  static const FlowRecord kDefaults;
  const size_t n = header.record_count;
  compact = compact && rows;
  // The rows the columns get: n, or with compact only those asked for.
  const size_t size = compact ? rows->size() : n;
  // Calls f(i, to) for every row to fill, i being the stored row and to where its
  // value goes: all n rows, or the rows asked for (at their own index, or compact
  // one after the other).
  auto for_rows = [&](auto&& f) {
    if (rows && compact)
      for (size_t k = 0; k < rows->size(); ++k) f((*rows)[k], k);
    else if (rows)
      for (uint32_t i : *rows) f(i, i);
    else
      for (size_t i = 0; i < n; ++i) f(i, i);
  };
  // Columns are resized, not cleared: a batch reused block after block keeps its
  // memory and is not zero-filled only to be overwritten.
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

  // Points `raw` at a column's bytes before compression: in the payload itself when
  // the column is stored uncompressed, else in raw_ after decompressing.
  const std::byte* raw = nullptr;
  auto load_raw = [&](const ColumnEntry& c, size_t at, size_t raw_size) -> Status {
    if (c.codec == Compression::kNone) {
      if (c.stored_size != raw_size) return Status::Corruption("stored size mismatch");
      raw = payload.data() + at;
      return Status::Ok();
    }
    raw_.resize(raw_size);
    raw = raw_.data();
    return decompressor_.Decompress(c.codec, payload.subspan(at, c.stored_size), raw_.data(),
                                    raw_size);
  };
  bool residual = false;
  auto load_ints = [&](const ColumnEntry& entry, size_t at) -> Status {
    ColumnEntry c = entry;
    if (c.field == FieldId::kFlags && (static_cast<uint8_t>(c.encoding) & kFlagsResidual)) {
      residual = true;
      c.encoding = static_cast<ColumnEncoding>(static_cast<uint8_t>(c.encoding) & ~kFlagsResidual);
    }
    if (c.encoding == ColumnEncoding::kDictionary) {
      if (c.base > n * 12 + 8) return Status::Corruption("value dictionary is too large");
      WEIR_RETURN_IF_ERROR(load_raw(c, at, c.base));
      values_.resize(n);
      return DecodeValueDictionary<uint64_t>(raw, c.base, n, c.min, values_.data());
    }
    if (c.width > 8 ||
        (c.encoding != ColumnEncoding::kFrameOfReference && c.encoding != ColumnEncoding::kDelta))
      return Status::Corruption("column " + std::string(GetField(c.field).name) +
                                " has an invalid encoding");
    WEIR_RETURN_IF_ERROR(load_raw(c, at, n * c.width));
    values_.resize(n);
    uint64_t* out = values_.data();
    const uint8_t* planes = reinterpret_cast<const uint8_t*>(raw);
    if (c.encoding == ColumnEncoding::kFrameOfReference) {
      const uint64_t base = c.base;
      ForEachPlaneValue(planes, n, c.width, [&](size_t i, uint64_t v) { out[i] = base + v; });
    } else {
      uint64_t p = c.base;
      ForEachPlaneValue(planes, n, c.width,
                        [&](size_t i, uint64_t v) { out[i] = p += UnZigZag(v); });
    }
    return Status::Ok();
  };

  auto decode = [&](FieldId id, auto& column, const auto& default_value) -> Status {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (!columns.Has(id) || present.Has(id)) return Status::Ok();
    residual = false;
    const ColumnEntry* c = entries[static_cast<size_t>(id)];
    size_t at = offsets[static_cast<size_t>(id)];
    column.resize(size);
    present.Add(id);
    // No row asked for (none passed the filter): the column's rows, if any, are
    // unspecified, so nothing is decompressed.
    if (rows && rows->empty()) return Status::Ok();
    if (!c) {
      // A column this file does not have keeps its default value.
      if (rows && !compact)
        for_rows([&](size_t, size_t to) { column[to] = default_value; });
      else
        std::fill(column.begin(), column.end(), default_value);
      return Status::Ok();
    }
    if constexpr (std::is_same_v<T, IpAddress>) {
      if (c->encoding == ColumnEncoding::kIpDictionary) {
        if (c->base > n * 40 + 12) return Status::Corruption("address dictionary is too large");
        WEIR_RETURN_IF_ERROR(load_raw(*c, at, c->base));
        const bool keep = !(compact && rows);
        return DecodeIpDictionary(raw, c->base, n, rows, compact, column,
                                  keep ? batch.SetDictionary(id) : unkept_);
      }
      if (c->encoding == ColumnEncoding::kIpv6) {
        if (c->width != 16) return Status::Corruption("IPv6 column has an invalid width");
        WEIR_RETURN_IF_ERROR(load_raw(*c, at, n * 16));
        std::array<uint8_t, 16> b;
        for_rows([&](size_t i, size_t to) {
          for (size_t p = 0; p < 16; ++p) b[p] = static_cast<uint8_t>(raw[p * n + i]);
          column[to] = IpAddress::V6(b);
        });
        return Status::Ok();
      }
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for_rows([&](size_t i, size_t to) {
        column[to] = IpAddress::V4(static_cast<uint32_t>(values_[i]));
      });
    } else if (const ColumnEncoding encoding =
                   static_cast<ColumnEncoding>(static_cast<uint8_t>(c->encoding) & ~kFlagsResidual);
               encoding == ColumnEncoding::kDictionary) {
      // Values straight into the column, without 64-bit staging.
      residual = c->field == FieldId::kFlags && encoding != c->encoding;
      if (c->base > n * 12 + 8) return Status::Corruption("value dictionary is too large");
      WEIR_RETURN_IF_ERROR(load_raw(*c, at, c->base));
      if (!compact) return DecodeValueDictionary(raw, c->base, n, c->min, column.data());
      // Every row (the dictionary's indexes are packed), then the ones asked for.
      column.resize(n);
      WEIR_RETURN_IF_ERROR(DecodeValueDictionary(raw, c->base, n, c->min, column.data()));
      KeepRows(column, *rows);
      return Status::Ok();
    } else if (c->encoding == ColumnEncoding::kFrameOfReference && c->width <= 8 &&
               !std::is_signed_v<T>) {
      // Frame of reference straight into the column, without 64-bit staging.
      WEIR_RETURN_IF_ERROR(load_raw(*c, at, n * c->width));
      const uint64_t base = c->base;
      T* out = column.data();
      const auto* planes = reinterpret_cast<const uint8_t*>(raw);
      if (rows)
        for_rows([&](size_t i, size_t to) {
          out[to] = static_cast<T>(base + PlaneValueAt(planes, n, c->width, i));
        });
      else
        ForEachPlaneValue(planes, n, c->width,
                          [&](size_t i, uint64_t v) { out[i] = static_cast<T>(base + v); });
    } else {
      WEIR_RETURN_IF_ERROR(load_ints(*c, at));
      for_rows([&](size_t i, size_t to) { column[to] = FromOrdered<T>(values_[i]); });
    }
    return Status::Ok();
  };
  // Flags stored as a residual need both TCP flag columns to be rebuilt.
  if (columns.Has(FieldId::kFlags) && !present.Has(FieldId::kFlags)) {
    columns.Add(FieldId::kInitialFlags);
    columns.Add(FieldId::kSessionFlags);
  }
  bool flags_residual = false;
#define WEIR_DECODE_COLUMN(id, member, type)                                     \
  if (Status s = decode(FieldId::id, batch.member, kDefaults.member); !s.ok()) { \
    batch.DropDictionaries();                                                    \
    return s.WithPrefix("column " + std::string(GetField(FieldId::id).name));    \
  }                                                                              \
  if (FieldId::id == FieldId::kFlags) flags_residual = residual;
  WEIR_STORED_COLUMNS(WEIR_DECODE_COLUMN)
#undef WEIR_DECODE_COLUMN
  if (flags_residual && present.Has(FieldId::kFlags)) {
    if (!present.Has(FieldId::kInitialFlags) || !present.Has(FieldId::kSessionFlags))
      return Status::Corruption("flags are stored relative to columns the block lacks");
    for_rows([&](size_t, size_t to) {
      batch.flags[to] ^= batch.initial_flags[to] | batch.session_flags[to];
    });
  }
  return Status::Ok();
}

Status BlockDecoder::KeepSelected(const BlockHeader& header, std::span<const std::byte> payload,
                                  ColumnSet columns, FlowBatch& batch) {
  const size_t n = header.record_count;
  size_t at = 0;
  const ColumnEntry* sel = nullptr;
  for (const auto& c : header.columns) {
    if (static_cast<uint8_t>(c.field) == kSelectionColumn) {
      sel = &c;
      break;
    }
    at += c.stored_size;
  }
  if (!sel || sel->codec != Compression::kNone || sel->stored_size != (n + 7) / 8)
    return Status::Corruption("block selection is malformed");
  const auto* bits = reinterpret_cast<const uint8_t*>(payload.data() + at);
  keep_.clear();
  for (uint32_t i = 0; i < n; ++i)
    if (bits[i / 8] >> (i % 8) & 1) keep_.push_back(i);
  if (keep_.size() != sel->base) return Status::Corruption("block selection count mismatch");
  KeepRowsOf(columns, keep_, batch);
  return Status::Ok();
}

}  // namespace weir
