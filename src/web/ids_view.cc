#include "web/ids_view.h"

#include <algorithm>

#include "ids/correlate.h"
#include "record/text.h"

namespace weir::web {

Result<std::string> IdsJson(const IdsViewOptions& view, const std::string& root,
                            const SiteConfig& site, int64_t from_ms, int64_t to_ms, size_t limit,
                            int threads) {
  EveAlertInput input;
  for (const std::string& f : view.eve_files)
    WEIR_RETURN_IF_ERROR(ReadEveAlerts(f, input, from_ms, to_ms));
  std::stable_sort(input.alerts.begin(), input.alerts.end(),
                   [](const auto& x, const auto& y) { return x.alert.time_ms > y.alert.time_ms; });
  const bool more = input.alerts.size() > limit;
  if (more) input.alerts.resize(limit);
  CorrelateOptions options;
  options.root = root;
  options.site = &site;
  options.internal = view.internal;
  options.threads = threads;
  options.selection.types = "all";
  CorrelateStats stats;
  auto joined = Correlate(std::move(input.alerts), options, &stats, [](const Status&) {});
  if (!joined.ok()) return joined.status();
  std::string out = "{\"alerts\":[";
  for (size_t i = 0; i < joined->size(); ++i) {
    if (i) out += ',';
    out += CorrelatedJson((*joined)[i], &site);
  }
  out += "],\"more\":";
  out += more ? "true" : "false";
  out += ",\"stats\":{\"lines\":" + std::to_string(input.lines) +
         ",\"alerts\":" + std::to_string(stats.alerts) +
         ",\"matched\":" + std::to_string(stats.matched) +
         ",\"records_read\":" + std::to_string(stats.records_read) +
         ",\"files\":" + std::to_string(stats.files) +
         ",\"errors\":" + std::to_string(stats.errors) + "},\"problems\":[";
  for (size_t i = 0; i < input.problems.size(); ++i) {
    if (i) out += ',';
    // No server paths in answers: the file's name only.
    std::string problem = input.problems[i];
    for (const std::string& f : view.eve_files)
      if (problem.rfind(f + ":", 0) == 0)
        problem = f.substr(f.find_last_of('/') + 1) + problem.substr(f.size());
    AppendJsonString(out, problem);
  }
  out += "]}";
  return out;
}

}  // namespace weir::web
