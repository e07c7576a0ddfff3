// ExportCursor: what weir export --follow has delivered, kept in SQLite so that
// it survives restarts and crashes (one transaction per delivered batch).
//
// The cursor tracks storage, not flow time: for every repository file, the byte
// offset up to which its blocks have been exported. Files only grow by whole
// blocks (doc/formats/flowfile.md), so a flow stored late, into an hour long
// past, is found as new bytes of that hour's file. Beside the offsets it keeps
// free-form settings (the repository root, the size of the output file at the
// last commit) and the open long flows.
//
// Not thread-safe. doc/export.md describes the file for operators.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "export/long_flows.h"

struct sqlite3;

namespace weir {

class ExportCursor {
 public:
  // Opens or creates the cursor database at path.
  static Result<std::unique_ptr<ExportCursor>> Open(const std::string& path);
  ~ExportCursor();

  // True when the database was created by Open (a first run).
  bool created() const { return created_; }
  const std::string& path() const { return path_; }

  // Exported offset of each file (paths relative to the repository root).
  const std::map<std::string, uint64_t>& offsets() const { return offsets_; }
  uint64_t Offset(const std::string& file) const;
  std::optional<std::string> Setting(const std::string& key) const;
  const std::vector<LongFlows::Entry>& long_flows() const { return long_flows_; }

  // One transaction: new offsets, settings, files no longer on disk, and (when
  // given) the complete set of open long flows.
  struct Update {
    std::map<std::string, uint64_t> offsets;
    std::map<std::string, std::string> settings;
    std::vector<std::string> forget;
    const std::vector<LongFlows::Entry>* long_flows = nullptr;
  };
  Status Commit(const Update& update);

 private:
  ExportCursor() = default;
  Status Exec(const char* sql);
  Status Load();
  sqlite3* db_ = nullptr;
  std::string path_;
  bool created_ = false;
  std::map<std::string, uint64_t> offsets_;
  std::map<std::string, std::string> settings_;
  std::vector<LongFlows::Entry> long_flows_;
};

}  // namespace weir
