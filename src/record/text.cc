#include "record/text.h"

#include <cstdio>
#include <cstring>

#include "base/decimal.h"
#include "base/strings.h"
#include "record/json_writer.h"

namespace weir {

namespace {

constexpr char kFlagLetters[] = "FSRPAUEC";
constexpr char kAttributeLetters[] = "TCFS";

void AppendUnsigned(std::string& out, uint64_t v) {
  char buf[24];
  out.append(buf, static_cast<size_t>(PutDecimal(buf, v) - buf));
}

void AppendIp(std::string& out, const IpAddress& a, IpFormat format) {
  switch (format) {
    case IpFormat::kCanonical:
      a.AppendTo(out);
      return;
    case IpFormat::kForceIpv6: {
      if (!a.is_v4()) return a.AppendTo(out);
      out += "::ffff:";
      a.AppendTo(out);
      return;
    }
    case IpFormat::kZeroPadded: {
      char buf[48];
      if (a.is_v4()) {
        uint32_t v = a.v4();
        int n = std::snprintf(buf, sizeof buf, "%03u.%03u.%03u.%03u", v >> 24, v >> 16 & 255,
                              v >> 8 & 255, v & 255);
        out.append(buf, static_cast<size_t>(n));
      } else {
        const auto& b = a.bytes();
        for (int i = 0; i < 16; i += 2) {
          std::snprintf(buf, sizeof buf, "%02x%02x", b[i], b[i + 1]);
          out += buf;
          if (i != 14) out += ':';
        }
      }
      return;
    }
    case IpFormat::kDecimal: {
      if (a.is_v4()) return AppendUnsigned(out, a.v4());
      // 128-bit decimal by long division on two halves.
      unsigned __int128 v = (static_cast<unsigned __int128>(a.high64()) << 64) | a.low64();
      char buf[48];
      int i = 47;
      buf[i] = '\0';
      do {
        buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
      } while (v != 0);
      out += &buf[i];
      return;
    }
    case IpFormat::kHexadecimal: {
      char buf[40];
      if (a.is_v4()) {
        int n = std::snprintf(buf, sizeof buf, "%x", a.v4());
        out.append(buf, static_cast<size_t>(n));
      } else {
        int n = std::snprintf(buf, sizeof buf, "%llx%016llx",
                              static_cast<unsigned long long>(a.high64()),
                              static_cast<unsigned long long>(a.low64()));
        // Strip leading zeros but keep one digit.
        std::string_view s(buf, static_cast<size_t>(n));
        size_t z = s.find_first_not_of('0');
        out += z == std::string_view::npos ? "0" : s.substr(z);
      }
      return;
    }
  }
}

void AppendDuration(std::string& out, uint32_t ms) {
  AppendUnsigned(out, ms / 1000);
  char frac[4] = {'.', static_cast<char>('0' + ms % 1000 / 100),
                  static_cast<char>('0' + ms % 100 / 10), static_cast<char>('0' + ms % 10)};
  out.append(frac, 4);
}

void AppendAttributes(std::string& out, uint8_t attributes, bool padded) {
  for (int bit = 0; bit < 4; ++bit) {
    if (attributes & (1 << bit))
      out += kAttributeLetters[bit];
    else if (padded)
      out += ' ';
  }
}

bool IsNumericType(FieldType t) {
  return t == FieldType::kUnsigned || t == FieldType::kDuration || t == FieldType::kDecimal;
}

}  // namespace

Result<IpFormat> ParseIpFormat(std::string_view text) {
  if (text == "canonical") return IpFormat::kCanonical;
  if (text == "zero-padded") return IpFormat::kZeroPadded;
  if (text == "decimal") return IpFormat::kDecimal;
  if (text == "hexadecimal") return IpFormat::kHexadecimal;
  if (text == "force-ipv6") return IpFormat::kForceIpv6;
  return Status::Invalid("invalid --ip-format '" + std::string(text) +
                         "' (canonical, zero-padded, decimal, hexadecimal, force-ipv6)");
}

Result<TimeFormat> ParseTimeFormat(std::string_view text) {
  if (text == "default" || text == "silk") return TimeFormat::kSilk;
  if (text == "iso" || text == "rfc3339") return TimeFormat::kIso;
  if (text == "epoch") return TimeFormat::kEpoch;
  if (text == "epoch-ms") return TimeFormat::kEpochMillis;
  return Status::Invalid("invalid --timestamp-format '" + std::string(text) +
                         "' (default, iso, epoch, epoch-ms)");
}

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "text") return OutputFormat::kText;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "json") return OutputFormat::kJson;
  return Status::Invalid("invalid --output-format '" + std::string(text) + "' (text, csv, json)");
}

