#include "web/query_request.h"

#include <simdjson.h>
#include <unistd.h>

#include <cmath>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "query/expression.h"
#include "site/file_selection.h"

namespace weir::web {

namespace {

using simdjson::dom::element;

constexpr std::pair<View, std::string_view> kViews[] = {{View::kRecords, "records"},
                                                        {View::kTop, "top"},
                                                        {View::kSeries, "series"},
                                                        {View::kGroup, "group"},
                                                        {View::kSummary, "summary"}};

// The most rows one request may ask for, whatever the server's own limit.
constexpr uint64_t kMaxRequestRows = 10'000'000;

// A string member, or empty when absent; a number is taken as its text.
Result<std::string> GetString(element obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::string();
  if (e.is_string()) return std::string(std::string_view(e.get_string().value_unsafe()));
  if (e.is_int64()) return std::to_string(int64_t(e.get_int64().value_unsafe()));
  if (e.is_uint64()) return std::to_string(uint64_t(e.get_uint64().value_unsafe()));
  return Status::Invalid("\"" + std::string(key) + "\" must be a string");
}

Result<uint64_t> GetUint(element obj, std::string_view key, uint64_t fallback, uint64_t max) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return fallback;
  uint64_t v = 0;
  if (e.is_string()) {
    auto parsed = ParseUint(std::string_view(e.get_string().value_unsafe()), max);
    if (!parsed) return Status::Invalid("\"" + std::string(key) + "\" must be a number");
    return *parsed;
  }
  if (e.get_uint64().get(v) != simdjson::SUCCESS || v > max)
    return Status::Invalid("\"" + std::string(key) + "\" must be a number from 0 to " +
                           std::to_string(max));
  return v;
}

Result<bool> GetBool(element obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return false;
  bool v = false;
  if (e.get_bool().get(v) != simdjson::SUCCESS)
    return Status::Invalid("\"" + std::string(key) + "\" must be true or false");
  return v;
}

// A time as epoch milliseconds (a number) or text ParseTime accepts.
Result<int64_t> GetTime(element obj, std::string_view key, int64_t fallback) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return fallback;
  int64_t ms = 0;
  if (e.get_int64().get(ms) == simdjson::SUCCESS) return ms;
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS || Trim(text).empty()) return fallback;
  auto t = ParseTime(Trim(text));
  if (!t.ok()) return t.status().WithPrefix("\"" + std::string(key) + "\"");
  return t->ms;
}

// "15m", "1h", "7d", "30s": a span back from now.
Result<int64_t> ParseSpan(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return Status::Invalid("\"last\" is empty");
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    case 'w':
      unit = 7 * 86'400'000LL;
      break;
    default:
      return Status::Invalid("\"last\": say 15m, 1h, 1d or 1w");
  }
  auto n = ParseUint(text.substr(0, text.size() - 1), 366 * 24 * 3600);
  if (!n || *n == 0) return Status::Invalid("\"last\": say 15m, 1h, 1d or 1w");
  return static_cast<int64_t>(*n) * unit;
}

// "YYYY/MM/DD:HH", the form of rwfilter's --start-date.
bool IsPartitionSwitch(std::string_view name) {
  for (const auto& s : PartitionSwitches())
    if (s.name == name) return true;
  return false;
}

}  // namespace

Result<View> ParseView(std::string_view name) {
  for (auto [view, text] : kViews)
    if (text == name) return view;
  return Status::Invalid("\"view\" must be records, top, series, group or summary");
}

std::string_view ViewName(View view) {
  for (auto [v, text] : kViews)
    if (v == view) return text;
  return "records";
}

std::string WithoutServerPaths(std::string_view message, std::string_view root) {
  std::string out(message);
  for (std::string dir : {std::string(root), TempDirectory()}) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir.empty() || dir == "." || dir == "/") continue;
    dir += '/';
    for (size_t at = out.find(dir); at != std::string::npos; at = out.find(dir, at))
      out.erase(at, dir.size());
  }
  return out;
}

