// WebStore: weir serve's users, sessions, API tokens, saved queries and
// dashboards, in one SQLite database (by default ROOT/weir-web.db, beside the
// repository). Passwords are stored as Argon2id hashes, tokens as digests.
// Thread-safe: one connection behind a mutex (every call is short).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

struct sqlite3;

namespace weir::web {

enum class Role { kAdmin, kAnalyst };
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view text);

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kAnalyst;
  int64_t created_ms = 0;
};

// Who a request acts as, from a session cookie or an API token.
struct Principal {
  User user;
  std::string csrf;        // the session's CSRF token (empty for API tokens)
  bool via_token = false;  // authenticated by an API token (no CSRF needed)
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  int64_t created_ms = 0, last_used_ms = 0;
};

// A saved query or a dashboard: a named JSON document owned by a user, visible to
// everyone when shared.
struct Document {
  int64_t id = 0;
  std::string owner, name, body;  // body: JSON (a query, or a dashboard's layout)
  bool shared = false;
  int64_t updated_ms = 0;
};
enum class DocumentKind { kQuery, kDashboard };

class WebStore {
 public:
  static Result<std::unique_ptr<WebStore>> Open(const std::string& path);
  ~WebStore();
  const std::string& path() const { return path_; }

  // Users. Names: 1-64 letters, digits, '.', '_', '-', '@'.
  Result<User> CreateUser(const std::string& name, std::string_view password, Role role);
  // The user, if the password is right; one generic error otherwise.
  Result<User> CheckPassword(const std::string& name, std::string_view password);
  Status SetPassword(const std::string& name, std::string_view password);
  Status SetRole(const std::string& name, Role role);  // refuses to demote the last admin
  Status DeleteUser(const std::string& name);          // refuses to delete the last admin
  std::vector<User> Users();
  std::optional<User> FindUser(const std::string& name);

  // Sessions: the token goes into the cookie; only its digest is stored.
  struct NewSession {
    std::string token, csrf;
  };
  Result<NewSession> CreateSession(const User& user, int64_t now_ms, int64_t ttl_ms);
  std::optional<Principal> FindSession(const std::string& token, int64_t now_ms);
  void DeleteSession(const std::string& token);

  // API tokens: shown once at creation.
  Result<std::string> CreateToken(const User& user, const std::string& name, int64_t now_ms);
  std::optional<Principal> FindToken(const std::string& token, int64_t now_ms);
  std::vector<ApiToken> Tokens(const User& user);
  Status DeleteToken(const User& user, int64_t id);

  // Saved queries and dashboards: a user sees their own and shared ones.
  std::vector<Document> Documents(DocumentKind kind, const std::string& viewer);
  std::optional<Document> FindDocument(DocumentKind kind, int64_t id, const std::string& viewer);
  Result<Document> SaveDocument(DocumentKind kind, Document doc, int64_t now_ms);  // id 0: new
  Status DeleteDocument(DocumentKind kind, int64_t id, const User& user);

 private:
  WebStore() = default;
  Status Exec(const char* sql);
  size_t AdminCount();
  std::optional<User> LoadUser(const char* sql, const std::string& key);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace weir::web
