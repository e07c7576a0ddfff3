#include "web/web_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "base/time.h"
#include "web/auth.h"

namespace weir::web {

namespace {

// A prepared statement with positional binding.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  explicit operator bool() const { return stmt_ != nullptr; }

  template <typename... Args>
  Statement& Bind(const Args&... args) {
    int i = 0;
    (BindOne(++i, args), ...);
    return *this;
  }
  bool Row() { return stmt_ && sqlite3_step(stmt_) == SQLITE_ROW; }
  bool Done() { return stmt_ && sqlite3_step(stmt_) == SQLITE_DONE; }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  void BindOne(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindOne(int i, int v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindOne(int i, bool v) { sqlite3_bind_int64(stmt_, i, v ? 1 : 0); }
  void BindOne(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindOne(int i, const char* v) { sqlite3_bind_text(stmt_, i, v, -1, SQLITE_TRANSIENT); }
  sqlite3_stmt* stmt_ = nullptr;
};

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '@'))
      return false;
  return true;
}

const char* Table(DocumentKind kind) {
  return kind == DocumentKind::kQuery ? "saved_queries" : "dashboards";
}

User ReadUser(Statement& s) {
  User u;
  u.id = s.Int(0);
  u.name = s.Text(1);
  u.role = s.Text(2) == "admin" ? Role::kAdmin : Role::kAnalyst;
  u.created_ms = s.Int(3);
  return u;
}

Document ReadDocument(Statement& s) {
  return {s.Int(0), s.Int(6), s.Text(1), s.Text(2), s.Text(3), s.Int(4) != 0, s.Int(5)};
}

// Schema version 1 (PRAGMA user_version). Version 0, the first, had users whose
// ids SQLite could hand out again after a delete, documents owned by a name,
// tokens without an expiry and no audit log; Migrate() rebuilds it in place.
constexpr const char* kSchema =
    "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL, "
    "  role TEXT NOT NULL, password TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE sessions (digest TEXT PRIMARY KEY, "
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, csrf TEXT NOT NULL, "
    "  expires INTEGER NOT NULL);"
    "CREATE TABLE tokens (id INTEGER PRIMARY KEY, digest TEXT UNIQUE NOT NULL, "
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL, "
    "  created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0, "
    "  expires INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE saved_queries (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, "
    "  name TEXT NOT NULL, body TEXT NOT NULL, shared INTEGER NOT NULL, updated INTEGER NOT NULL, "
    "  owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL);"
    "CREATE TABLE dashboards (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, "
    "  name TEXT NOT NULL, body TEXT NOT NULL, shared INTEGER NOT NULL, updated INTEGER NOT NULL, "
    "  owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL);"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL, "
    "  address TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
    "PRAGMA user_version = 1;";

// Version 0 to 1, in one transaction with foreign keys off (SQLite's way to
// rebuild a table that others reference).
constexpr const char* kMigrateFrom0 =
    "CREATE TABLE users_v1 (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL, "
    "  role TEXT NOT NULL, password TEXT NOT NULL, created INTEGER NOT NULL);"
    "INSERT INTO users_v1 SELECT id, name, role, password, created FROM users;"
    "DROP TABLE users;"
    "ALTER TABLE users_v1 RENAME TO users;"
    "ALTER TABLE tokens ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;"
    "UPDATE tokens SET expires = created + 7776000000;"  // 90 days
    "ALTER TABLE saved_queries ADD COLUMN owner_id INTEGER REFERENCES users(id) "
    "  ON DELETE SET NULL;"
    "UPDATE saved_queries SET owner_id = (SELECT id FROM users WHERE users.name = owner);"
    "ALTER TABLE dashboards ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;"
    "UPDATE dashboards SET owner_id = (SELECT id FROM users WHERE users.name = owner);"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL, "
    "  address TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
    "PRAGMA user_version = 1;";

}  // namespace

std::string_view RoleName(Role role) { return role == Role::kAdmin ? "admin" : "analyst"; }

Result<Role> ParseRole(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "analyst") return Role::kAnalyst;
  return Status::Invalid("role must be admin or analyst, not '" + std::string(text) + "'");
}

Result<std::unique_ptr<WebStore>> WebStore::Open(const std::string& path) {
  WEIR_RETURN_IF_ERROR(InitCrypto());
  std::unique_ptr<WebStore> store(new WebStore());
  store->path_ = path;
  if (sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::string why = store->db_ ? sqlite3_errmsg(store->db_) : "out of memory";
    return Status::IoError("web database " + path + ": " + why);
  }
  ::chmod(path.c_str(), 0600);  // password hashes and token digests
  sqlite3_busy_timeout(store->db_, 5000);
  WEIR_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  WEIR_RETURN_IF_ERROR(store->Migrate());
  WEIR_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  return store;
}

