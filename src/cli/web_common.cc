#include "cli/web_common.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace weir::cli {

std::string WebDatabasePath(const std::string& database, const SiteOptions& site) {
  return database.empty() ? site.Root() + "/weir-web.db" : database;
}

Result<std::string> ReadPassword(const std::string& prompt) {
  if (const char* env = std::getenv("WEIR_PASSWORD"); env && *env) return std::string(env);
  bool terminal = ::isatty(0);
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "%s", prompt.c_str());
    tcgetattr(0, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(0, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(0, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!got) return Status::Invalid("no password given (on standard input or in $WEIR_PASSWORD)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace weir::cli
