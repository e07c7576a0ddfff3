// weir user: manage weir serve's local accounts and API tokens.
#include "base/time.h"
#include "cli/common.h"
#include "cli/web_common.h"
#include "web/web_store.h"

namespace weir::cli {

int RunUser(int argc, char** argv) {
  CLI::App app(
      "Manage weir serve's users (roles admin and analyst) and API tokens. Passwords come from\n"
      "$WEIR_PASSWORD or standard input; they are stored as Argon2id hashes.\n"
      "  weir user add NAME [--role=admin|analyst]   weir user passwd NAME\n"
      "  weir user role NAME ROLE                    weir user del NAME\n"
      "  weir user list                              weir user token NAME TOKEN-NAME",
      "user");
  SiteOptions site;
  std::string database, role = "analyst";
  std::vector<std::string> words;
  site.Add(app);
  app.add_option("--root-directory", site.data_rootdir, "the repository (same as --data-rootdir)");
  app.add_option("--database", database, "the web database (default ROOT/weir-web.db)");
  app.add_option("--role", role, "role for add: admin or analyst (default analyst)");
  app.add_option("action", words, "add, passwd, role, del, list or token, then its arguments")
      ->required();
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  const std::string& action = words[0];
  auto need = [&](size_t n) {
    if (words.size() == n + 1) return true;
    PrintError("user", action + " takes " + std::to_string(n) + " argument(s); see --help");
    return false;
  };
  auto store = web::WebStore::Open(WebDatabasePath(database, site));
  if (!store.ok()) return PrintError("user", store.status().message()), kExitFailure;
  auto& s = **store;
  Status status;
  if (action == "add") {
    if (!need(1)) return kExitUsage;
    auto r = web::ParseRole(role);
    if (!r.ok()) return PrintError("user", r.status().message()), kExitUsage;
    auto password = ReadPassword("password for " + words[1] + ": ");
    if (!password.ok()) return PrintError("user", password.status().message()), kExitUsage;
    auto user = s.CreateUser(words[1], *password, *r);
    status = user.status();
  } else if (action == "passwd") {
    if (!need(1)) return kExitUsage;
    auto password = ReadPassword("new password for " + words[1] + ": ");
    if (!password.ok()) return PrintError("user", password.status().message()), kExitUsage;
    status = s.SetPassword(words[1], *password, /*revoke_tokens=*/true);  // a reset
  } else if (action == "role") {
    if (!need(2)) return kExitUsage;
    auto r = web::ParseRole(words[2]);
    if (!r.ok()) return PrintError("user", r.status().message()), kExitUsage;
    status = s.SetRole(words[1], *r);
  } else if (action == "del") {
    if (!need(1)) return kExitUsage;
    status = s.DeleteUser(words[1]);
  } else if (action == "list") {
    if (!need(0)) return kExitUsage;
    for (const auto& u : s.Users())
      std::printf("%-24s %-8s %s\n", u.name.c_str(), std::string(web::RoleName(u.role)).c_str(),
                  FormatTime(u.created_ms, TimeFormat::kIso).c_str());
  } else if (action == "token") {
    if (!need(2)) return kExitUsage;
    auto user = s.FindUser(words[1]);
    if (!user) return PrintError("user", "no user '" + words[1] + "'"), kExitUsage;
    auto token = s.CreateToken(*user, words[2], NowMillis());
    if (!token.ok()) return PrintError("user", token.status().message()), kExitFailure;
    std::printf("%s\n", token->c_str());  // shown once; only its digest is stored
  } else {
    return PrintError("user", "unknown action '" + action + "'; see --help"), kExitUsage;
  }
  if (!status.ok())
    return PrintError("user", status.message()),
           status.code() == StatusCode::kIoError ? kExitFailure : kExitUsage;
  return kExitOk;
}

}  // namespace weir::cli
