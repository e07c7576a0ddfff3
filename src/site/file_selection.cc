#include "site/file_selection.h"

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"

namespace weir {

namespace {

std::vector<std::string> ListWords(std::string_view text) {
  std::vector<std::string> out;
  for (auto w : Split(text, ','))
    if (!Trim(w).empty()) out.emplace_back(Trim(w));
  return out;
}

void AddUnique(std::vector<std::pair<uint8_t, uint16_t>>& out, uint8_t ft, uint16_t sensor) {
  for (const auto& p : out)
    if (p.first == ft && p.second == sensor) return;
  out.emplace_back(ft, sensor);
}

}  // namespace

Result<std::vector<std::pair<uint8_t, uint16_t>>> SelectFlowtypeSensors(const SiteConfig& site,
                                                                        const FileSelection& sel) {
  // Flowtypes first.
  std::vector<uint8_t> flowtypes;
  auto add_ft = [&](uint8_t id) {
    if (std::find(flowtypes.begin(), flowtypes.end(), id) == flowtypes.end())
      flowtypes.push_back(id);
  };
  if (!sel.flowtypes.empty()) {
    if (!sel.classes.empty() || !sel.types.empty())
      return Status::Invalid("--flowtypes cannot be combined with --class or --type");
    for (const auto& pair : ListWords(sel.flowtypes)) {
      size_t slash = pair.find('/');
      if (slash == std::string::npos)
        return Status::Invalid("invalid flowtype '" + pair + "' (expected CLASS/TYPE)");
      std::string cls = pair.substr(0, slash), type = pair.substr(slash + 1);
      bool any = false;
      for (const auto& f : site.flowtypes()) {
        if ((cls == "all" || f.class_name == cls) && (type == "all" || f.type_name == type)) {
          add_ft(f.id);
          any = true;
        }
      }
      if (!any) return Status::Invalid("no flowtype matches '" + pair + "'");
    }
  } else {
    std::vector<std::string> classes = ListWords(sel.classes);
    if (classes.empty()) {
      if (site.default_class().empty())
        return Status::Invalid("no --class given and the site has no default-class");
      classes.push_back(site.default_class());
    }
    std::vector<std::string> types = ListWords(sel.types);
    for (const auto& cls : classes) {
      const ClassInfo* c = site.Class(cls);
      if (!c) return Status::Invalid("unknown class '" + cls + "'");
      if (types.empty()) {
        for (uint8_t id : c->default_flowtypes.empty() ? c->flowtypes : c->default_flowtypes)
          add_ft(id);
        continue;
      }
      for (const auto& t : types) {
        if (t == "all") {
          for (uint8_t id : c->flowtypes) add_ft(id);
          continue;
        }
        auto id = site.FindFlowtype(cls, t);
        if (!id) return Status::Invalid("unknown type '" + t + "' in class '" + cls + "'");
        add_ft(*id);
      }
    }
  }
  // Then sensors: an explicit list, intersected with each flowtype's class.
  std::vector<uint16_t> wanted;
  bool all_sensors = sel.sensors.empty();
  for (const auto& word : ListWords(sel.sensors)) {
    if (auto id = site.FindSensor(word)) {
      wanted.push_back(*id);
      continue;
    }
    auto ranges = ParseUintRanges(word, 65534);
    if (!ranges.ok()) return Status::Invalid("unknown sensor '" + word + "'");
    for (const auto& r : *ranges)
      for (uint64_t id = r.low; id <= r.high; ++id)
        if (site.Sensor(static_cast<uint16_t>(id))) wanted.push_back(static_cast<uint16_t>(id));
  }
  std::vector<std::pair<uint8_t, uint16_t>> out;
  for (uint8_t ft : flowtypes) {
    const FlowtypeInfo* f = site.Flowtype(ft);
    const ClassInfo* c = f ? site.Class(f->class_name) : nullptr;
    if (!c) continue;
    std::vector<uint16_t> sensors = c->sensors;
    std::sort(sensors.begin(), sensors.end());
    for (uint16_t s : sensors)
      if (all_sensors || std::find(wanted.begin(), wanted.end(), s) != wanted.end())
        AddUnique(out, ft, s);
  }
  return out;
}

Result<std::pair<int64_t, int64_t>> SelectHours(const FileSelection& sel, int64_t now_ms) {
  if (sel.start_date.empty()) {
    if (!sel.end_date.empty()) return Status::Invalid("--end-date requires --start-date");
    int64_t day = FloorTo(now_ms, kMillisPerDay);
    return std::pair{day, FloorTo(now_ms, kMillisPerHour)};
  }
  auto start = ParseTime(sel.start_date);
  if (!start.ok()) return start.status().WithPrefix("--start-date");
  bool start_has_hour = start->precision != TimePrecision::kDay;
  int64_t first = FloorTo(start->ms, start_has_hour ? kMillisPerHour : kMillisPerDay);
  int64_t last;
  if (sel.end_date.empty()) {
    last = start_has_hour ? first : first + kMillisPerDay - kMillisPerHour;
  } else {
    auto end = ParseTime(sel.end_date);
    if (!end.ok()) return end.status().WithPrefix("--end-date");
    // As in rwfilter: an end hour counts only when the start names an hour too.
    if (start_has_hour && end->precision != TimePrecision::kDay)
      last = FloorTo(end->ms, kMillisPerHour);
    else
      last = FloorTo(end->ms, kMillisPerDay) + kMillisPerDay - kMillisPerHour;
  }
  if (last < first) return Status::Invalid("--end-date is before --start-date");
  return std::pair{first, last};
}

Status ForEachSelectedFile(const SiteConfig& site, const std::string& root,
                           const FileSelection& sel, int64_t now_ms,
                           const std::function<bool(const SelectedFile&)>& visit) {
  auto pairs = SelectFlowtypeSensors(site, sel);
  if (!pairs.ok()) return pairs.status();
  auto hours = SelectHours(sel, now_ms);
  if (!hours.ok()) return hours.status();
  SelectedFile f;
  for (int64_t h = hours->first; h <= hours->second; h += kMillisPerHour) {
    for (const auto& [ft, sensor] : *pairs) {
      f.path = root + "/" + site.FilePath(ft, sensor, h);
      f.flowtype = ft;
      f.sensor = sensor;
      f.hour_ms = h;
      f.exists = FileExists(f.path);
      if (!visit(f)) return Status::Ok();
    }
  }
  return Status::Ok();
}

Result<std::vector<SelectedFile>> SelectFiles(const SiteConfig& site, const std::string& root,
                                              const FileSelection& sel, int64_t now_ms) {
  std::vector<SelectedFile> out;
  WEIR_RETURN_IF_ERROR(ForEachSelectedFile(site, root, sel, now_ms, [&](const SelectedFile& f) {
    out.push_back(f);
    return true;
  }));
  return out;
}

}  // namespace weir
