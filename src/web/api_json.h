// JSON in and out for weir serve's small API endpoints (sessions, users,
// tokens, saved queries, dashboards, the site). Queries have their own parser
// (query_request.h) and writer (query_runner.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "site/site_config.h"
#include "web/query_runner.h"
#include "web/web_store.h"

namespace simdjson::dom {
class parser;
}

namespace weir::web {

// A request body that must be a JSON object; members are read leniently
// (missing or mistyped: the fallback).
class JsonBody {
 public:
  explicit JsonBody(std::string_view text);
  ~JsonBody();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool Has(std::string_view key) const;
  std::string String(std::string_view key, std::string fallback = "") const;
  bool Bool(std::string_view key) const;
  // A whole number from 0 to max, given as a number or as text; nullopt otherwise.
  std::optional<uint64_t> Uint(std::string_view key, uint64_t max) const;
  // The member as minified JSON text; empty when absent or not an object.
  std::string Raw(std::string_view key) const;

 private:
  struct Parsed;
  std::unique_ptr<Parsed> parsed_;
  std::string error_;
};

struct RunningQueryInfo {
  std::string id, user, view, filter;
  int64_t started_ms = 0;
};

std::string SessionJson(const Principal& who);
std::string UsersJson(const std::vector<User>& users);
std::string TokensJson(const std::vector<ApiToken>& tokens);
std::string AuditJson(const std::vector<AuditEntry>& entries);
std::string DocumentJson(DocumentKind kind, const Document& doc);
std::string DocumentsJson(DocumentKind kind, const std::vector<Document>& docs);
std::string RunningJson(const std::vector<RunningQueryInfo>& queries);
// Classes, types, sensors, fields, partitioning switches and limits, for the
// query builder's pickers.
std::string SiteJson(const SiteConfig& site, const QueryLimits& limits);

}  // namespace weir::web
