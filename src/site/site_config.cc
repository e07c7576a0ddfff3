#include "site/site_config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "site/config_lexer.h"

namespace weir {

namespace {

constexpr int kMaxIncludeDepth = 16;

constexpr std::string_view kDefaultSiteText =
    R"(# weir's embedded default site: one sensor and SiLK's twoway flowtypes.
version 2

sensor 0 local "the default sensor"

class all
    sensors local
    type  0 in      in
    type  1 out     out
    type  2 inweb   iw
    type  3 outweb  ow
    type  4 innull  innull
    type  5 outnull outnull
    type  6 int2int int2int
    type  7 ext2ext ext2ext
    type  8 inicmp  inicmp
    type  9 outicmp outicmp
    type 10 other   other
    default-types in inweb inicmp
end class

default-class all

path-format "%N/%T/%Y/%m/%d/%x"
)";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (c == '/' || c == '_' || c == '@' || c <= ' ' || c == '"') return false;
  return true;
}

}  // namespace

class SiteParser {
 public:
  explicit SiteParser(SiteConfig& site) : site_(site) {}

  Status ParseText(std::string_view text, const std::string& name, int depth) {
    return ParseConfigLines(
        text, name, where_, block_, block_name_,
        [&](const std::vector<std::string>& w) { return Statement(w, name, depth); });
  }

  Status Finish() {
    if (site_.sensors_.empty() && site_.classes_.empty())
      return Status::Invalid(site_.source_ + ": defines no sensors and no classes");
    for (auto& c : site_.classes_) {
      if (c.flowtypes.empty())
        return Status::Invalid(site_.source_ + ": class '" + c.name + "' has no types");
    }
    if (!site_.default_class_.empty() && !site_.Class(site_.default_class_))
      return Status::Invalid(site_.source_ + ": default-class '" + site_.default_class_ +
                             "' is not a class");
    if (site_.default_class_.empty() && site_.classes_.size() == 1)
      site_.default_class_ = site_.classes_[0].name;
    std::sort(site_.sensors_.begin(), site_.sensors_.end(),
              [](const SensorInfo& a, const SensorInfo& b) { return a.id < b.id; });
    uint16_t max_id = site_.sensors_.empty() ? 0 : site_.sensors_.back().id;
    site_.sensor_index_.assign(static_cast<size_t>(max_id) + 1, -1);
    for (size_t i = 0; i < site_.sensors_.size(); ++i)
      site_.sensor_index_[site_.sensors_[i].id] = static_cast<int>(i);
    for (size_t i = 0; i < site_.flowtypes_.size(); ++i)
      site_.flowtype_index_[site_.flowtypes_[i].id] = static_cast<int>(i);
    return Status::Ok();
  }

