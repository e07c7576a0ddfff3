// weir fglob: list the repository files a selection names (rwfglob).
#include "base/time.h"
#include "cli/common.h"
#include "cli/query_options.h"
#include "site/file_selection.h"

namespace weir::cli {

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
