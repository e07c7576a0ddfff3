// weir site: print the site configuration (rwsiteinfo).
#include <set>

#include "base/strings.h"
#include "cli/common.h"

namespace weir::cli {

int RunSite(int argc, char** argv) {
  CLI::App app("Print the site's sensors, classes, types and flowtypes (like rwsiteinfo).", "site");
  SiteOptions site_options;
  std::string fields_text = "class,type,flowtype,id-flowtype,sensor,id-sensor,describe-sensor";
  TableOptions layout;
  bool show_path = false;
  site_options.Add(app);
  app.add_option("--fields", fields_text,
                 "columns: class, type, flowtype, id-flowtype, sensor, id-sensor, describe-sensor, "
                 "default-class, default-type, mark-defaults");
  layout.Add(app);
  app.add_flag("--print-path-format", show_path,
               "print the path-format and repository root, then exit");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  auto site = site_options.Load("site");
  if (!site.ok()) return PrintError("site", site.status().message()), kExitFailure;
  if (show_path) {
    std::printf("root-directory: %s\npath-format: %s\nsite: %s\n", site_options.Root().c_str(),
                site->path_format().c_str(), site->source().c_str());
    return kExitOk;
  }
  layout.Resolve(app);
  static const std::set<std::string> kKnown = {
      "class",           "type",          "flowtype",     "id-flowtype",  "sensor", "id-sensor",
      "describe-sensor", "default-class", "default-type", "mark-defaults"};
  std::vector<std::string> fields;
  bool per_sensor = false, per_flowtype = false;
  for (auto f : Split(fields_text, ',')) {
    std::string name(Trim(f));
    if (!kKnown.count(name)) return PrintError("site", "unknown field '" + name + "'"), kExitUsage;
    fields.push_back(name);
    per_sensor |= name == "sensor" || name == "id-sensor" || name == "describe-sensor";
    per_flowtype |=
        name == "type" || name == "flowtype" || name == "id-flowtype" || name == "default-type";
  }
  // One row per combination the fields call for.
  struct Row {
    const FlowtypeInfo* ft;
    const SensorInfo* sensor;
    const ClassInfo* cls;
  };
  std::vector<Row> rows;
  for (const auto& c : site->classes()) {
    std::vector<const FlowtypeInfo*> fts;
    if (per_flowtype)
      for (uint8_t id : c.flowtypes) fts.push_back(site->Flowtype(id));
    else
      fts.push_back(nullptr);
    for (const auto* ft : fts) {
      if (per_sensor) {
        for (uint16_t s : c.sensors) rows.push_back({ft, site->Sensor(s), &c});
      } else {
        rows.push_back({ft, nullptr, &c});
      }
    }
  }
  if (!per_flowtype && per_sensor &&
      std::find(fields.begin(), fields.end(), "class") == fields.end()) {
    rows.clear();
    for (const auto& s : site->sensors()) rows.push_back({nullptr, &s, nullptr});
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& f : fields) {
      bool default_class = row.cls && row.cls->name == site->default_class();
      bool default_type = row.ft && row.cls &&
                          std::count(row.cls->default_flowtypes.begin(),
                                     row.cls->default_flowtypes.end(), row.ft->id);
      if (f == "class")
        cells.push_back(row.cls ? row.cls->name : "");
      else if (f == "type")
        cells.push_back(row.ft ? row.ft->type_name : "");
      else if (f == "flowtype")
        cells.push_back(row.ft ? row.ft->name : "");
      else if (f == "id-flowtype")
        cells.push_back(row.ft ? std::to_string(row.ft->id) : "");
      else if (f == "sensor")
        cells.push_back(row.sensor ? row.sensor->name : "");
      else if (f == "id-sensor")
        cells.push_back(row.sensor ? std::to_string(row.sensor->id) : "");
      else if (f == "describe-sensor")
        cells.push_back(row.sensor ? row.sensor->description : "");
      else if (f == "default-class")
        cells.push_back(default_class ? row.cls->name : "");
      else if (f == "default-type")
        cells.push_back(default_type ? row.ft->type_name : "");
      else if (f == "mark-defaults")
        cells.push_back(std::string(default_class ? "+" : "") + (default_type ? "*" : ""));
    }
    if (table.empty() || table.back() != cells) table.push_back(std::move(cells));
  }
  std::vector<size_t> widths(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    widths[i] = layout.titles ? fields[i].size() : 0;
    for (const auto& r : table) widths[i] = std::max(widths[i], r[i].size());
  }
  Output out;
  auto emit = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (layout.columns) out.buffer().append(widths[i] - cells[i].size(), ' ');
      out.buffer() += cells[i];
      if (i + 1 < cells.size() || layout.final_delimiter) out.buffer() += layout.separator;
    }
    out.buffer() += '\n';
  };
  if (layout.titles) emit(fields);
  for (const auto& r : table) emit(r);
  if (Status s = out.Flush(); !s.ok()) return PrintError("site", s.message()), kExitFailure;
  return kExitOk;
}

}  // namespace weir::cli
