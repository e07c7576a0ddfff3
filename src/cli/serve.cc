// weir serve: the web UI and JSON API over the repository (FlowBAT's job).
#include <signal.h>

#include <thread>

#include "cli/common.h"
#include "cli/metrics_server.h"
#include "cli/web_common.h"
#include "net/host_port.h"
#include "site/sensor_config.h"
#include "web/server.h"

namespace weir::cli {

namespace {

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all addresses), "8080" (loopback).
Status ParseListen(const std::string& text, std::string& host, int& port) {
  auto parsed = ParseHostPort(text);
  if (!parsed.ok()) return parsed.status().WithPrefix("--listen");
  host = !parsed->host.empty() ? parsed->host : text[0] == ':' ? "0.0.0.0" : "127.0.0.1";
  port = parsed->port;
  return Status::Ok();
}

}  // namespace

int RunServe(int argc, char** argv) {
  CLI::App app(
      "Serve the web UI and its JSON API (doc/web.md) over the repository: a query builder,\n"
      "records, top-N, time series and group-by views with charts, CSV/JSON downloads, saved\n"
      "queries, dashboards and a live overview. Users log in; create the first admin with\n"
      "--create-admin (or weir user add). Runs until SIGTERM or SIGINT.",
      "serve");
  SiteOptions site;
  std::string listen = "127.0.0.1:8080", database, create_admin, ui_dir, tls_cert, tls_key,
              metrics_listen;
  double timeout_s = 60, memory_mib = 1024, request_timeout_s = 20, token_days = 90;
  web::ServerOptions options;
  uint64_t max_rows = options.limits.max_rows;
  std::vector<std::string> trusted_proxies;
  site.Add(app);
  app.add_option("--root-directory", site.data_rootdir,
                 "the repository to serve (same as --data-rootdir)");
  app.add_option("--listen", listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8080)");
  app.add_option("--database", database,
                 "users, saved queries and dashboards (default ROOT/weir-web.db)");
  app.add_option("--create-admin", create_admin,
                 "create this admin user (password from $WEIR_PASSWORD or standard input) and "
                 "exit");
  app.add_option("--tls-cert", tls_cert, "serve HTTPS with this PEM certificate (and --tls-key)");
  app.add_option("--metrics-listen", metrics_listen,
                 "serve query metrics for Prometheus at http://ADDR:PORT/metrics, apart from "
                 "the UI (doc/web.md, \"Metrics\")");
  app.add_option("--tls-key", tls_key, "the certificate's PEM private key");
  app.add_flag("--secure-cookies", options.secure_cookies,
               "mark cookies Secure over plain HTTP (behind a TLS-terminating proxy)");
  app.add_option("--ui-dir", ui_dir, "serve the UI from this directory (ui/dist) instead");
  app.add_option("--public-url", options.public_url,
                 "the URL users reach the UI at (https://flows.example.org); browsers' requests "
                 "must come from it (default: an address or localhost at the listening port)");
  app.add_option("--trusted-proxy", trusted_proxies,
                 "a reverse proxy's address whose X-Forwarded-For names the client (repeatable)")
      ->delimiter(',');
  app.add_option("--token-days", token_days, "days a new API token lasts (default 90)");
  app.add_option("--query-timeout", timeout_s, "seconds one query may run (default 60)")
      ->group("Limits");
  app.add_option("--query-memory", memory_mib,
                 "MiB one query's groups or sort may use (default 1024)")
      ->group("Limits");
  app.add_option("--max-rows", max_rows, "rows one answer may hold (default 100000)")
      ->group("Limits");
  app.add_option("--max-queries-per-user", options.max_queries_per_user,
                 "queries one user may run at once (default 4)")
      ->group("Limits");
  app.add_option("--query-threads", options.limits.threads,
                 "scan threads per query (default: one per core)")
      ->group("Limits");
  app.add_option("--max-days", options.limits.max_days,
                 "days of flows one query may select (default 400)")
      ->group("Limits");
  app.add_option("--request-timeout", request_timeout_s,
                 "seconds a client has to send a request's headers and body (default 20)")
      ->group("Limits");
  app.add_option("--max-connections", options.connections.max_connections,
                 "connections served at once (default 512)")
      ->group("Limits");
  app.add_option("--max-connections-per-client", options.connections.max_connections_per_client,
                 "connections one client address may hold (default 32)")
      ->group("Limits");
  std::string internal;
  app.add_option("--eve", options.ids.eve_files,
                 "Suricata EVE file with alerts for the IDS view (repeatable; doc/ids.md)")
      ->group("IDS");
  app.add_option("--internal-ipblocks", internal,
                 "the networks whose hosts the IDS view summarises, comma-separated CIDRs "
                 "(default: the embedded sensor.conf's, RFC 1918 and ULA)")
      ->group("IDS");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  auto store = web::WebStore::Open(WebDatabasePath(database, site));
  if (!store.ok()) return PrintError("serve", store.status().message()), kExitFailure;
  if (!create_admin.empty()) {
    auto password = ReadPassword("password for " + create_admin + ": ");
    if (!password.ok()) return PrintError("serve", password.status().message()), kExitUsage;
    auto user = (*store)->CreateUser(create_admin, *password, web::Role::kAdmin);
    if (!user.ok()) return PrintError("serve", user.status().message()), kExitUsage;
    std::fprintf(stderr, "weir serve: created admin '%s' in %s\n", create_admin.c_str(),
                 (*store)->path().c_str());
    return kExitOk;
  }
  if (Status s = ParseListen(listen, options.host, options.port); !s.ok())
    return PrintError("serve", s.message()), kExitUsage;
  if (tls_cert.empty() != tls_key.empty())
    return PrintError("serve", "give both --tls-cert and --tls-key"), kExitUsage;
  if (!(timeout_s > 0) || !(memory_mib >= 1) || max_rows == 0 || options.limits.max_days < 1 ||
      !(request_timeout_s > 0) || !(token_days > 0) || options.connections.max_connections < 1 ||
      options.connections.max_connections_per_client < 1)
    return PrintError("serve", "the limits must be positive"), kExitUsage;
  while (!options.public_url.empty() && options.public_url.back() == '/')
    options.public_url.pop_back();  // an Origin has no path
  if (!options.public_url.empty() && options.public_url.rfind("http://", 0) != 0 &&
      options.public_url.rfind("https://", 0) != 0)
    return PrintError("serve", "--public-url must start with http:// or https://"), kExitUsage;
  auto loaded = site.Load("serve");
  if (!loaded.ok()) return PrintError("serve", loaded.status().message()), kExitFailure;
  if ((*store)->Users().empty())
    PrintWarning("serve", "no users yet: create an admin with weir serve --create-admin NAME");
  if (!internal.empty()) {
    auto set = ParseCidrList(internal);
    if (!set.ok())
      return PrintError("serve", set.status().WithPrefix("--internal-ipblocks").message()),
             kExitUsage;
    options.ids.internal = std::move(*set);
  } else if (!options.ids.eve_files.empty()) {
    if (auto sensors = SensorConfig::Default(*loaded); sensors.ok())
      options.ids.internal = sensors->InternalNetworks();
  }
  options.root = site.Root();
  options.site = std::move(*loaded);
  options.tls_cert = tls_cert;
  options.tls_key = tls_key;
  options.ui_dir = ui_dir;
  options.limits.timeout_ms = static_cast<int64_t>(timeout_s * 1000);
  options.limits.memory_bytes = static_cast<size_t>(memory_mib * 1048576);
  options.limits.max_rows = max_rows;
  options.connections.request_timeout_ms = static_cast<int64_t>(request_timeout_s * 1000);
  options.token_ttl_ms = static_cast<int64_t>(token_days * 86'400'000);
  options.trusted_proxies = trusted_proxies;
  bool loopback =
      options.host == "localhost" || options.host == "::1" || options.host.rfind("127.", 0) == 0;
  if (!loopback && tls_cert.empty() && !options.secure_cookies)
    PrintWarning("serve", "listening on " + options.host +
                              " without TLS: passwords and sessions cross the network in the "
                              "clear; give --tls-cert and --tls-key, or put a TLS proxy in front "
                              "(and --secure-cookies)");

  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string scheme = tls_cert.empty() ? "http" : "https";
  std::string listen_host = options.host;
  web::WebServer server(std::move(options), std::move(*store));
  if (Status s = server.Bind(); !s.ok()) return PrintError("serve", s.message()), kExitFailure;
  std::string host =
      listen_host.find(':') != std::string::npos ? "[" + listen_host + "]" : listen_host;
  std::fprintf(stderr, "weir serve: listening on %s://%s:%d/\n", scheme.c_str(), host.c_str(),
               server.port());
  std::unique_ptr<MetricsServer> metrics;
  if (!metrics_listen.empty()) {
    auto started = MetricsServer::Start(metrics_listen,
                                        [&server] { return server.MetricsText(WEIR_VERSION); });
    if (!started.ok()) return PrintError("serve", started.status().message()), kExitFailure;
    metrics = std::move(*started);
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  Status ran = server.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if Run ended first
  waiter.join();
  if (!ran.ok()) return PrintError("serve", ran.message()), kExitFailure;
  std::fprintf(stderr, "weir serve: stopped\n");
  return kExitOk;
}

}  // namespace weir::cli
