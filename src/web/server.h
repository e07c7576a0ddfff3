// WebServer: weir serve. One process serves the embedded web UI and the JSON API
// under /api/ (doc/web.md) over HTTP or HTTPS, calling the query library directly.
//
// Every /api/ request but POST /api/login needs a session cookie (from logging
// in) or an API token (Authorization: Bearer weir_...); without one it answers
// 401. Requests that change state with a session cookie must carry the session's
// CSRF token in X-CSRF-Token (and, when the browser sends one, an Origin that is
// this server: public_url, or else an address literal or localhost at this port,
// so that a rebound DNS name cannot pass). Queries run under QueryLimits, at most
// `max_queries_per_user` at a time per user, are listed and cancellable from the
// moment they are planned. Connections are bounded as http_server.h says. Logins
// and password changes back off per user and client address (auth.h); logins,
// failures and user and token changes go to the audit log and the server's log.
// Answers to users never carry the server's paths; the log has the detail.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "site/site_config.h"
#include "web/http_server.h"
#include "web/ids_view.h"
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
  // The address users reach the UI at ("https://flows.example.org"); browsers'
  // Origin headers must name it. Empty: address literals and localhost at port.
  std::string public_url;
  // Proxies whose X-Forwarded-For names the client (for the login limiter and
  // the audit log); they are exempt from the per-client connection limit.
  std::vector<std::string> trusted_proxies;
  QueryLimits limits;
  ConnectionLimits connections;
  IdsViewOptions ids;  // the EVE files of GET /api/ids (none: the view is empty)
  int max_queries_per_user = 4;
  int64_t session_ttl_ms = 12 * 3'600'000LL;
  int64_t token_ttl_ms = kDefaultTokenTtlMs;
  int login_failures = 5;             // failures per user and address before backing off
  int64_t login_window_ms = 300'000;  // a key is forgotten this long after its last failure
  // Where the server says what happened (audit lines, internal errors); default stderr.
  std::function<void(std::string_view)> log;
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
  // The server's metrics in Prometheus's text format, for --metrics-listen: query
  // durations by view (a histogram, from registration to the answer), queries
  // running, and build info. Thread-safe.
  std::string MetricsText(std::string_view version) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::web