Result<SwitchValues> SplitSwitches(std::string_view text) {
  // Words first, honouring quotes; then pair names with values.
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return Status::Invalid("switches: a quote is not closed");
  if (in_word) words.push_back(std::move(word));
  SwitchValues out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (w.substr(0, 2) != "--" || w.size() == 2)
      return Status::Invalid("switches: expected --name=value at '" + words[i] + "'");
    w.remove_prefix(2);
    if (size_t eq = w.find('='); eq != std::string_view::npos) {
      out.emplace_back(std::string(w.substr(0, eq)), std::string(w.substr(eq + 1)));
    } else if (i + 1 < words.size()) {
      out.emplace_back(std::string(w), words[++i]);
    } else {
      return Status::Invalid("switches: --" + std::string(w) + " needs a value");
    }
  }
  return out;
}

Result<QueryRequest> ParseQueryRequest(std::string_view json, int64_t now_ms) {
  simdjson::dom::parser parser;
  element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc); error != simdjson::SUCCESS)
    return Status::Invalid(std::string("query is not valid JSON: ") +
                           simdjson::error_message(error));
  if (!doc.is_object()) return Status::Invalid("query must be a JSON object");
  QueryRequest q;
  std::string text;
#define WEIR_GET(var, expr)           \
  do {                                \
    auto r_ = (expr);                 \
    if (!r_.ok()) return r_.status(); \
    var = std::move(*r_);             \
  } while (0)

  WEIR_GET(text, GetString(doc, "view"));
  if (!text.empty()) WEIR_GET(q.view, ParseView(text));
  WEIR_GET(q.id, GetString(doc, "id"));
  if (q.id.size() > 64) return Status::Invalid("\"id\" is longer than 64 characters");

  // Time: "last" wins; else start/end; default the last hour.
  std::string last;
  WEIR_GET(last, GetString(doc, "last"));
  if (!last.empty()) {
    int64_t span = 0;
    WEIR_GET(span, ParseSpan(last));
    q.end_ms = now_ms + 1;
    q.start_ms = q.end_ms - span;
  } else {
    WEIR_GET(q.end_ms, GetTime(doc, "end", now_ms + 1));
    WEIR_GET(q.start_ms, GetTime(doc, "start", q.end_ms - 3'600'000));
  }
  if (q.end_ms <= q.start_ms) return Status::Invalid("\"end\" must be after \"start\"");
  if (q.end_ms - q.start_ms > 400 * 86'400'000LL)
    return Status::Invalid("the time range is longer than 400 days");

  WEIR_GET(q.classes, GetString(doc, "class"));
  WEIR_GET(q.types, GetString(doc, "type"));
  WEIR_GET(q.flowtypes, GetString(doc, "flowtypes"));
  WEIR_GET(q.sensors, GetString(doc, "sensors"));
  WEIR_GET(q.raw, GetString(doc, "raw"));
  WEIR_GET(q.expr, GetString(doc, "expr"));
  WEIR_GET(q.exclude, GetString(doc, "exclude"));

  element e;
  if (doc["switches"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    simdjson::dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS)
      return Status::Invalid("\"switches\" must be an object of switch names and values");
    for (auto field : obj) {
      std::string name(std::string_view(field.key));
      if (!IsPartitionSwitch(name))
        return Status::Invalid("\"switches\": no partitioning switch --" + name);
      WEIR_GET(text, GetString(e, name));
      if (!Trim(text).empty()) q.switches.emplace_back(name, std::string(Trim(text)));
    }
  }
  if (doc["where"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    simdjson::dom::array list;
    if (e.get_array().get(list) != simdjson::SUCCESS)
      return Status::Invalid("\"where\" must be a list of {field, value, exclude}");
    for (element item : list) {
      if (!item.is_object()) return Status::Invalid("\"where\": each item must be an object");
      Pivot p;
      WEIR_GET(p.field, GetString(item, "field"));
      WEIR_GET(p.value, GetString(item, "value"));
      WEIR_GET(p.exclude, GetBool(item, "exclude"));
      if (p.field.empty()) return Status::Invalid("\"where\": an item has no field");
      q.pivots.push_back(std::move(p));
    }
  }

  // View parameters.
  WEIR_GET(text, GetString(doc, "fields"));
  if (!text.empty()) {
    WEIR_GET(q.fields, ParseFieldList(text));
  } else {
    q.fields = DefaultCutFields();
  }
  WEIR_GET(text, GetString(doc, "sort"));
  if (!text.empty()) {
    WEIR_GET(q.sort, FindField(text));
    q.sorted = true;
  }
  WEIR_GET(q.descending, GetBool(doc, "desc"));
  WEIR_GET(q.offset, GetUint(doc, "offset", 0, kMaxRequestRows));
  WEIR_GET(q.limit, GetUint(doc, "limit", 100, kMaxRequestRows));
  WEIR_GET(text, GetString(doc, "key"));
  if (!text.empty()) WEIR_GET(q.keys, ParseFieldList(text));
  if ((q.view == View::kTop || q.view == View::kGroup) && q.keys.empty())
    return Status::Invalid("\"key\" is required for the " + std::string(ViewName(q.view)) +
                           " view (e.g. \"dip\")");
  WEIR_GET(text, GetString(doc, "values"));
  WEIR_GET(q.values, ParseValues(text.empty() ? "bytes" : text));
  if (q.view == View::kTop)
    for (const auto& v : q.values)
      if (v.kind == ValueKind::kStimeEarliest || v.kind == ValueKind::kEtimeLatest)
        return Status::Invalid("\"values\": " + v.title + " cannot rank groups");
  WEIR_GET(q.count, GetUint(doc, "count", q.view == View::kGroup ? 1000 : 10, kMaxRequestRows));
  WEIR_GET(q.bottom, GetBool(doc, "bottom"));
  element bin;
  if (doc["bin"].get(bin) == simdjson::SUCCESS && !bin.is_null()) {
    double seconds = 0;
    if (bin.get_double().get(seconds) != simdjson::SUCCESS || !(seconds >= 0.001) ||
        seconds > 366.0 * 86400)
      return Status::Invalid("\"bin\" must be seconds from 0.001 to 31622400");
    q.bin_ms = std::max<int64_t>(1, std::llround(seconds * 1000));
  }
  if ((q.end_ms - q.start_ms) / q.bin_ms > 1'000'000)
    return Status::Invalid("\"bin\": more than a million bins; choose a larger bin");
  WEIR_GET(text, GetString(doc, "scheme"));
  if (!text.empty()) {
    auto s = ParseLoadScheme(text);
    if (!s.ok()) return s.status().WithPrefix("\"scheme\"");
    q.scheme = *s;
  }
#undef WEIR_GET
  return q;
}