WebStore::~WebStore() {
  if (db_) sqlite3_close(db_);
}

Status WebStore::Migrate() {
  bool fresh = false;
  {
    Statement version(db_, "PRAGMA user_version");
    if (version.Row() && version.Int(0) >= 1) return Status::Ok();
    Statement tables(db_, "SELECT count(*) FROM sqlite_master WHERE name = 'users'");
    fresh = !tables.Row() || tables.Int(0) == 0;
  }
  WEIR_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=OFF; BEGIN IMMEDIATE"));
  Status st = Exec(fresh ? kSchema : kMigrateFrom0);
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st.WithPrefix("upgrading the schema");
  }
  return Exec("COMMIT");
}

Status WebStore::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    return Status::IoError("web database " + path_ + ": " + why);
  }
  return Status::Ok();
}

size_t WebStore::AdminCount() {
  Statement s(db_, "SELECT count(*) FROM users WHERE role = 'admin'");
  return s.Row() ? static_cast<size_t>(s.Int(0)) : 0;
}

std::optional<User> WebStore::LoadUser(const char* sql, const std::string& key) {
  Statement s(db_, sql);
  s.Bind(key);
  if (!s.Row()) return std::nullopt;
  return ReadUser(s);
}

Result<User> WebStore::CreateUser(const std::string& name, std::string_view password, Role role) {
  if (!ValidName(name))
    return Status::Invalid("user name '" + name + "': use 1-64 letters, digits and . _ - @ only");
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT INTO users (name, role, password, created) VALUES (?, ?, ?, ?)");
  s.Bind(name, std::string(RoleName(role)), *hash, NowMillis());
  if (!s.Done()) {
    if (LoadUser("SELECT id, name, role, created FROM users WHERE name = ?", name))
      return Status::Invalid("user '" + name + "' exists already");
    return Status::IoError("web database " + path_ + ": " + sqlite3_errmsg(db_));
  }
  return *LoadUser("SELECT id, name, role, created FROM users WHERE name = ?", name);
}

Result<User> WebStore::CheckPassword(const std::string& name, std::string_view password) {
  std::string hash;
  std::optional<User> user;
  {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT id, name, role, created, password FROM users WHERE name = ?");
    s.Bind(name);
    if (s.Row()) {
      user = ReadUser(s);
      hash = s.Text(4);
    }
  }
  // Verify outside the lock (it takes ~0.1 s), and verify something even for an
  // unknown user so that timing does not tell which names exist.
  static const std::string dummy = *HashPassword("not a password of anyone");
  bool ok = VerifyPassword(user ? hash : dummy, password);
  if (!user || !ok) return Status::Invalid("wrong user name or password");
  return *user;
}

Status WebStore::SetPassword(const std::string& name, std::string_view password,
                             bool revoke_tokens) {
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE users SET password = ? WHERE name = ?");
  s.Bind(*hash, name);
  if (!s.Done()) return Status::IoError(sqlite3_errmsg(db_));
  if (sqlite3_changes(db_) == 0) return Status::NotFound("no user '" + name + "'");
  // A new password ends the user's sessions everywhere.
  Statement end(db_, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)");
  end.Bind(name).Done();
  if (revoke_tokens) {
    Statement tokens(db_,
                     "DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE name = ?)");
    tokens.Bind(name).Done();
  }
  return Status::Ok();
}

Status WebStore::SetRole(const std::string& name, Role role) {
  std::lock_guard lock(mutex_);
  auto user = LoadUser("SELECT id, name, role, created FROM users WHERE name = ?", name);
  if (!user) return Status::NotFound("no user '" + name + "'");
  if (user->role == Role::kAdmin && role != Role::kAdmin && AdminCount() <= 1)
    return Status::Invalid("'" + name + "' is the last admin");
  Statement s(db_, "UPDATE users SET role = ? WHERE name = ?");
  s.Bind(std::string(RoleName(role)), name);
  return s.Done() ? Status::Ok() : Status::IoError(sqlite3_errmsg(db_));
}

