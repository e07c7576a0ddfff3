#include "web/api_json.h"

#include <simdjson.h>

#include "base/time.h"
#include "query/partition.h"
#include "record/fields.h"
#include "record/text.h"

namespace weir::web {

namespace {

void Key(std::string& out, std::string_view key) {
  AppendJsonString(out, key);
  out += ':';
}

void Str(std::string& out, std::string_view key, std::string_view value) {
  Key(out, key);
  AppendJsonString(out, value);
}

void Num(std::string& out, std::string_view key, int64_t value) {
  Key(out, key);
  out += std::to_string(value);
}

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
  std::string out = "{";
  Str(out, "user", who.user.name);
  out += ',';
  Str(out, "role", RoleName(who.user.role));
  out += ',';
  Str(out, "csrf", who.csrf);
  return out + "}";
}

std::string UsersJson(const std::vector<User>& users) {
  return List(users, [](std::string& out, const User& u) {
    out += '{';
    Str(out, "name", u.name);
    out += ',';
    Str(out, "role", RoleName(u.role));
    out += ',';
    Num(out, "created", u.created_ms);
    out += '}';
  });
}

std::string TokensJson(const std::vector<ApiToken>& tokens) {
  return List(tokens, [](std::string& out, const ApiToken& t) {
    out += '{';
    Num(out, "id", t.id);
    out += ',';
    Str(out, "name", t.name);
    out += ',';
    Num(out, "created", t.created_ms);
    out += ',';
    Num(out, "last_used", t.last_used_ms);
    out += '}';
  });
}

std::string DocumentJson(DocumentKind kind, const Document& d) {
  std::string out = "{";
  Num(out, "id", d.id);
  out += ',';
  Str(out, "owner", d.owner);
  out += ',';
  Str(out, "name", d.name);
  out += d.shared ? ",\"shared\":true," : ",\"shared\":false,";
  Num(out, "updated", d.updated_ms);
  out += ',';
  Key(out, DocumentMember(kind));
  out += d.body.empty() ? "{}" : d.body;  // stored as validated JSON
  return out + "}";
}

std::string DocumentsJson(DocumentKind kind, const std::vector<Document>& docs) {
  return List(docs, [kind](std::string& out, const Document& d) { out += DocumentJson(kind, d); });
}

std::string RunningJson(const std::vector<RunningQueryInfo>& queries) {
  return List(queries, [](std::string& out, const RunningQueryInfo& q) {
    out += '{';
    Str(out, "id", q.id);
    out += ',';
    Str(out, "user", q.user);
    out += ',';
    Str(out, "view", q.view);
    out += ',';
    Str(out, "filter", q.filter);
    out += ',';
    Num(out, "started", q.started_ms);
    out += '}';
  });
}

std::string SiteJson(const SiteConfig& site, const QueryLimits& limits) {
  std::string out = "{\"classes\":";
  out += List(site.classes(), [&](std::string& o, const ClassInfo& c) {
    o += '{';
    Str(o, "name", c.name);
    auto types = [&](const std::vector<uint8_t>& ids) {
      std::string t = "[";
      for (size_t i = 0; i < ids.size(); ++i) {
        if (i) t += ',';
        const FlowtypeInfo* f = site.Flowtype(ids[i]);
        AppendJsonString(t, f ? std::string_view(f->type_name) : "");
      }
      return t + "]";
    };
    o += ",\"types\":" + types(c.flowtypes);
    o += ",\"default_types\":" + types(c.default_flowtypes);
    o += ",\"sensors\":[";
    for (size_t i = 0; i < c.sensors.size(); ++i) {
      if (i) o += ',';
      AppendJsonString(o, site.SensorName(c.sensors[i]));
    }
    o += "]}";
  });
  out += ",\"default_class\":";
  AppendJsonString(out, site.default_class());
  out += ",\"sensors\":";
  out += List(site.sensors(), [](std::string& o, const SensorInfo& s) {
    o += '{';
    Num(o, "id", s.id);
    o += ',';
    Str(o, "name", s.name);
    o += ',';
    Str(o, "description", s.description);
    o += '}';
  });
  out += ",\"fields\":[";
  bool first = true;
  for (const auto& f : AllFields()) {
    if (!first) out += ',';
    first = false;
    out += '{';
    Str(out, "name", f.name);
    out += ',';
    Str(out, "title", f.title);
    out += ',';
    Str(out, "description", f.description);
    out += '}';
  }
  out += "],\"default_fields\":[";
  auto defaults = DefaultCutFields();
  for (size_t i = 0; i < defaults.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, GetField(defaults[i]).name);
  }
  out += "],\"switches\":[";
  first = true;
  for (const auto& s : PartitionSwitches()) {
    if (!first) out += ',';
    first = false;
    out += '{';
    Str(out, "name", s.name);
    out += ',';
    Str(out, "help", s.help);
    out += '}';
  }
  out += "],\"limits\":{";
  Num(out, "timeout_ms", limits.timeout_ms);
  out += ',';
  Num(out, "memory_bytes", static_cast<int64_t>(limits.memory_bytes));
  out += ',';
  Num(out, "max_rows", static_cast<int64_t>(limits.max_rows));
  out += "}}";
  return out;
}

}  // namespace weir::web