Result<QueryPlan> PlanQuery(const QueryRequest& request, const SiteConfig& site,
                            const std::string& root, int64_t now_ms, QueryControl& control) {
  // The request as the query front end's spec: the time range picks the hours and
  // (unless raw switches set the dates) the flow start times; raw switches land
  // where weir filter would put them.
  QuerySpec spec;
  spec.selecting = true;
  spec.selection = {request.classes,
                    request.types,
                    request.flowtypes,
                    request.sensors,
                    HourText(request.start_ms),
                    HourText(request.end_ms - 1)};
  spec.switches = request.switches;
  spec.expr = request.expr;
  spec.sets_in_repository = true;
  auto raw = SplitSwitches(request.raw);
  if (!raw.ok()) return raw.status();
  bool raw_dates = false;
  for (auto& [name, value] : *raw) {
    FileSelection& selection = spec.selection;
    if (name == "class") {
      selection.classes = value;
    } else if (name == "type") {
      selection.types = value;
    } else if (name == "flowtypes") {
      selection.flowtypes = value;
    } else if (name == "sensors") {
      selection.sensors = value;
    } else if (name == "start-date") {
      selection.start_date = value;
      raw_dates = true;
    } else if (name == "end-date") {
      selection.end_date = value;
      raw_dates = true;
    } else if (name == "expr") {
      spec.expr = spec.expr.empty() ? value : "(" + spec.expr + ") and (" + value + ")";
    } else if (IsPartitionSwitch(name)) {
      spec.switches.emplace_back(name, value);
    } else {
      return Status::Invalid("switches: --" + name +
                             " is not a selection or partitioning switch of weir filter");
    }
  }
  if (!raw_dates) spec.stime = {request.start_ms, request.end_ms - 1};
  spec.clauses.push_back({request.exclude, true, "exclude"});
  for (const auto& p : request.pivots) {
    auto field = FindField(p.field);
    if (!field.ok()) return field.status().WithPrefix("where");
    spec.clauses.push_back({p.field + " = " + p.value, p.exclude, "where " + p.field});
  }
  auto planned = weir::PlanQuery(spec, site, root, now_ms, &control);
  if (!planned.ok()) return planned.status();
  QueryPlan plan;
  static_cast<weir::QueryPlan&>(plan) = std::move(*planned);
  plan.description = WithoutServerPaths(plan.description, root);
  plan.root = root;
  return plan;
}

}  // namespace weir::web