void AppendIpAddress(std::string& out, const IpAddress& a, IpFormat format) {
  AppendIp(out, a, format);
}

void AppendTcpFlags(std::string& out, uint8_t flags, bool padded) {
  // Without branches, as TCP flags vary from record to record.
  char text[8];
  size_t n = 0;
  for (int bit = 0; bit < 8; ++bit) {
    const bool set = (flags >> bit & 1) != 0;
    text[n] = set ? kFlagLetters[bit] : ' ';
    n += set || padded;
  }
  out.append(text, n);
}

Result<uint8_t> ParseTcpFlags(std::string_view text) {
  text = Trim(text);
  if (auto v = ParseUint(text, 255)) return static_cast<uint8_t>(*v);
  uint8_t flags = 0;
  for (char c : text) {
    if (c == ' ') continue;
    char u = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    const char* p = std::char_traits<char>::find(kFlagLetters, 8, u);
    if (!p)
      return Status::Invalid("invalid TCP flags '" + std::string(text) + "' (letters FSRPAUEC)");
    flags |= static_cast<uint8_t>(1 << (p - kFlagLetters));
  }
  return flags;
}

void AppendFieldValue(std::string& out, const FlowRecord& r, FieldId id, const FormatOptions& o) {
  AppendFieldValue(out, r, GetField(id), o);
}

void AppendFieldValue(std::string& out, const FlowRecord& r, const FieldInfo& info,
                      const FormatOptions& o) {
  const FieldId id = info.id;
  switch (info.type) {
    case FieldType::kIp:
      AppendIp(out, GetIp(r, id), o.ip_format);
      return;
    case FieldType::kTime:
      AppendTime(out, id == FieldId::kStime ? r.stime_ms : r.etime_ms(), o.time_format);
      return;
    case FieldType::kDuration:
      AppendDuration(out, r.duration_ms);
      return;
    case FieldType::kTcpFlags: {
      uint8_t f = static_cast<uint8_t>(GetUnsigned(r, id));
      if (o.integer_tcp_flags)
        AppendUnsigned(out, f);
      else
        AppendTcpFlags(out, f, o.padded_flags);
      return;
    }
    case FieldType::kAttributes:
      AppendAttributes(out, r.attributes, o.padded_flags);
      return;
    case FieldType::kSensor: {
      std::string_view name = o.names && !o.integer_sensors ? o.names->SensorName(r.sensor) : "";
      if (!name.empty())
        out += name;
      else if (r.sensor != kUnknownSensor)
        AppendUnsigned(out, r.sensor);
      return;
    }
    case FieldType::kClassName:
    case FieldType::kTypeName: {
      std::string_view name;
      if (o.names)
        name = info.type == FieldType::kClassName ? o.names->ClassName(r.flowtype)
                                                  : o.names->TypeName(r.flowtype);
      if (!name.empty())
        out += name;
      else if (r.flowtype != kUnknownFlowtype)
        AppendUnsigned(out, r.flowtype);
      return;
    }
    case FieldType::kFlowtype: {
      if (o.names && !o.names->ClassName(r.flowtype).empty()) {
        out += o.names->ClassName(r.flowtype);
        out += '/';
        out += o.names->TypeName(r.flowtype);
      } else if (r.flowtype != kUnknownFlowtype) {
        AppendUnsigned(out, r.flowtype);
      }
      return;
    }
    case FieldType::kDecimal: {
      if (r.packets == 0) {
        out += '0';
        return;
      }
      // Two decimals, rounded half up, in integer arithmetic.
      unsigned __int128 hundredths =
          (static_cast<unsigned __int128>(r.bytes) * 200 + r.packets) / (2 * r.packets);
      AppendUnsigned(out, static_cast<uint64_t>(hundredths / 100));
      unsigned frac = static_cast<unsigned>(hundredths % 100);
      char digits[3] = {'.', static_cast<char>('0' + frac / 10),
                        static_cast<char>('0' + frac % 10)};
      out.append(digits, 3);
      return;
    }
    case FieldType::kUnsigned:
      // ICMP type/code are empty for non-ICMP flows, as in SiLK.
      if ((id == FieldId::kIcmpType || id == FieldId::kIcmpCode || id == FieldId::kIcmpTypeCode) &&
          !r.is_icmp())
        return;
      AppendUnsigned(out, GetUnsigned(r, id));
      return;
  }
}

