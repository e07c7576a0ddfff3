// WebServer: weir serve. One process serves the embedded web UI and the JSON API
// under /api/ (doc/web.md) over HTTP or HTTPS, calling the query library directly.
//
// Every /api/ request but POST /api/login needs a session cookie (from logging
// in) or an API token (Authorization: Bearer weir_...); without one it answers
// 401. Requests that change state with a session cookie must carry the session's
// CSRF token in X-CSRF-Token (and a same-origin Origin header when the browser
// sends one). Queries run under QueryLimits, at most `max_queries_per_user` at a
// time per user, and can be cancelled.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "site/site_config.h"
#include "web/query_runner.h"
#include "web/web_store.h"

namespace weir::web {

struct ServerOptions {
  std::string root;  // the repository
  SiteConfig site;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string tls_cert, tls_key;  // both set: HTTPS
  bool secure_cookies = false;    // Secure cookies over plain HTTP (behind a TLS proxy)
  std::string ui_dir;             // serve the UI from here instead of the embedded copy
  QueryLimits limits;
  int max_queries_per_user = 4;
  int64_t session_ttl_ms = 12 * 3'600'000LL;
  int login_failures = 5;             // failed logins per client or user name ...
  int64_t login_window_ms = 300'000;  // ... within this window before a lockout
  int threads = 16;                   // HTTP worker threads
};

class WebServer {
 public:
  WebServer(ServerOptions options, std::unique_ptr<WebStore> store);
  ~WebServer();
  // Binds the address; the port actually bound (port 0 picks one) is port().
  Status Bind();
  int port() const;
  // Serves until Stop() (from a signal handler thread or another thread).
  Status Run();
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::web