Status WebStore::DeleteUser(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto user = LoadUser("SELECT id, name, role, created FROM users WHERE name = ?", name);
  if (!user) return Status::NotFound("no user '" + name + "'");
  if (user->role == Role::kAdmin && AdminCount() <= 1)
    return Status::Invalid("'" + name + "' is the last admin");
  // Private documents go with their owner; shared ones stay, owned by nobody.
  for (DocumentKind kind : {DocumentKind::kQuery, DocumentKind::kDashboard}) {
    std::string sql =
        std::string("DELETE FROM ") + Table(kind) + " WHERE owner_id = ? AND shared = 0";
    Statement docs(db_, sql.c_str());
    if (!docs.Bind(user->id).Done()) return Status::IoError(sqlite3_errmsg(db_));
  }
  Statement s(db_, "DELETE FROM users WHERE name = ?");
  s.Bind(name);
  return s.Done() ? Status::Ok() : Status::IoError(sqlite3_errmsg(db_));
}

std::vector<User> WebStore::Users() {
  std::lock_guard lock(mutex_);
  std::vector<User> out;
  Statement s(db_, "SELECT id, name, role, created FROM users ORDER BY name");
  while (s.Row()) out.push_back(ReadUser(s));
  return out;
}

std::optional<User> WebStore::FindUser(const std::string& name) {
  std::lock_guard lock(mutex_);
  return LoadUser("SELECT id, name, role, created FROM users WHERE name = ?", name);
}

Result<WebStore::NewSession> WebStore::CreateSession(const User& user, int64_t now_ms,
                                                     int64_t ttl_ms) {
  NewSession session{RandomToken(), RandomToken()};
  std::lock_guard lock(mutex_);
  Statement old(db_, "DELETE FROM sessions WHERE expires < ?");
  old.Bind(now_ms).Done();
  Statement s(db_, "INSERT INTO sessions (digest, user_id, csrf, expires) VALUES (?, ?, ?, ?)");
  s.Bind(TokenDigest(session.token), user.id, session.csrf, now_ms + ttl_ms);
  if (!s.Done()) return Status::IoError("web database: " + std::string(sqlite3_errmsg(db_)));
  return session;
}

std::optional<Principal> WebStore::FindSession(const std::string& token, int64_t now_ms) {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT u.id, u.name, u.role, u.created, s.csrf FROM sessions s JOIN users u ON "
              "u.id = s.user_id WHERE s.digest = ? AND s.expires >= ?");
  s.Bind(TokenDigest(token), now_ms);
  if (!s.Row()) return std::nullopt;
  Principal p{ReadUser(s), s.Text(4), false};
  return p;
}

void WebStore::DeleteSession(const std::string& token) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "DELETE FROM sessions WHERE digest = ?");
  s.Bind(TokenDigest(token)).Done();
}

Result<std::string> WebStore::CreateToken(const User& user, const std::string& name, int64_t now_ms,
                                          int64_t ttl_ms) {
  if (name.empty() || name.size() > 100)
    return Status::Invalid("a token needs a name (1-100 characters)");
  if (ttl_ms <= 0) return Status::Invalid("a token's lifetime must be positive");
  std::string token = "weir_" + RandomToken();
  std::lock_guard lock(mutex_);
  Statement s(
      db_, "INSERT INTO tokens (digest, user_id, name, created, expires) VALUES (?, ?, ?, ?, ?)");
  s.Bind(TokenDigest(token), user.id, name, now_ms, now_ms + ttl_ms);
  if (!s.Done()) return Status::IoError("web database: " + std::string(sqlite3_errmsg(db_)));
  return token;
}

std::optional<Principal> WebStore::FindToken(const std::string& token, int64_t now_ms) {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::string digest = TokenDigest(token);
  Statement s(db_,
              "SELECT u.id, u.name, u.role, u.created FROM tokens t JOIN users u ON u.id = "
              "t.user_id WHERE t.digest = ? AND t.expires > ?");
  s.Bind(digest, now_ms);
  if (!s.Row()) return std::nullopt;
  Principal p{ReadUser(s), "", true};
  Statement used(db_, "UPDATE tokens SET last_used = ? WHERE digest = ?");
  used.Bind(now_ms, digest).Done();
  return p;
}

namespace {

ApiToken ReadToken(Statement& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4), s.Int(5)};
}

}  // namespace

std::vector<ApiToken> WebStore::Tokens(const User& user) {
  std::lock_guard lock(mutex_);
  std::vector<ApiToken> out;
  Statement s(db_,
              "SELECT t.id, t.name, u.name, t.created, t.last_used, t.expires FROM tokens t "
              "JOIN users u ON u.id = t.user_id WHERE t.user_id = ? ORDER BY t.id");
  s.Bind(user.id);
  while (s.Row()) out.push_back(ReadToken(s));
  return out;
}