 private:
  Status Statement(const std::vector<std::string>& w, const std::string& file, int depth) {
    const std::string& key = w[0];
    auto args = [&](size_t min, size_t max) -> Status {
      if (w.size() - 1 < min || w.size() - 1 > max)
        return Status::Invalid(
            "'" + key + "' takes " +
            (min == max ? std::to_string(min) : std::to_string(min) + "-" + std::to_string(max)) +
            " argument(s), got " + std::to_string(w.size() - 1));
      return Status::Ok();
    };
    if (key == "end") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      if (block_.empty()) return Status::Invalid("'end " + w[1] + "' without an open block");
      if (w[1] != block_)
        return Status::Invalid("'end " + w[1] + "' inside '" + block_ + "' block");
      block_.clear();
      return Status::Ok();
    }
    if (block_ == "group") {
      if (key != "sensors") return Status::Invalid("unexpected '" + key + "' in group block");
      auto& g = site_.groups_[block_name_];
      for (size_t i = 1; i < w.size(); ++i) WEIR_RETURN_IF_ERROR(AddSensors(w[i], g));
      return Status::Ok();
    }
    if (block_ == "class") return ClassStatement(w);
    if (key == "version") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      if (w[1] != "1" && w[1] != "2")
        return Status::Invalid("unsupported version '" + w[1] + "' (1 or 2)");
      site_.version_ = w[1][0] - '0';
      return Status::Ok();
    }
    if (key == "sensor") {
      WEIR_RETURN_IF_ERROR(args(2, 3));
      auto id = ParseUint(w[1], 65534);
      if (!id) return Status::Invalid("invalid sensor id '" + w[1] + "' (0-65534)");
      if (!ValidName(w[2])) return Status::Invalid("invalid sensor name '" + w[2] + "'");
      for (const auto& s : site_.sensors_) {
        if (s.id == *id)
          return Status::Invalid("sensor id " + w[1] + " is already used by '" + s.name + "'");
        if (s.name == w[2]) return Status::Invalid("sensor '" + w[2] + "' is already defined");
      }
      site_.sensors_.push_back({static_cast<uint16_t>(*id), w[2], w.size() > 3 ? w[3] : ""});
      return Status::Ok();
    }
    if (key == "group") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      block_ = "group";
      block_name_ = w[1];
      site_.groups_[w[1]];
      return Status::Ok();
    }
    if (key == "class") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      if (!ValidName(w[1])) return Status::Invalid("invalid class name '" + w[1] + "'");
      block_ = "class";
      block_name_ = w[1];
      if (!site_.Class(w[1])) site_.classes_.push_back({w[1], {}, {}, {}});
      return Status::Ok();
    }
    if (key == "default-class") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      site_.default_class_ = w[1];
      return Status::Ok();
    }
    if (key == "path-format") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      return SetPathFormat(w[1]);
    }
    if (key == "packing-logic") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      site_.packing_logic_ = w[1];
      if (w[1].empty())
        site_.warnings_.push_back(where_ +
                                  ": packing-logic is empty; using weir's built-in twoway "
                                  "classification");
      else if (w[1].find("twoway") == std::string::npos)
        site_.warnings_.push_back(
            where_ + ": packing-logic '" + w[1] +
            "' is not loaded; weir classifies with its built-in twoway logic");
      return Status::Ok();
    }
    if (key == "include") {
      WEIR_RETURN_IF_ERROR(args(1, 1));
      if (depth >= kMaxIncludeDepth) return Status::Invalid("includes nested too deeply (a loop?)");
      std::filesystem::path p(w[1]);
      if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
      auto text = ReadFileToString(p.string());
      if (!text.ok()) return text.status().WithPrefix("include");
      std::string saved_where = where_;
      Status s = ParseText(*text, p.string(), depth + 1);
      where_ = saved_where;
      if (!s.ok()) return Status(s.code(), s.message() + " (included from " + saved_where + ")");
      return Status::Ok();
    }
    if (key == "sensors" || key == "type" || key == "default-types")
      return Status::Invalid("'" + key + "' outside a class block");
    return Status::Invalid("unknown statement '" + key + "'");
  }

  Status ClassStatement(const std::vector<std::string>& w) {
    ClassInfo* c = nullptr;
    for (auto& x : site_.classes_)
      if (x.name == block_name_) c = &x;
    const std::string& key = w[0];
    if (key == "sensors") {
      for (size_t i = 1; i < w.size(); ++i) WEIR_RETURN_IF_ERROR(AddSensors(w[i], c->sensors));
      return Status::Ok();
    }
    if (key == "type") {
      if (w.size() < 3 || w.size() > 4)
        return Status::Invalid("'type' takes ID NAME [FLOWTYPE-NAME]");
      auto id = ParseUint(w[1], 254);
      if (!id) return Status::Invalid("invalid flowtype id '" + w[1] + "' (0-254)");
      if (!ValidName(w[2])) return Status::Invalid("invalid type name '" + w[2] + "'");
      std::string ft_name = w.size() > 3 ? w[3] : c->name + w[2];
      if (!ValidName(ft_name)) return Status::Invalid("invalid flowtype name '" + ft_name + "'");
      for (const auto& f : site_.flowtypes_) {
        if (f.id == *id)
          return Status::Invalid("flowtype id " + w[1] + " is already used by " + f.class_name +
                                 "/" + f.type_name);
        if (f.class_name == c->name && f.type_name == w[2])
          return Status::Invalid("type '" + w[2] + "' is already defined in class '" + c->name +
                                 "'");
        if (f.name == ft_name)
          return Status::Invalid("flowtype name '" + ft_name + "' is already used");
      }
      site_.flowtypes_.push_back({static_cast<uint8_t>(*id), c->name, w[2], ft_name});
      c->flowtypes.push_back(static_cast<uint8_t>(*id));
      return Status::Ok();
    }
    if (key == "default-types") {
      for (size_t i = 1; i < w.size(); ++i) {
        bool found = false;
        for (const auto& f : site_.flowtypes_)
          if (f.class_name == c->name && f.type_name == w[i]) {
            c->default_flowtypes.push_back(f.id);
            found = true;
          }
        if (!found)
          return Status::Invalid("default type '" + w[i] + "' is not a type of class '" + c->name +
                                 "' (define types first)");
      }
      return Status::Ok();
    }
    return Status::Invalid("unexpected '" + key + "' in class block");
  }

  Status AddSensors(const std::string& word, std::vector<uint16_t>& out) {
    if (word.starts_with("@")) {
      auto it = site_.groups_.find(word.substr(1));
      if (it == site_.groups_.end())
        return Status::Invalid("unknown group '" + word.substr(1) + "'");
      for (uint16_t id : it->second)
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
      return Status::Ok();
    }
    for (const auto& s : site_.sensors_)
      if (s.name == word) {
        if (std::find(out.begin(), out.end(), s.id) == out.end()) out.push_back(s.id);
        return Status::Ok();
      }
    return Status::Invalid("unknown sensor '" + word + "'");
  }

  Status SetPathFormat(const std::string& format) {
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') continue;
      if (i + 1 == format.size()) return Status::Invalid("path-format ends with a lone '%'");
      char c = format[++i];
      if (std::string_view("CFHNTYdfmnx%").find(c) == std::string_view::npos)
        return Status::Invalid(std::string("path-format has unknown conversion '%") + c + "'");
    }
    if (format.empty()) return Status::Invalid("path-format is empty");
    site_.path_format_ = format;
    return Status::Ok();
  }

  SiteConfig& site_;
  std::string block_, block_name_, where_;
};

