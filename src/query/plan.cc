#include "query/plan.h"

#include <unistd.h>

#include "base/strings.h"
#include "base/time.h"
#include "query/expression.h"

namespace weir {

namespace {

// IP set switches (--sipset, --not-dipset ...) that take the name of a set file in
// ROOT/sets/: a front end that must never read a file its user names by path.
Status ResolveSetFiles(SwitchValues& switches, const std::string& root) {
  for (auto& [name, value] : switches) {
    std::string_view base = name;
    if (base.substr(0, 4) == "not-") base.remove_prefix(4);
    if (base.size() < 3 || base.substr(base.size() - 3) != "set") continue;
    if (value.empty() || value.find('/') != std::string::npos || value[0] == '.')
      return Status::Invalid("--" + name + ": name a set file in the repository's sets/ folder ('" +
                             value + "' is not a plain file name)");
    // Said here, so that the error names the set and not the server's path.
    std::string path = root + "/sets/" + value;
    if (::access(path.c_str(), R_OK) != 0) {
      if (::access((path + ".set").c_str(), R_OK) != 0)
        return Status::Invalid("--" + name + ": no set '" + value +
                               "' in the repository's sets/ folder");
      path += ".set";
    }
    value = path;
  }
  return Status::Ok();
}

// The files of the selection that exist, within the control's limits: the
// selection's days (whichever switch set them), its time, cancel and memory.
Status SelectBounded(const SiteConfig& site, const std::string& root,
                     const FileSelection& selection, int64_t now_ms, QueryControl& control,
                     std::vector<std::string>& inputs) {
  auto hours = SelectHours(selection, now_ms);
  if (!hours.ok()) return hours.status();
  int64_t days = (hours->second - hours->first) / kMillisPerDay + 1;
  if (days > control.limits().max_days)
    return Status::Invalid("the selection covers " + std::to_string(days) + " days (" +
                           HourText(hours->first) + " to " + HourText(hours->second) +
                           "), more than the server's limit of " +
                           std::to_string(control.limits().max_days));
  size_t visited = 0, bytes = 0;
  WEIR_RETURN_IF_ERROR(
      ForEachSelectedFile(site, root, selection, now_ms, [&](const SelectedFile& f) {
        if (++visited % 256 == 0 && control.ShouldStop()) return false;
        if (!f.exists) return true;
        bytes += sizeof(std::string) + f.path.size();
        if (bytes > control.limits().memory_bytes) control.Stop(StopReason::kMemory);
        inputs.push_back(f.path);
        return control.reason() == StopReason::kNone;
      }));
  if (control.reason() != StopReason::kNone) return Status::Unsupported(control.Explain());
  return Status::Ok();
}

// The query as weir filter's switches, for display.
std::string Describe(const QuerySpec& spec, const SwitchValues& switches) {
  std::string d;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    d += d.empty() ? "--" : " --";
    d += name;
    d += "='";
    d += value;
    d += '\'';
  };
  if (spec.selecting) {
    add("class", spec.selection.classes);
    add("type", spec.selection.types);
    add("flowtypes", spec.selection.flowtypes);
    add("sensors", spec.selection.sensors);
    add("start-date", spec.selection.start_date);
    add("end-date", spec.selection.end_date);
  }
  for (auto& [name, value] : switches) add(name, value);
  if (spec.stime)
    add("stime", FormatTime(spec.stime->first, TimeFormat::kSilk) + "-" +
                     FormatTime(spec.stime->second, TimeFormat::kSilk));
  std::string expr = std::string(Trim(spec.expr)).empty() ? std::string() : spec.expr;
  for (const QueryClause& c : spec.clauses) {
    if (Trim(c.expr).empty()) continue;
    std::string clause = std::string(c.exclude ? "not " : "") + "(" + c.expr + ")";
    expr = expr.empty() ? clause : "(" + expr + ") and " + clause;
  }
  add("expr", expr);
  return d;
}

}  // namespace

std::string HourText(int64_t ms) {
  std::string t = FormatTime(FloorTo(ms, 3'600'000), TimeFormat::kSilk);  // 2026/11/27T13:00:00.000
  return t.substr(0, 10) + ":" + t.substr(11, 2);
}

Result<QueryPlan> PlanQuery(const QuerySpec& spec, const SiteConfig& site, const std::string& root,
                            int64_t now_ms, QueryControl* control) {
  QueryPlan plan;
  plan.threads = spec.threads;
  SwitchValues switches = spec.switches;
  if (spec.sets_in_repository) WEIR_RETURN_IF_ERROR(ResolveSetFiles(switches, root));
  auto partition = BuildPartition(switches, {&site});
  if (!partition.ok()) return partition.status();
  std::vector<Predicate> parts{std::move(*partition)};
  if (spec.stime)
    parts.push_back(Predicate::InRanges(
        FieldId::kStime,
        {{static_cast<uint64_t>(spec.stime->first), static_cast<uint64_t>(spec.stime->second)}}));
  if (!Trim(spec.expr).empty()) {
    auto e = ParseExpression(spec.expr, &site);
    if (!e.ok()) return spec.expr_name.empty() ? e.status() : e.status().WithPrefix(spec.expr_name);
    parts.push_back(std::move(*e));
  }
  for (const QueryClause& c : spec.clauses) {
    if (Trim(c.expr).empty()) continue;
    auto e = ParseExpression(c.expr, &site);
    if (!e.ok()) return c.name.empty() ? e.status() : e.status().WithPrefix(c.name);
    parts.push_back(c.exclude ? Predicate::Not(*e) : std::move(*e));
  }
  plan.predicate = parts.size() == 1 ? std::move(parts[0]) : Predicate::And(std::move(parts));

  if (!spec.selecting) {
    plan.inputs = spec.files;
  } else if (control) {
    WEIR_RETURN_IF_ERROR(SelectBounded(site, root, spec.selection, now_ms, *control, plan.inputs));
  } else {
    WEIR_RETURN_IF_ERROR(
        ForEachSelectedFile(site, root, spec.selection, now_ms, [&](const SelectedFile& f) {
          (f.exists ? plan.inputs : plan.missing).push_back(f.path);
          return true;
        }));
  }
  plan.description = Describe(spec, switches);
  return plan;
}

}  // namespace weir
