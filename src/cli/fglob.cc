// weir fglob: list the repository files a selection names (rwfglob).
#include "base/time.h"
#include "cli/common.h"
#include "site/file_selection.h"

namespace weir::cli {

// Adds rwfilter's selection switches to app.
void AddSelectionOptions(CLI::App& app, FileSelection& sel) {
  app.add_option("--class", sel.classes, "class(es) to select (default: the site's default-class)");
  app.add_option("--type", sel.types,
                 "types to select, comma separated, or all (default: the class's default types)");
  app.add_option("--flowtypes", sel.flowtypes,
                 "CLASS/TYPE pairs, comma separated; 'all' allowed on either side");
  app.add_option("--sensors", sel.sensors, "sensor names, ids or id ranges (default: all)");
  app.add_option("--start-date", sel.start_date,
                 "first hour or day: YYYY/MM/DD[:HH] (default: today)");
  app.add_option("--end-date", sel.end_date, "last hour or day: YYYY/MM/DD[:HH]");
}

int RunFglob(int argc, char** argv) {
  CLI::App app("List the repository files that a selection names (like rwfglob).", "fglob");
  FileSelection sel;
  SiteOptions site_options;
  bool print_missing = false, no_summary = false;
  AddSelectionOptions(app, sel);
  site_options.Add(app);
  app.add_flag("--print-missing-files", print_missing,
               "also list files that do not exist, prefixed 'missing '");
  app.add_flag("--no-summary", no_summary, "do not print the count of files on stderr");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  auto site = site_options.Load("fglob");
  if (!site.ok()) return PrintError("fglob", site.status().message()), kExitFailure;
  auto files = SelectFiles(*site, site_options.Root(), sel, NowMillis());
  if (!files.ok()) return PrintError("fglob", files.status().message()), kExitUsage;
  Output out;
  size_t found = 0, missing = 0;
  for (const auto& f : *files) {
    if (f.exists) {
      out.buffer() += f.path + "\n";
      ++found;
    } else {
      ++missing;
      if (print_missing) out.buffer() += "missing " + f.path + "\n";
    }
  }
  if (Status s = out.Flush(); !s.ok()) return PrintError("fglob", s.message()), kExitFailure;
  if (!no_summary)
    std::fprintf(stderr, "weir fglob: globbed %zu files; %zu missing\n", found, missing);
  return kExitOk;
}

}  // namespace weir::cli