Result<SiteConfig> SiteConfig::Parse(std::string_view text, const std::string& name) {
  SiteConfig site;
  site.source_ = name;
  SiteParser parser(site);
  WEIR_RETURN_IF_ERROR(parser.ParseText(text, name, 0));
  WEIR_RETURN_IF_ERROR(parser.Finish());
  return site;
}

Result<SiteConfig> SiteConfig::LoadFile(const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

std::string_view SiteConfig::DefaultText() { return kDefaultSiteText; }

SiteLocation SiteConfig::Locate(std::string_view config_file, std::string_view root) {
  SiteLocation where{std::string(root), std::string(config_file)};
  if (where.root.empty())
    for (const char* var : {"WEIR_DATA_ROOTDIR", "SILK_DATA_ROOTDIR"})
      if (const char* v = std::getenv(var); v && *v) {
        where.root = v;
        break;
      }
  if (where.root.empty()) where.root = "data";
  if (where.config_file.empty())
    if (const char* v = std::getenv("SILK_CONFIG_FILE"); v && *v) where.config_file = v;
  if (where.config_file.empty() && FileExists(where.root + "/silk.conf"))
    where.config_file = where.root + "/silk.conf";
  return where;
}

Result<SiteConfig> SiteConfig::Load(const SiteLocation& location) {
  if (location.config_file.empty()) return Default();
  return LoadFile(location.config_file);
}

const SiteConfig& SiteConfig::Default() {
  static const SiteConfig site = std::move(Parse(kDefaultSiteText, "(embedded default)")).value();
  return site;
}

const SensorInfo* SiteConfig::Sensor(uint16_t id) const {
  if (id >= sensor_index_.size() || sensor_index_[id] < 0) return nullptr;
  return &sensors_[static_cast<size_t>(sensor_index_[id])];
}

const FlowtypeInfo* SiteConfig::Flowtype(uint8_t id) const {
  int i = flowtype_index_[id];
  return i < 0 ? nullptr : &flowtypes_[static_cast<size_t>(i)];
}

const ClassInfo* SiteConfig::Class(std::string_view name) const {
  for (const auto& c : classes_)
    if (c.name == name) return &c;
  return nullptr;
}

std::string SiteConfig::FilePath(uint8_t flowtype, uint16_t sensor, int64_t hour_ms) const {
  const FlowtypeInfo* ft = Flowtype(flowtype);
  const SensorInfo* sn = Sensor(sensor);
  std::string ft_name = ft ? ft->name : "ft" + std::to_string(flowtype);
  std::string sn_name = sn ? sn->name : "S" + std::to_string(sensor);
  CivilTime t = CivilFromMillis(hour_ms);
  char date[16], hour[4], year[8], month[4], day[4];
  std::snprintf(date, sizeof date, "%04d%02d%02d", t.year, t.month, t.day);
  std::snprintf(hour, sizeof hour, "%02d", t.hour);
  std::snprintf(year, sizeof year, "%04d", t.year);
  std::snprintf(month, sizeof month, "%02d", t.month);
  std::snprintf(day, sizeof day, "%02d", t.day);
  std::string out;
  for (size_t i = 0; i < path_format_.size(); ++i) {
    char c = path_format_[i];
    if (c != '%' || i + 1 == path_format_.size()) {
      out += c;
      continue;
    }
    switch (path_format_[++i]) {
      case 'C':
        out += ft ? ft->class_name : "unknown";
        break;
      case 'F':
        out += ft_name;
        break;
      case 'H':
        out += hour;
        break;
      case 'N':
        out += sn_name;
        break;
      case 'T':
        out += ft ? ft->type_name : ft_name;
        break;
      case 'Y':
        out += year;
        break;
      case 'd':
        out += day;
        break;
      case 'f':
        out += std::to_string(flowtype);
        break;
      case 'm':
        out += month;
        break;
      case 'n':
        out += std::to_string(sensor);
        break;
      case 'x':
        out += ft_name + "-" + sn_name + "_" + date + "." + hour;
        break;
      case '%':
        out += '%';
        break;
      default:
        break;
    }
  }
  return out;
}

std::string_view SiteConfig::SensorName(uint16_t sensor) const {
  const SensorInfo* s = Sensor(sensor);
  return s ? std::string_view(s->name) : std::string_view();
}
std::string_view SiteConfig::ClassName(uint8_t flowtype) const {
  const FlowtypeInfo* f = Flowtype(flowtype);
  return f ? std::string_view(f->class_name) : std::string_view();
}
std::string_view SiteConfig::TypeName(uint8_t flowtype) const {
  const FlowtypeInfo* f = Flowtype(flowtype);
  return f ? std::string_view(f->type_name) : std::string_view();
}
std::optional<uint16_t> SiteConfig::FindSensor(std::string_view name) const {
  for (const auto& s : sensors_)
    if (s.name == name) return s.id;
  return std::nullopt;
}
std::optional<uint8_t> SiteConfig::FindFlowtype(std::string_view class_name,
                                                std::string_view type_name) const {
  for (const auto& f : flowtypes_)
    if (f.class_name == class_name && f.type_name == type_name) return f.id;
  return std::nullopt;
}
size_t SiteConfig::MaxSensorNameLength() const {
  size_t n = 0;
  for (const auto& s : sensors_) n = std::max(n, s.name.size());
  return n;
}
size_t SiteConfig::MaxClassNameLength() const {
  size_t n = 0;
  for (const auto& c : classes_) n = std::max(n, c.name.size());
  return n;
}
size_t SiteConfig::MaxTypeNameLength() const {
  size_t n = 0;
  for (const auto& f : flowtypes_) n = std::max(n, f.type_name.size());
  return n;
}

}  // namespace weir
