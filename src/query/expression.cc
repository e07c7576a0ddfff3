#include "query/expression.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "base/strings.h"
#include "base/time.h"
#include "query/partition.h"
#include "store/flow_batch.h"

namespace weir {

namespace {

using F = FieldId;
using Range = Predicate::Range;

struct Token {
  enum class Kind {
    kWord,
    kLeft,
    kRight,
    kOpenList,
    kCloseList,
    kComma,
    kCompare,
    kAnd,
    kOr,
    kNot,
    kEnd
  };
  Kind kind = Kind::kEnd;
  std::string text;  // words lower-cased only when compared; kept as written
  size_t offset = 0;
};

bool IsWordChar(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) &&
         std::string_view("()[],=<>!&|\"").find(c) == std::string_view::npos;
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  auto bad = [&](size_t at, const std::string& why) {
    return Status::Invalid("expression: at offset " + std::to_string(at) + ": " + why);
  };
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.offset = i;
    auto two = text.substr(i, 2);
    if (two == "&&") {
      t.kind = Token::Kind::kAnd, t.text = "&&", i += 2;
    } else if (two == "||") {
      t.kind = Token::Kind::kOr, t.text = "||", i += 2;
    } else if (two == "<=" || two == ">=" || two == "==" || two == "!=") {
      t.kind = Token::Kind::kCompare, t.text = std::string(two), i += 2;
    } else if (c == '<' || c == '>' || c == '=') {
      t.kind = Token::Kind::kCompare, t.text = std::string(1, c), ++i;
    } else if (c == '!') {
      t.kind = Token::Kind::kNot, t.text = "!", ++i;
    } else if (c == '(') {
      t.kind = Token::Kind::kLeft, t.text = "(", ++i;
    } else if (c == ')') {
      t.kind = Token::Kind::kRight, t.text = ")", ++i;
    } else if (c == '[') {
      t.kind = Token::Kind::kOpenList, t.text = "[", ++i;
    } else if (c == ']') {
      t.kind = Token::Kind::kCloseList, t.text = "]", ++i;
    } else if (c == ',') {
      t.kind = Token::Kind::kComma, t.text = ",", ++i;
    } else if (c == '"') {
      size_t end = text.find('"', i + 1);
      if (end == std::string_view::npos) return bad(i, "unterminated quoted string");
      t.kind = Token::Kind::kWord;
      t.text = std::string(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '&' || c == '|') {
      return bad(i, std::string("unexpected '") + c + "' (use && or ||)");
    } else {
      size_t start = i;
      while (i < text.size() && IsWordChar(text[i])) ++i;
      t.kind = Token::Kind::kWord;
      t.text = std::string(text.substr(start, i - start));
      std::string lower = ToLower(t.text);
      if (lower == "and") t.kind = Token::Kind::kAnd;
      if (lower == "or") t.kind = Token::Kind::kOr;
      if (lower == "not") t.kind = Token::Kind::kNot;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.offset = text.size();
  out.push_back(end);
  return out;
}

enum class Direction { kNone, kSource, kDestination };

std::optional<uint8_t> ProtocolNumber(std::string_view name) {
  struct P {
    std::string_view name;
    uint8_t number;
  };
  static constexpr P kProtocols[] = {{"icmp", 1},  {"igmp", 2},  {"ipip", 4},   {"tcp", 6},
                                     {"udp", 17},  {"ipv6", 41}, {"rsvp", 46},  {"gre", 47},
                                     {"esp", 50},  {"ah", 51},   {"icmp6", 58}, {"ipv6-icmp", 58},
                                     {"ospf", 89}, {"pim", 103}, {"vrrp", 112}, {"sctp", 132}};
  for (auto p : kProtocols)
    if (EqualsIgnoreCase(name, p.name)) return p.number;
  if (auto v = ParseUint(name, 255)) return static_cast<uint8_t>(*v);
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const FlowtypeNames* names)
      : tokens_(std::move(tokens)), names_(names) {}

  Result<Predicate> Parse() {
    auto p = ParseOr();
    if (!p.ok()) return p;
    if (Peek().kind != Token::Kind::kEnd) return Error("expected 'and', 'or' or the end");
    return p;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& t = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool PeekWord(std::string_view word, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == Token::Kind::kWord && EqualsIgnoreCase(t.text, word);
  }
  bool TakeWord(std::string_view word) {
    if (!PeekWord(word)) return false;
    Take();
    return true;
  }
  Status Error(const std::string& why) const {
    const Token& t = Peek();
    std::string where = t.kind == Token::Kind::kEnd ? "at the end" : "at '" + t.text + "'";
    return Status::Invalid("expression: " + where + " (offset " + std::to_string(t.offset) +
                           "): " + why);
  }

  Result<Predicate> ParseOr() {
    std::vector<Predicate> terms;
    while (true) {
      auto p = ParseAnd();
      if (!p.ok()) return p;
      terms.push_back(std::move(*p));
      if (Peek().kind != Token::Kind::kOr) break;
      Take();
    }
    return Predicate::Or(std::move(terms));
  }

  Result<Predicate> ParseAnd() {
    std::vector<Predicate> terms;
    while (true) {
      auto p = ParseUnary();
      if (!p.ok()) return p;
      terms.push_back(std::move(*p));
      if (Peek().kind != Token::Kind::kAnd) break;
      Take();
    }
    return Predicate::And(std::move(terms));
  }

  Result<Predicate> ParseUnary() {
    if (++depth_ > 200) return Error("expression nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (Peek().kind == Token::Kind::kNot) {
      Take();
      auto p = ParseUnary();
      if (!p.ok()) return p;
      return Predicate::Not(std::move(*p));
    }
    if (Peek().kind == Token::Kind::kLeft) {
      Take();
      auto p = ParseOr();
      if (!p.ok()) return p;
      if (Peek().kind != Token::Kind::kRight) return Error("expected ')'");
      Take();
      return p;
    }
    return ParsePrimitive();
  }

  // --- values ---

  Result<uint64_t> Number(std::string_view text, uint64_t max) const {
    uint64_t scale = 1;
    std::string_view digits = text;
    if (!digits.empty()) {
      switch (digits.back()) {
        case 'k':
        case 'K':
          scale = 1000;
          break;
        case 'm':
        case 'M':
          scale = 1000'000;
          break;
        case 'g':
        case 'G':
          scale = 1000'000'000;
          break;
        case 't':
        case 'T':
          scale = 1000'000'000'000;
          break;
        default:
          break;
      }
      if (scale != 1) digits.remove_suffix(1);
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || value < 0 ||
        std::floor(value * scale) != value * scale ||
        value * static_cast<double>(scale) > static_cast<double>(max))
      return Error("expected a whole number from 0 to " + std::to_string(max) + ", got '" +
                   std::string(text) + "'");
    if (scale == 1 && digits.find_first_of(".eE") == std::string_view::npos) {
      auto exact = ParseUint(digits, max);  // keep full 64-bit precision
      if (exact) return *exact;
    }
    return static_cast<uint64_t>(std::llround(value * static_cast<double>(scale)));
  }

  // Seconds with an optional unit suffix, to milliseconds.
  Result<uint64_t> Duration(std::string_view text) const {
    double factor = 1000;
    std::string_view digits = text;
    auto strip = [&](std::string_view suffix, double f) {
      if (digits.size() > suffix.size() && digits.ends_with(suffix)) {
        digits.remove_suffix(suffix.size());
        factor = f;
        return true;
      }
      return false;
    };
    if (!strip("ms", 1) && !strip("s", 1000) && !strip("m", 60'000)) strip("h", 3'600'000);
    double value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || value < 0 ||
        value * factor > 4294967295.0)
      return Error("expected a duration (seconds, or with ms, s, m, h), got '" + std::string(text) +
                   "'");
    return static_cast<uint64_t>(std::llround(value * factor));
  }

  // The value of a field as written: numbers, durations, times, names.
  Result<Range> Value(F field, std::string_view text) const {
    const FieldInfo& info = GetField(field);
    switch (info.type) {
      case FieldType::kTime: {
        auto t = ParseTime(text);
        if (!t.ok())
          return Error("expected a time (YYYY/MM/DD[:HH[:MM[:SS]]] or ISO), got '" +
                       std::string(text) + "'");
        auto r = ParseTimeRange(text);
        if (!r.ok()) return r.status();
        return *r;  // a whole hour for "2026/11/27:13"
      }
      case FieldType::kDuration: {
        auto d = Duration(text);
        if (!d.ok()) return d.status();
        return Range{*d, *d};
      }
      case FieldType::kSensor: {
        if (auto v = ParseUint(text, 0xffff)) return Range{*v, *v};
        if (names_)
          if (auto id = names_->FindSensor(text)) return Range{*id, *id};
        return Error("unknown sensor '" + std::string(text) + "'");
      }
      case FieldType::kTcpFlags:
      case FieldType::kAttributes: {
        if (auto v = ParseUint(text, 255)) return Range{*v, *v};
        auto bits = ParseFlagLetters(
            text, info.type == FieldType::kTcpFlags ? kTcpFlagLetters : kAttributeLetters);
        if (!bits.ok()) return bits.status().WithPrefix("expression");
        return Range{*bits, *bits};
      }
      case FieldType::kClassName:
      case FieldType::kTypeName:
      case FieldType::kFlowtype:
        if (auto v = ParseUint(text, 255)) return Range{*v, *v};
        return Error("use 'class NAME' or 'type NAME' for flowtypes");
      default: {
        if (field == F::kProtocol) {
          if (auto p = ProtocolNumber(text)) return Range{*p, *p};
          return Error("unknown protocol '" + std::string(text) + "'");
        }
        // "a-b" ranges inside lists.
        size_t dash = text.find('-', 1);
        if (dash != std::string_view::npos) {
          auto lo = Number(text.substr(0, dash), FieldMaxValue(field));
          if (!lo.ok()) return lo.status();
          auto hi = Number(text.substr(dash + 1), FieldMaxValue(field));
          if (!hi.ok()) return hi.status();
          if (*lo > *hi) return Error("range '" + std::string(text) + "' is backwards");
          return Range{*lo, *hi};
        }
        auto v = Number(text, FieldMaxValue(field));
        if (!v.ok()) return v.status();
        return Range{*v, *v};
      }
    }
  }

  Result<std::string> Word(const char* what) {
    if (Peek().kind != Token::Kind::kWord) return Error(std::string("expected ") + what);
    return Take().text;
  }

  // Reads "[ a, b c ]" (commas optional) after the '['.
  Result<std::vector<std::string>> List() {
    if (Peek().kind != Token::Kind::kOpenList) return Error("expected '['");
    Take();
    std::vector<std::string> items;
    while (Peek().kind != Token::Kind::kCloseList) {
      if (Peek().kind == Token::Kind::kComma) {
        Take();
        continue;
      }
      if (Peek().kind != Token::Kind::kWord) return Error("expected a list item or ']'");
      items.push_back(Take().text);
      if (items.size() > 1'000'000) return Error("list too long");
    }
    Take();
    if (items.empty()) return Error("empty list");
    return items;
  }

  // "cmp value", "in [list]" or a bare value (equality) for a numeric field.
  Result<Predicate> Compare(F field) {
    bool is_signed = GetField(field).type == FieldType::kTime;
    uint64_t min = is_signed ? static_cast<uint64_t>(std::numeric_limits<int64_t>::min()) : 0;
    uint64_t max = is_signed ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                             : FieldMaxValue(field);
    if (PeekWord("in")) {
      Take();
      auto items = List();
      if (!items.ok()) return items.status();
      std::vector<Range> ranges;
      for (const auto& item : *items) {
        auto r = Value(field, item);
        if (!r.ok()) return r.status();
        ranges.push_back(*r);
      }
      return Predicate::InRanges(field, std::move(ranges));
    }
    std::string op = "=";
    if (Peek().kind == Token::Kind::kCompare) op = Take().text;
    for (auto [word, symbol] :
         {std::pair{"eq", "="}, {"ne", "!="}, {"lt", "<"}, {"gt", ">"}, {"le", "<="}, {"ge", ">="}})
      if (TakeWord(word)) op = symbol;
    auto text = Word("a value");
    if (!text.ok()) return text.status();
    auto r = Value(field, *text);
    if (!r.ok()) return r.status();
    auto less = [&](uint64_t a, uint64_t b) {
      return is_signed ? static_cast<int64_t>(a) < static_cast<int64_t>(b) : a < b;
    };
    // A value with a span (a time given to the hour) compares by its whole span.
    if (op == "=" || op == "==") return Predicate::InRanges(field, {*r});
    if (op == "!=") return Predicate::Not(Predicate::InRanges(field, {*r}));
    if (op == "<")
      return less(min, r->low) ? Predicate::InRanges(field, {{min, r->low - 1}})
                               : Predicate::Nothing();
    if (op == "<=") return Predicate::InRanges(field, {{min, r->high}});
    if (op == ">")
      return less(r->high, max) ? Predicate::InRanges(field, {{r->high + 1, max}})
                                : Predicate::Nothing();
    return Predicate::InRanges(field, {{r->low, max}});  // >=
  }

  // An address, CIDR block or wildcard, or "in [ ... ]", for an IP field.
  Result<Predicate> Address(F field, F other) {
    auto make = [&](const std::function<Predicate(F)>& one) {
      return field == other ? one(field) : Predicate::Or({one(field), one(other)});
    };
    if (PeekWord("in")) {
      Take();
      auto items = List();
      if (!items.ok()) return items.status();
      auto set = std::make_shared<IpSet>();
      for (const auto& item : *items) {
        Status s = AddIpText(item, *set);
        if (!s.ok()) return s.WithPrefix("expression");
      }
      set->Finish();
      std::shared_ptr<const IpSet> shared = set;
      return make([&](F f) { return Predicate::InSet(f, shared); });
    }
    if (Peek().kind == Token::Kind::kCompare && (Peek().text == "=" || Peek().text == "==")) Take();
    auto text = Word("an IP address, CIDR block or wildcard");
    if (!text.ok()) return text.status();
    auto w = IpWildcard::Parse(*text);
    if (!w.ok()) return w.status().WithPrefix("expression");
    return make([&](F f) { return Predicate::MatchesWildcard(f, *w); });
  }

  Result<Predicate> Flowtypes(bool is_class) {
    auto name = Word(is_class ? "a class name" : "a type name");
    if (!name.ok()) return name.status();
    if (!names_) return Error("no site configuration to resolve '" + *name + "'");
    std::vector<Range> ids;
    for (int id = 0; id < 255; ++id) {
      auto ft = static_cast<uint8_t>(id);
      std::string_view n = is_class ? names_->ClassName(ft) : names_->TypeName(ft);
      if (!n.empty() && EqualsIgnoreCase(n, *name)) ids.push_back({ft, ft});
    }
    if (ids.empty())
      return Error(std::string("unknown ") + (is_class ? "class" : "type") + " '" + *name + "'");
    return Predicate::InRanges(F::kFlowtype, std::move(ids));
  }

  Result<Predicate> ParsePrimitive() {
    if (Peek().kind != Token::Kind::kWord) return Error("expected a condition");
    Direction dir = Direction::kNone;
    if (TakeWord("src"))
      dir = Direction::kSource;
    else if (TakeWord("dst"))
      dir = Direction::kDestination;
    auto pick = [&](F src, F dst) {
      return dir == Direction::kSource        ? std::pair{src, src}
             : dir == Direction::kDestination ? std::pair{dst, dst}
                                              : std::pair{src, dst};
    };
    auto either = [&](std::pair<F, F> fields,
                      const std::function<Result<Predicate>(F)>& one) -> Result<Predicate> {
      auto a = one(fields.first);
      if (!a.ok() || fields.first == fields.second) return a;
      pos_ = start_of_value_;  // parse the same value again for the other field
      auto b = one(fields.second);
      if (!b.ok()) return b;
      return Predicate::Or({std::move(*a), std::move(*b)});
    };
    if (TakeWord("ip") || TakeWord("host") || TakeWord("addr") || TakeWord("address")) {
      auto [a, b] = pick(F::kSip, F::kDip);
      return Address(a, b);
    }
    if (TakeWord("net")) {
      auto [a, b] = pick(F::kSip, F::kDip);
      return Address(a, b);
    }
    if (TakeWord("port")) {
      start_of_value_ = pos_;
      return either(pick(F::kSport, F::kDport), [&](F f) { return Compare(f); });
    }
    if (TakeWord("as")) {
      start_of_value_ = pos_;
      return either(pick(F::kSrcAs, F::kDstAs), [&](F f) { return Compare(f); });
    }
    if (TakeWord("mask")) {
      start_of_value_ = pos_;
      return either(pick(F::kSrcMask, F::kDstMask), [&](F f) { return Compare(f); });
    }
    if (dir != Direction::kNone) return Error("expected ip, net, port, as or mask after src/dst");

    if (TakeWord("any") || TakeWord("all")) return Predicate::All();
    if (TakeWord("proto") || TakeWord("protocol")) return Compare(F::kProtocol);
    for (std::string_view p : {"tcp", "udp", "icmp", "icmp6", "gre", "esp", "sctp"})
      if (TakeWord(p))
        return Predicate::InRanges(F::kProtocol, {{*ProtocolNumber(p), *ProtocolNumber(p)}});
    if (TakeWord("ipv4") || TakeWord("inet")) return Predicate::InRanges(F::kIpVersion, {{4, 4}});
    if (TakeWord("ipv6") || TakeWord("inet6")) return Predicate::InRanges(F::kIpVersion, {{6, 6}});
    if (PeekWord("in") && PeekWord("if", 1)) {
      pos_ += 2;
      return Compare(F::kInput);
    }
    if (PeekWord("out") && PeekWord("if", 1)) {
      pos_ += 2;
      return Compare(F::kOutput);
    }
    if (TakeWord("if")) {
      start_of_value_ = pos_;
      return either({F::kInput, F::kOutput}, [&](F f) { return Compare(f); });
    }
    if ((PeekWord("next") || PeekWord("nexthop"))) {
      Take();
      if (!TakeWord("ip")) TakeWord("hop");
      return Address(F::kNhip, F::kNhip);
    }
    if (TakeWord("router") || TakeWord("exporter")) {
      TakeWord("ip");
      return Address(F::kExporter, F::kExporter);
    }
    if (TakeWord("class")) return Flowtypes(true);
    if (TakeWord("type")) return Flowtypes(false);
    if (PeekWord("flags") || PeekWord("initial_flags") || PeekWord("session_flags") ||
        PeekWord("attributes")) {
      F field = *FindField(Take().text);
      std::string_view letters = field == F::kAttributes ? kAttributeLetters : kTcpFlagLetters;
      if (Peek().kind == Token::Kind::kCompare) return Compare(field);
      auto text = Word("flag letters");
      if (!text.ok()) return text.status();
      // "flags S" holds when S is set (nfdump); "flags S/SA" is SiLK's HIGH/MASK.
      auto tests = ParseFlagTests(*text, letters);
      if (!tests.ok()) return tests.status().WithPrefix("expression");
      return Predicate::FlagsMatch(field, *tests);
    }
    if (TakeWord("start")) return Compare(F::kStime);
    if (TakeWord("end")) return Compare(F::kEtime);
    if (TakeWord("icmp-type")) return Compare(F::kIcmpType);
    if (TakeWord("icmp-code")) return Compare(F::kIcmpCode);
    // Any field of the registry by name.
    auto field = FindField(Peek().text);
    if (field.ok() && !ParseUint(Peek().text)) {
      Take();
      const FieldInfo& info = GetField(*field);
      if (info.type == FieldType::kIp) return Address(*field, *field);
      if (info.type == FieldType::kClassName) return Flowtypes(true);
      if (info.type == FieldType::kTypeName) return Flowtypes(false);
      return Compare(*field);
    }
    return Error(
        "unknown condition (expected a field name such as 'proto', 'src ip', 'dport', 'bytes')");
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t start_of_value_ = 0;
  int depth_ = 0;
  const FlowtypeNames* names_;
};

}  // namespace

Result<Predicate> ParseExpression(std::string_view text, const FlowtypeNames* names) {
  if (text.size() > (1u << 20)) return Status::Invalid("expression: longer than 1 MiB");
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Status::Invalid("expression: empty");
  Parser parser(std::move(*tokens), names);
  return parser.Parse();
}

}  // namespace weir