Status RecordParser::Parse(FieldId id, std::string_view text, FlowRecord& r) {
  text = Trim(text);
  const FieldInfo& info = GetField(id);
  auto bad = [&](std::string_view why) {
    return Status::Invalid("invalid " + std::string(info.name) + " '" + std::string(text) + "'" +
                           (why.empty() ? "" : " (" + std::string(why) + ")"));
  };
  auto number = [&](uint64_t max) -> Result<uint64_t> {
    auto v = ParseUint(text, max);
    if (!v) return bad("a number 0-" + std::to_string(max));
    return *v;
  };
  switch (id) {
    case FieldId::kSip:
    case FieldId::kDip:
    case FieldId::kNhip:
    case FieldId::kExporter: {
      auto a = IpAddress::Parse(text);
      if (!a) return bad("an IPv4 or IPv6 address");
      (id == FieldId::kSip    ? r.sip
       : id == FieldId::kDip  ? r.dip
       : id == FieldId::kNhip ? r.nhip
                              : r.exporter) = *a;
      return Status::Ok();
    }
    case FieldId::kStime:
    case FieldId::kEtime: {
      auto t = ParseTime(text);
      if (!t.ok()) return t.status();
      if (id == FieldId::kStime) {
        r.stime_ms = t->ms;
      } else {
        have_etime_ = true;
        etime_ms_ = t->ms;
      }
      return Status::Ok();
    }
    case FieldId::kDuration: {
      // Seconds with up to three decimals.
      size_t dot = text.find('.');
      auto whole = ParseUint(text.substr(0, dot), UINT32_MAX / 1000);
      if (!whole) return bad("seconds");
      uint64_t ms = *whole * 1000;
      if (dot != std::string_view::npos) {
        std::string_view frac = text.substr(dot + 1);
        uint64_t scale = 100;
        for (char c : frac) {
          if (c < '0' || c > '9') return bad("seconds");
          ms += static_cast<uint64_t>(c - '0') * scale;
          scale /= 10;
        }
      }
      r.duration_ms = static_cast<uint32_t>(ms);
      return Status::Ok();
    }
    case FieldId::kFlags:
    case FieldId::kInitialFlags:
    case FieldId::kSessionFlags: {
      auto f = ParseTcpFlags(text);
      if (!f.ok()) return f.status();
      (id == FieldId::kFlags          ? r.flags
       : id == FieldId::kInitialFlags ? r.initial_flags
                                      : r.session_flags) = *f;
      return Status::Ok();
    }
    case FieldId::kAttributes: {
      if (auto v = ParseUint(text, 255)) {
        r.attributes = static_cast<uint8_t>(*v);
        return Status::Ok();
      }
      uint8_t a = 0;
      for (char c : text) {
        if (c == ' ') continue;
        const char* p = std::char_traits<char>::find(kAttributeLetters, 4, c);
        if (!p) return bad("letters TCFS");
        a |= static_cast<uint8_t>(1 << (p - kAttributeLetters));
      }
      r.attributes = a;
      return Status::Ok();
    }
    case FieldId::kSensor: {
      if (auto v = ParseUint(text, 65535)) {
        r.sensor = static_cast<uint16_t>(*v);
        return Status::Ok();
      }
      auto s = names_ ? names_->FindSensor(text) : std::nullopt;
      if (!s) return bad("no such sensor");
      r.sensor = *s;
      return Status::Ok();
    }
    case FieldId::kClass:
      class_name_ = std::string(text);
      return Status::Ok();
    case FieldId::kType:
      type_name_ = std::string(text);
      return Status::Ok();
    case FieldId::kFlowtype: {
      if (auto v = ParseUint(text, 255)) {
        r.flowtype = static_cast<uint8_t>(*v);
        return Status::Ok();
      }
      size_t slash = text.find('/');
      if (slash == std::string_view::npos) return bad("CLASS/TYPE or a number");
      class_name_ = std::string(text.substr(0, slash));
      type_name_ = std::string(text.substr(slash + 1));
      return Status::Ok();
    }
    case FieldId::kIcmpType:
    case FieldId::kIcmpCode: {
      if (text.empty()) return Status::Ok();
      auto v = number(255);
      if (!v.ok()) return v.status();
      r.dport = id == FieldId::kIcmpType ? static_cast<uint16_t>((*v << 8) | (r.dport & 0xff))
                                         : static_cast<uint16_t>((r.dport & 0xff00) | *v);
      return Status::Ok();
    }
    case FieldId::kIcmpTypeCode: {
      if (text.empty()) return Status::Ok();
      auto v = number(65535);
      if (!v.ok()) return v.status();
      r.dport = static_cast<uint16_t>(*v);
      return Status::Ok();
    }
    case FieldId::kBytesPerPacket:
    case FieldId::kIpVersion:
      return Status::Ok();  // derived; nothing to store
    default:
      break;
  }
  // Plain unsigned fields.
  struct Target {
    FieldId id;
    uint64_t max;
  };
  auto v = number(id == FieldId::kPackets || id == FieldId::kBytes ? UINT64_MAX
                  : id == FieldId::kSport || id == FieldId::kDport || id == FieldId::kApplication ||
                          id == FieldId::kVlan
                      ? 65535
                  : id == FieldId::kProtocol || id == FieldId::kTos || id == FieldId::kSrcMask ||
                          id == FieldId::kDstMask
                      ? 255
                      : UINT32_MAX);
  if (!v.ok()) return v.status();
  switch (id) {
    case FieldId::kSport:
      r.sport = static_cast<uint16_t>(*v);
      break;
    case FieldId::kDport:
      r.dport = static_cast<uint16_t>(*v);
      break;
    case FieldId::kProtocol:
      r.protocol = static_cast<uint8_t>(*v);
      break;
    case FieldId::kPackets:
      r.packets = *v;
      break;
    case FieldId::kBytes:
      r.bytes = *v;
      break;
    case FieldId::kInput:
      r.input = static_cast<uint32_t>(*v);
      break;
    case FieldId::kOutput:
      r.output = static_cast<uint32_t>(*v);
      break;
    case FieldId::kApplication:
      r.application = static_cast<uint16_t>(*v);
      break;
    case FieldId::kTos:
      r.tos = static_cast<uint8_t>(*v);
      break;
    case FieldId::kVlan:
      r.vlan = static_cast<uint16_t>(*v);
      break;
    case FieldId::kSrcAs:
      r.src_as = static_cast<uint32_t>(*v);
      break;
    case FieldId::kDstAs:
      r.dst_as = static_cast<uint32_t>(*v);
      break;
    case FieldId::kSrcMask:
      r.src_mask = static_cast<uint8_t>(*v);
      break;
    case FieldId::kDstMask:
      r.dst_mask = static_cast<uint8_t>(*v);
      break;
    case FieldId::kSampling:
      r.sampling = static_cast<uint32_t>(*v);
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status RecordParser::Finish(FlowRecord& r) {
  if (have_etime_) {
    if (etime_ms_ < r.stime_ms || etime_ms_ - r.stime_ms > UINT32_MAX)
      return Status::Invalid("etime is before stime or too far after it");
    r.duration_ms = static_cast<uint32_t>(etime_ms_ - r.stime_ms);
  }
  if (!class_name_.empty() || !type_name_.empty()) {
    auto ft = names_ ? names_->FindFlowtype(class_name_, type_name_) : std::nullopt;
    if (!ft) return Status::Invalid("unknown class/type '" + class_name_ + "/" + type_name_ + "'");
    r.flowtype = *ft;
  }
  class_name_.clear();
  type_name_.clear();
  have_etime_ = false;
  return Status::Ok();
}

RecordPrinter::RecordPrinter(std::vector<FieldId> fields, Options options)
    : fields_(std::move(fields)), options_(options), values_(options.value) {
  // Flags keep fixed positions only in padded text columns, as in rwcut.
  if (options_.format != OutputFormat::kText || !options_.columns) values_.padded_flags = false;
  for (FieldId id : fields_) infos_.push_back(&GetField(id));
  layout_ = TableLayout(LayoutColumns(), options_);
  if (options_.format == OutputFormat::kJson)
    json_ = std::make_shared<JsonRecordWriter>(
        JsonOptions{.schema = JsonSchema::kFields, .fields = fields_, .value = values_});
}

std::vector<TableLayout::Column> RecordPrinter::LayoutColumns() const {
  std::vector<TableLayout::Column> columns;
  for (const FieldInfo* info : infos_) {
    int w = info->width;
    const FlowtypeNames* n = options_.value.names;
    if (n && !options_.value.integer_sensors && info->type == FieldType::kSensor)
      w = std::max<int>(w, static_cast<int>(n->MaxSensorNameLength()));
    if (n && info->type == FieldType::kClassName)
      w = std::max<int>(w, static_cast<int>(n->MaxClassNameLength()));
    if (n && info->type == FieldType::kTypeName)
      w = std::max<int>(w, static_cast<int>(n->MaxTypeNameLength()));
    if (n && info->type == FieldType::kFlowtype)
      w = std::max<int>(w, static_cast<int>(n->MaxClassNameLength() + 1 + n->MaxTypeNameLength()));
    if (info->type == FieldType::kIp && options_.value.ip_format == IpFormat::kDecimal) w = 39;
    columns.push_back(
        {std::string(info->title), std::string(info->name), w, IsNumericType(info->type)});
  }
  return columns;
}

namespace {

// Whether text holds a character that makes a CSV cell need quotes; one pass
// without branches, which the compiler vectorises.
bool NeedsCsvQuotes(std::string_view text) {
  bool any = false;
  for (char c : text) any |= (c == ',') | (c == '"') | (c == '\n');
  return any;
}

}  // namespace

void TableLayout::AppendCell(std::string& out, std::string_view cell, size_t column) const {
  const Column& c = columns_[column];
  switch (options_.format) {
    case OutputFormat::kText: {
      if (options_.columns) {
        int pad = c.width - static_cast<int>(cell.size());
        if (pad > 0) out.append(static_cast<size_t>(pad), ' ');
      }
      out += cell;
      if (column + 1 < columns_.size() || options_.final_delimiter) out += options_.separator;
      return;
    }
    case OutputFormat::kCsv: {
      if (column > 0) out += ',';
      if (NeedsCsvQuotes(cell)) {
        out += '"';
        for (char ch : cell) {
          if (ch == '"') out += '"';
          out += ch;
        }
        out += '"';
      } else {
        out += cell;
      }
      return;
    }
    case OutputFormat::kJson: {
      out += column == 0 ? "{" : ",";
      AppendJsonString(out, c.name);
      out += ':';
      if (c.numeric && !cell.empty())
        out += cell;
      else if (c.numeric)
        out += "null";
      else
        AppendJsonString(out, cell);
      return;
    }
  }
}

void TableLayout::EndRow(std::string& out) const {
  if (options_.format == OutputFormat::kJson && !columns_.empty()) out += '}';
  out += '\n';
}

void TableLayout::AppendRow(std::string& out, std::string_view cells,
                            std::span<const uint32_t> ends) const {
  if (options_.format == OutputFormat::kCsv && !NeedsCsvQuotes(cells)) {
    // No cell needs quotes (the usual case: only names could): the cells joined by
    // commas, in one append.
    if (line_.size() < cells.size() + ends.size() + 1)
      line_.resize((cells.size() + ends.size()) * 2);
    char* p = line_.data();
    uint32_t begin = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      if (i > 0) *p++ = ',';
      std::memcpy(p, cells.data() + begin, ends[i] - begin);
      p += ends[i] - begin;
      begin = ends[i];
    }
    *p++ = '\n';
    out.append(line_.data(), static_cast<size_t>(p - line_.data()));
    return;
  }
  if (options_.format != OutputFormat::kText) {
    uint32_t begin = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      AppendCell(out, cells.substr(begin, ends[i] - begin), i);
      begin = ends[i];
    }
    return EndRow(out);
  }
  // Text, built in line_ and appended once. Short cells and pads are written as
  // fixed 32-byte copies (line_ has the slack), which costs less than sized ones.
  constexpr size_t kShort = 32;
  size_t most = cells.size() + ends.size() + 1 + kShort;
  if (options_.columns)
    for (const Column& c : columns_) most += static_cast<size_t>(std::max(c.width, 0));
  if (line_.size() < most) line_.resize(most * 2);
  static constexpr char kSpaces[kShort + 1] = "                                ";
  char* const line = line_.data();
  char* p = line;
  size_t begin = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    const size_t length = ends[i] - begin;
    if (options_.columns && columns_[i].width > static_cast<int>(length)) {
      const size_t pad = static_cast<size_t>(columns_[i].width) - length;
      if (pad <= kShort)
        std::memcpy(p, kSpaces, kShort);
      else
        std::memset(p, ' ', pad);
      p += pad;
    }
    if (length <= kShort && begin + kShort <= cells.size())
      std::memcpy(p, cells.data() + begin, kShort);
    else
      std::memcpy(p, cells.data() + begin, length);
    p += length;
    if (i + 1 < ends.size() || options_.final_delimiter) *p++ = options_.separator;
    begin = ends[i];
  }
  *p++ = '\n';
  out.append(line, static_cast<size_t>(p - line));
}

