#include "export/cursor.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstring>
#include <type_traits>

namespace weir {

namespace {

// Open long flows are stored with their merged record as bytes; the layout
// version changes whenever FlowRecord does.
static_assert(std::is_trivially_copyable_v<FlowRecord>);
constexpr int kRecordLayout = 1;

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<ExportCursor>> ExportCursor::Open(const std::string& path) {
  std::unique_ptr<ExportCursor> c(new ExportCursor());
  c->path_ = path;
  struct stat st;
  c->created_ = ::stat(path.c_str(), &st) != 0;
  if (sqlite3_open_v2(path.c_str(), &c->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = c->db_ ? sqlite3_errmsg(c->db_) : "out of memory";
    return Status::IoError("cursor " + path + ": " + why);
  }
  sqlite3_busy_timeout(c->db_, 5000);
  // WAL with full sync: a commit is on disk when Commit returns, and a crash
  // leaves the previous commit.
  WEIR_RETURN_IF_ERROR(c->Exec("PRAGMA journal_mode=WAL"));
  WEIR_RETURN_IF_ERROR(c->Exec("PRAGMA synchronous=FULL"));
  WEIR_RETURN_IF_ERROR(
      c->Exec("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, offset INTEGER NOT NULL);"
              "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "CREATE TABLE IF NOT EXISTS long_flows (key INTEGER PRIMARY KEY, flow_id INTEGER, "
              "last_etime INTEGER, held_since INTEGER, holding INTEGER, record BLOB)"));
  WEIR_RETURN_IF_ERROR(c->Load());
  return c;
}

ExportCursor::~ExportCursor() {
  if (db_) sqlite3_close(db_);
}

Status ExportCursor::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    return Status::IoError("cursor " + path_ + ": " + why);
  }
  return Status::Ok();
}

Status ExportCursor::Load() {
  auto failed = [&] { return Status::Corruption("cursor " + path_ + ": " + sqlite3_errmsg(db_)); };
  {
    Statement s(db_, "SELECT path, offset FROM files");
    if (!s) return failed();
    while (sqlite3_step(s.get()) == SQLITE_ROW)
      offsets_[reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0))] =
          static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
  }
  {
    Statement s(db_, "SELECT key, value FROM settings");
    if (!s) return failed();
    while (sqlite3_step(s.get()) == SQLITE_ROW)
      settings_[reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
  }
  if (auto layout = Setting("record_layout"); layout && *layout != std::to_string(kRecordLayout))
    return Status::Invalid("cursor " + path_ + " was written by another version of weir " +
                           "(record layout " + *layout + "); start a new cursor");
  Statement s(db_, "SELECT key, flow_id, last_etime, held_since, holding, record FROM long_flows");
  if (!s) return failed();
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    LongFlows::Entry e{};
    e.key = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
    e.flow_id = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
    e.last_etime_ms = sqlite3_column_int64(s.get(), 2);
    e.held_since_ms = sqlite3_column_int64(s.get(), 3);
    e.holding = sqlite3_column_int(s.get(), 4) != 0;
    if (sqlite3_column_bytes(s.get(), 5) == static_cast<int>(sizeof(FlowRecord)))
      std::memcpy(&e.merged, sqlite3_column_blob(s.get(), 5), sizeof(FlowRecord));
    else
      e.holding = false;
    long_flows_.push_back(e);
  }
  return Status::Ok();
}

uint64_t ExportCursor::Offset(const std::string& file) const {
  auto it = offsets_.find(file);
  return it == offsets_.end() ? 0 : it->second;
}

std::optional<std::string> ExportCursor::Setting(const std::string& key) const {
  auto it = settings_.find(key);
  if (it == settings_.end()) return std::nullopt;
  return it->second;
}

Status ExportCursor::Commit(const Update& update) {
  WEIR_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](const char* what) {
    Status s = Status::IoError("cursor " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  {
    Statement s(db_, "INSERT OR REPLACE INTO files (path, offset) VALUES (?, ?)");
    if (!s) return fail("prepare");
    for (const auto& [file, offset] : update.offsets) {
      sqlite3_bind_text(s.get(), 1, file.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(s.get(), 2, static_cast<sqlite3_int64>(offset));
      if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("write offset");
      sqlite3_reset(s.get());
    }
  }
  {
    Statement s(db_, "DELETE FROM files WHERE path = ?");
    if (!s) return fail("prepare");
    for (const auto& file : update.forget) {
      sqlite3_bind_text(s.get(), 1, file.c_str(), -1, SQLITE_STATIC);
      if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("forget file");
      sqlite3_reset(s.get());
    }
  }
  std::map<std::string, std::string> settings = update.settings;
  settings["record_layout"] = std::to_string(kRecordLayout);
  {
    Statement s(db_, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
    if (!s) return fail("prepare");
    for (const auto& [key, value] : settings) {
      sqlite3_bind_text(s.get(), 1, key.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(s.get(), 2, value.c_str(), -1, SQLITE_STATIC);
      if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("write setting");
      sqlite3_reset(s.get());
    }
  }
  if (update.long_flows) {
    if (sqlite3_exec(db_, "DELETE FROM long_flows", nullptr, nullptr, nullptr) != SQLITE_OK)
      return fail("clear long flows");
    Statement s(db_,
                "INSERT INTO long_flows (key, flow_id, last_etime, held_since, holding, record) "
                "VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return fail("prepare");
    for (const auto& e : *update.long_flows) {
      sqlite3_bind_int64(s.get(), 1, static_cast<sqlite3_int64>(e.key));
      sqlite3_bind_int64(s.get(), 2, static_cast<sqlite3_int64>(e.flow_id));
      sqlite3_bind_int64(s.get(), 3, e.last_etime_ms);
      sqlite3_bind_int64(s.get(), 4, e.held_since_ms);
      sqlite3_bind_int(s.get(), 5, e.holding ? 1 : 0);
      sqlite3_bind_blob(s.get(), 6, &e.merged, sizeof(FlowRecord), SQLITE_STATIC);
      if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("write long flow");
      sqlite3_reset(s.get());
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit");
  for (const auto& [file, offset] : update.offsets) offsets_[file] = offset;
  for (const auto& file : update.forget) offsets_.erase(file);
  for (auto& [key, value] : settings) settings_[key] = value;
  if (update.long_flows) long_flows_ = *update.long_flows;
  return Status::Ok();
}

}  // namespace weir
