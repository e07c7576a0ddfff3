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

// API tokens expire (kDefaultTokenTtlMs unless weir serve says otherwise), die
// with a password reset, and cannot mint other tokens.
inline constexpr int64_t kDefaultTokenTtlMs = 90 * 86'400'000LL;

struct ApiToken {
  int64_t id = 0;
  std::string name, user;  // user: the owner's name
  int64_t created_ms = 0, last_used_ms = 0, expires_ms = 0;
};

// One line of the audit log: logins, failed logins, user and token changes.
struct AuditEntry {
  int64_t id = 0, time_ms = 0;
  std::string actor, address, action, detail;  // actor: a user name, or "weir user"
};

// A saved query or a dashboard: a named JSON document owned by a user (by id: a
// new user of a deleted user's name inherits nothing), visible to everyone when
// shared. Deleting a user deletes their private documents; their shared ones stay,
// owned by nobody (owner_id 0), for an admin to keep or delete.
struct Document {
  int64_t id = 0;
  int64_t owner_id = 0;
  std::string owner, name, body;  // owner: the name, for display; body: JSON
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
  // Ends the user's sessions; with revoke_tokens, their API tokens too (a reset).
  Status SetPassword(const std::string& name, std::string_view password, bool revoke_tokens);
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

  // API tokens: shown once at creation; valid until now_ms + ttl_ms.
  Result<std::string> CreateToken(const User& user, const std::string& name, int64_t now_ms,
                                  int64_t ttl_ms = kDefaultTokenTtlMs);
  std::optional<Principal> FindToken(const std::string& token, int64_t now_ms);
  std::vector<ApiToken> Tokens(const User& user);
  std::vector<ApiToken> AllTokens();  // every user's, for admins
  Status DeleteToken(const User& user, int64_t id);

  // Saved queries and dashboards: a user sees their own and shared ones.
  std::vector<Document> Documents(DocumentKind kind, const User& viewer);
  std::optional<Document> FindDocument(DocumentKind kind, int64_t id, const User& viewer);
  // id 0: a new document of doc.owner_id; otherwise only its owner changes it.
  Result<Document> SaveDocument(DocumentKind kind, Document doc, int64_t now_ms);
  Status DeleteDocument(DocumentKind kind, int64_t id, const User& user);

  // The audit log (newest first); the newest 100,000 entries are kept.
  void Audit(int64_t now_ms, const std::string& actor, const std::string& address,
             const std::string& action, const std::string& detail);
  std::vector<AuditEntry> AuditLog(size_t limit);

 private:
  WebStore() = default;
  Status Exec(const char* sql);
  Status Migrate();
  size_t AdminCount();
  std::optional<User> LoadUser(const char* sql, const std::string& key);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace weir::web