std::vector<ApiToken> WebStore::AllTokens() {
  std::lock_guard lock(mutex_);
  std::vector<ApiToken> out;
  Statement s(db_,
              "SELECT t.id, t.name, u.name, t.created, t.last_used, t.expires FROM tokens t "
              "JOIN users u ON u.id = t.user_id ORDER BY u.name, t.id");
  while (s.Row()) out.push_back(ReadToken(s));
  return out;
}

Status WebStore::DeleteToken(const User& user, int64_t id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "DELETE FROM tokens WHERE id = ? AND user_id = ?");
  s.Bind(id, user.id);
  if (!s.Done()) return Status::IoError(sqlite3_errmsg(db_));
  return sqlite3_changes(db_) ? Status::Ok() : Status::NotFound("no such token");
}

std::vector<Document> WebStore::Documents(DocumentKind kind, const User& viewer) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT id, owner, name, body, shared, updated, owner_id FROM ") +
                    Table(kind) + " WHERE owner_id = ? OR shared = 1 ORDER BY name, id";
  Statement s(db_, sql.c_str());
  s.Bind(viewer.id);
  std::vector<Document> out;
  while (s.Row()) out.push_back(ReadDocument(s));
  return out;
}

std::optional<Document> WebStore::FindDocument(DocumentKind kind, int64_t id, const User& viewer) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT id, owner, name, body, shared, updated, owner_id FROM ") +
                    Table(kind) + " WHERE id = ? AND (owner_id = ? OR shared = 1)";
  Statement s(db_, sql.c_str());
  s.Bind(id, viewer.id);
  if (!s.Row()) return std::nullopt;
  return ReadDocument(s);
}

Result<Document> WebStore::SaveDocument(DocumentKind kind, Document doc, int64_t now_ms) {
  if (doc.name.empty() || doc.name.size() > 200)
    return Status::Invalid("a name of 1-200 characters is required");
  if (doc.body.size() > (1 << 20)) return Status::Invalid("the document is larger than 1 MiB");
  if (doc.owner_id <= 0) return Status::Invalid("a document needs its owner");
  std::lock_guard lock(mutex_);
  doc.updated_ms = now_ms;
  if (doc.id == 0) {
    std::string sql = std::string("INSERT INTO ") + Table(kind) +
                      " (owner, owner_id, name, body, shared, updated) VALUES (?, ?, ?, ?, ?, ?)";
    Statement s(db_, sql.c_str());
    s.Bind(doc.owner, doc.owner_id, doc.name, doc.body, doc.shared, now_ms);
    if (!s.Done()) return Status::IoError(sqlite3_errmsg(db_));
    doc.id = sqlite3_last_insert_rowid(db_);
    return doc;
  }
  // Only the owner changes a document.
  std::string sql =
      std::string("UPDATE ") + Table(kind) +
      " SET name = ?, body = ?, shared = ?, updated = ? WHERE id = ? AND owner_id = ?";
  Statement s(db_, sql.c_str());
  s.Bind(doc.name, doc.body, doc.shared, now_ms, doc.id, doc.owner_id);
  if (!s.Done()) return Status::IoError(sqlite3_errmsg(db_));
  if (sqlite3_changes(db_) == 0) return Status::NotFound("no such document of yours");
  return doc;
}

Status WebStore::DeleteDocument(DocumentKind kind, int64_t id, const User& user) {
  std::lock_guard lock(mutex_);
  // Owners delete their own; admins may delete any.
  std::string sql =
      std::string("DELETE FROM ") + Table(kind) + " WHERE id = ? AND (owner_id = ? OR ?)";
  Statement s(db_, sql.c_str());
  s.Bind(id, user.id, user.role == Role::kAdmin);
  if (!s.Done()) return Status::IoError(sqlite3_errmsg(db_));
  return sqlite3_changes(db_) ? Status::Ok() : Status::NotFound("no such document of yours");
}

void WebStore::Audit(int64_t now_ms, const std::string& actor, const std::string& address,
                     const std::string& action, const std::string& detail) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT INTO audit (time, actor, address, action, detail) VALUES (?, ?, ?, ?, ?)");
  s.Bind(now_ms, actor.substr(0, 64), address.substr(0, 64), action, detail.substr(0, 200)).Done();
  Statement prune(db_, "DELETE FROM audit WHERE id <= ? - 100000");
  prune.Bind(static_cast<int64_t>(sqlite3_last_insert_rowid(db_))).Done();
}

std::vector<AuditEntry> WebStore::AuditLog(size_t limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, time, actor, address, action, detail FROM audit ORDER BY id DESC "
              "LIMIT ?");
  s.Bind(static_cast<int64_t>(limit));
  std::vector<AuditEntry> out;
  while (s.Row()) out.push_back({s.Int(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5)});
  return out;
}

}  // namespace weir::web