void TableLayout::AppendHeader(std::string& out) const {
  if (!options_.titles || options_.format == OutputFormat::kJson || columns_.empty()) return;
  for (size_t i = 0; i < columns_.size(); ++i) {
    std::string_view title =
        options_.format == OutputFormat::kCsv ? columns_[i].name : columns_[i].title;
    if (options_.format == OutputFormat::kText && options_.columns &&
        static_cast<int>(title.size()) > columns_[i].width)
      title = title.substr(0, static_cast<size_t>(columns_[i].width));
    AppendCell(out, title, i);
  }
  out += '\n';
}

void RecordPrinter::AppendHeader(std::string& out) const {
  if (!fields_.empty()) layout_.AppendHeader(out);
}

void RecordPrinter::AppendRecord(std::string& out, const FlowRecord& r) const {
  if (fields_.empty()) return;
  if (json_) return json_->Append(out, r);
  // The cells one after another, then the row laid out in one go; the slack
  // after them lets the layout copy short cells in fixed sizes.
  cell_.clear();
  ends_.clear();
  for (size_t i = 0; i < fields_.size(); ++i) {
    const FieldInfo& info = *infos_[i];
    if (info.type == FieldType::kTime)
      AppendTimeCached(cell_, info.id == FieldId::kStime ? r.stime_ms : r.etime_ms());
    else
      AppendFieldValue(cell_, r, info, values_);
    ends_.push_back(static_cast<uint32_t>(cell_.size()));
  }
  cell_.append(32, ' ');
  layout_.AppendRow(out, cell_, ends_);
}

void RecordPrinter::AppendTimeCached(std::string& out, int64_t ms) const {
  const TimeFormat format = values_.time_format;
  if (format != TimeFormat::kSilk && format != TimeFormat::kIso) return AppendTime(out, ms, format);
  const int64_t second = FloorTo(ms, 1000) / 1000;
  if (second != cached_second_) {
    cached_time_.clear();
    AppendTime(cached_time_, second * 1000, format);
    cached_time_.resize(19);  // through the seconds
    cached_second_ = second;
  }
  const auto frac = static_cast<unsigned>(ms - second * 1000);
  char tail[5] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                  static_cast<char>('0' + frac % 10), 'Z'};
  out += cached_time_;
  out.append(tail, format == TimeFormat::kIso ? 5 : 4);
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendJsonKey(std::string& out, std::string_view key) {
  if (!out.empty() && out.back() != '{' && out.back() != '[') out += ',';
  AppendJsonString(out, key);
  out += ':';
}

}  // namespace weir
