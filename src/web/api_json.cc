#include "web/api_json.h"

#include <simdjson.h>

#include "base/strings.h"
#include "base/time.h"
#include "query/partition.h"
#include "record/fields.h"
#include "record/text.h"

namespace weir::web {

namespace {

// Writes one JSON object member by member, closing it when it goes out of scope:
// Object(out).Str("name", n).Num("id", 1) appends {"name":"n","id":1}.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  ~Object() { out_ += '}'; }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  Object& Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
    return *this;
  }
  Object& Num(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  Object& Bool(std::string_view key, bool value) {
    Key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  // value is JSON text already.
  Object& Raw(std::string_view key, std::string_view value) {
    Key(key);
    out_ += value;
    return *this;
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendJsonString(out_, key);
    out_ += ':';
  }
  std::string& out_;
  bool first_ = true;
};

template <typename T, typename F>
std::string List(const std::vector<T>& items, F each) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    each(out, items[i]);
  }
  return out + "]";
}

std::string_view DocumentMember(DocumentKind kind) {
  return kind == DocumentKind::kQuery ? "query" : "layout";
}

}  // namespace

struct JsonBody::Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
};

JsonBody::JsonBody(std::string_view text) : parsed_(std::make_unique<Parsed>()) {
  simdjson::dom::element doc;
  if (parsed_->parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
    error_ = "the request body is not valid JSON";
  else if (doc.get_object().get(parsed_->object) != simdjson::SUCCESS)
    error_ = "the request body must be a JSON object";
}

JsonBody::~JsonBody() = default;

bool JsonBody::Has(std::string_view key) const {
  simdjson::dom::element e;
  return ok() && parsed_->object[key].get(e) == simdjson::SUCCESS && !e.is_null();
}

std::string JsonBody::String(std::string_view key, std::string fallback) const {
  std::string_view v;
  if (!ok() || parsed_->object[key].get_string().get(v) != simdjson::SUCCESS) return fallback;
  return std::string(v);
}

std::optional<uint64_t> JsonBody::Uint(std::string_view key, uint64_t max) const {
  if (!ok()) return std::nullopt;
  simdjson::dom::element e;
  if (parsed_->object[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  uint64_t v = 0;
  std::string_view text;
  if (e.get_uint64().get(v) == simdjson::SUCCESS) return v <= max ? std::optional(v) : std::nullopt;
  if (e.get_string().get(text) == simdjson::SUCCESS) return ParseUint(text, max);
  return std::nullopt;
}

bool JsonBody::Bool(std::string_view key) const {
  bool v = false;
  if (!ok() || parsed_->object[key].get_bool().get(v) != simdjson::SUCCESS) return false;
  return v;
}

std::string JsonBody::Raw(std::string_view key) const {
  simdjson::dom::element e;
  if (!ok() || parsed_->object[key].get(e) != simdjson::SUCCESS || !e.is_object()) return "";
  return simdjson::minify(e);
}

std::string SessionJson(const Principal& who) {
  std::string out;
  Object(out).Str("user", who.user.name).Str("role", RoleName(who.user.role)).Str("csrf", who.csrf);
  return out;
}

std::string UsersJson(const std::vector<User>& users) {
  return List(users, [](std::string& out, const User& u) {
    Object(out).Str("name", u.name).Str("role", RoleName(u.role)).Num("created", u.created_ms);
  });
}

std::string TokensJson(const std::vector<ApiToken>& tokens) {
  return List(tokens, [](std::string& out, const ApiToken& t) {
    Object(out)
        .Num("id", t.id)
        .Str("name", t.name)
        .Str("user", t.user)
        .Num("created", t.created_ms)
        .Num("last_used", t.last_used_ms)
        .Num("expires", t.expires_ms);
  });
}

std::string AuditJson(const std::vector<AuditEntry>& entries) {
  return List(entries, [](std::string& out, const AuditEntry& e) {
    Object(out)
        .Num("id", e.id)
        .Num("time", e.time_ms)
        .Str("actor", e.actor)
        .Str("address", e.address)
        .Str("action", e.action)
        .Str("detail", e.detail);
  });
}

std::string DocumentJson(DocumentKind kind, const Document& d) {
  std::string out;
  Object(out)
      .Num("id", d.id)
      .Str("owner", d.owner_id ? d.owner : "")
      .Str("name", d.name)
      .Bool("shared", d.shared)
      .Num("updated", d.updated_ms)
      .Raw(DocumentMember(kind), d.body.empty() ? "{}" : d.body);  // stored as validated JSON
  return out;
}

std::string DocumentsJson(DocumentKind kind, const std::vector<Document>& docs) {
  return List(docs, [kind](std::string& out, const Document& d) { out += DocumentJson(kind, d); });
}

std::string RunningJson(const std::vector<RunningQueryInfo>& queries) {
  return List(queries, [](std::string& out, const RunningQueryInfo& q) {
    Object(out)
        .Str("id", q.id)
        .Str("user", q.user)
        .Str("view", q.view)
        .Str("filter", q.filter)
        .Num("started", q.started_ms);
  });
}

std::string SiteJson(const SiteConfig& site, const QueryLimits& limits) {
  auto type_names = [&](const std::vector<uint8_t>& ids) {
    std::vector<std::string> names;
    for (uint8_t id : ids) {
      const FlowtypeInfo* f = site.Flowtype(id);
      names.push_back(f ? f->type_name : "");
    }
    return List(names, [](std::string& o, const std::string& n) { AppendJsonString(o, n); });
  };
  auto classes = List(site.classes(), [&](std::string& o, const ClassInfo& c) {
    std::vector<std::string> sensors;
    for (uint16_t id : c.sensors) sensors.emplace_back(site.SensorName(id));
    Object(o)
        .Str("name", c.name)
        .Raw("types", type_names(c.flowtypes))
        .Raw("default_types", type_names(c.default_flowtypes))
        .Raw("sensors",
             List(sensors, [](std::string& x, const std::string& n) { AppendJsonString(x, n); }));
  });
  auto sensors = List(site.sensors(), [](std::string& o, const SensorInfo& s) {
    Object(o).Num("id", s.id).Str("name", s.name).Str("description", s.description);
  });
  std::vector<FieldInfo> all(AllFields().begin(), AllFields().end());
  auto fields = List(all, [](std::string& o, const FieldInfo& f) {
    Object(o).Str("name", f.name).Str("title", f.title).Str("description", f.description);
  });
  auto defaults = List(DefaultCutFields(),
                       [](std::string& o, FieldId id) { AppendJsonString(o, GetField(id).name); });
  auto switches = List(PartitionSwitches(), [](std::string& o, const PartitionSwitch& s) {
    Object(o).Str("name", s.name).Str("help", s.help);
  });
  std::string limit_text;
  Object(limit_text)
      .Num("timeout_ms", limits.timeout_ms)
      .Num("memory_bytes", static_cast<int64_t>(limits.memory_bytes))
      .Num("max_rows", static_cast<int64_t>(limits.max_rows));
  std::string out;
  Object(out)
      .Raw("classes", classes)
      .Str("default_class", site.default_class())
      .Raw("sensors", sensors)
      .Raw("fields", fields)
      .Raw("default_fields", defaults)
      .Raw("switches", switches)
      .Raw("limits", limit_text);
  return out;
}

}  // namespace weir::web
