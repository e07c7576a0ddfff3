#include "web/server.h"

#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <cinttypes>
#include <map>
#include <mutex>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "detect/status.h"
#include "net/host_port.h"
#include "net/ip_address.h"
#include "web/api_json.h"
#include "web/assets.h"
#include "web/auth.h"
#include "web/ids_view.h"
#include "web/running_queries.h"

namespace weir::web {

namespace {

constexpr const char* kCookie = "weir_session";

std::string_view MimeType(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

std::string CookieValue(const httplib::Request& req, std::string_view name) {
  std::string header = req.get_header_value("Cookie");
  for (auto part : Split(header, ';')) {
    part = Trim(part);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return "";
}

void SendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void SendError(httplib::Response& res, int status, std::string_view message) {
  std::string body = "{\"error\":";
  AppendJsonString(body, message);
  body += '}';
  SendJson(res, status, body);
}

// The HTTP status for a failed Status.
int HttpStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnsupported:
      return 422;
    default:
      return 500;
  }
}

bool IsAddressLiteral(std::string_view text) { return IpAddress::Parse(text).has_value(); }

// A login name as a limiter key: names longer than any user's are one key.
std::string NameKey(const std::string& name) { return name.size() <= 64 ? name : "(too long)"; }

}  // namespace

class WebServer::Impl {
 public:
  Impl(ServerOptions options, std::unique_ptr<WebStore> store)
      : options_(std::move(options)),
        store_(std::move(store)),
        user_limiter_({.free_failures = options_.login_failures,
                       .window_ms = options_.login_window_ms,
                       .max_delay_ms = options_.login_window_ms / 2}),
        address_limiter_({.free_failures = 10 * options_.login_failures,
                          .window_ms = options_.login_window_ms,
                          .max_delay_ms = options_.login_window_ms / 2}) {
    if (!options_.log)
      options_.log = [](std::string_view line) {
        std::string text = "weir serve: " + std::string(line) + "\n";
        std::fwrite(text.data(), 1, text.size(), stderr);
      };
    options_.connections.exempt_addresses = options_.trusted_proxies;
    server_ = MakeGuardedServer(options_.connections, options_.tls_cert, options_.tls_key);
    server_->set_payload_max_length(4 << 20);
    // Without TCP_NODELAY, headers and body written separately wait on the
    // client's delayed ACK: 40 ms added to every answer.
    server_->set_tcp_nodelay(true);
    // httplib compresses with Brotli at quality 11 whenever a browser accepts br:
    // about 40 ms for a 20 KB answer and seconds for a download. gzip costs a
    // hundredth of that, so a browser is offered gzip only. (The request is ours
    // to adjust before routing; httplib passes it as const.)
    server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
      auto& headers = const_cast<httplib::Headers&>(req.headers);
      auto it = headers.find("Accept-Encoding");
      if (it != headers.end())
        it->second = it->second.find("gzip") != std::string::npos ? "gzip" : "identity";
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // API answers and downloads are private to their user: no cache keeps them.
    server_->set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/api/", 0) == 0) res.set_header("Cache-Control", "no-store");
    });
    httplib::Headers headers{{"X-Content-Type-Options", "nosniff"},
                             {"X-Frame-Options", "DENY"},
                             {"Referrer-Policy", "no-referrer"},
                             {"Content-Security-Policy",
                              "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                              "base-uri 'none'; form-action 'self'"}};
    if (!options_.tls_cert.empty() || options_.secure_cookies)
      headers.emplace("Strict-Transport-Security", "max-age=31536000");
    server_->set_default_headers(std::move(headers));
    Routes();
  }

  Status Bind() {
    if (!server_->is_valid())
      return Status::Invalid("the TLS certificate or key could not be loaded (" +
                             options_.tls_cert + ", " + options_.tls_key + ")");
    if (options_.port == 0) {
      port_ = server_->bind_to_any_port(options_.host);
      if (port_ <= 0) return Status::IoError("cannot listen on " + options_.host);
    } else {
      if (!server_->bind_to_port(options_.host, options_.port))
        return Status::IoError("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + " (in use, or a privileged port?)");
      port_ = options_.port;
    }
    WidenListenQueue(*server_);
    return Status::Ok();
  }
  int port() const { return port_; }
  Status Run() {
    if (!server_->listen_after_bind()) return Status::IoError("the server stopped with an error");
    return Status::Ok();
  }
  void Stop() {
    queries_.CancelAll();
    server_->stop();
  }
  std::string MetricsText(std::string_view version) const {
    PrometheusText w;
    w.BuildInfo(version);
    queries_.AppendMetrics(w);
    return w.text();
  }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, Principal&)>;

  // Authenticates an /api/ request, checks CSRF for changes, catches everything.
  httplib::Server::Handler Api(Handler handler, bool admin_only = false) {
    return [this, handler, admin_only](const httplib::Request& req, httplib::Response& res) {
      try {
        auto principal = Authenticate(req);
        if (!principal) return SendError(res, 401, "log in first (or send an API token)");
        bool changes = req.method != "GET" && req.method != "HEAD";
        if (changes && !principal->via_token) {
          if (!SameSecret(req.get_header_value("X-CSRF-Token"), principal->csrf))
            return SendError(res, 403, "missing or wrong X-CSRF-Token header");
          if (!OriginAllowed(req)) return RefuseOrigin(res);
        }
        if (admin_only && principal->user.role != Role::kAdmin)
          return SendError(res, 403, "only an admin may do this");
        handler(req, res, *principal);
      } catch (const std::exception& e) {
        InternalError(res, req.method + " " + req.path + ": " + e.what());
      }
    };
  }

  // The detail goes to the log; the user learns that it is there.
  void InternalError(httplib::Response& res, const std::string& detail) {
    options_.log("internal error: " + detail);
    SendError(res, 500, "internal error (the server's log has the detail)");
  }

  // What a failed query tells its user: the server's own failures (500) go to the
  // log and the user learns that they are there; the rest, without server paths.
  std::string PublicMessage(const Status& status) {
    if (HttpStatus(status) != 500) return WithoutServerPaths(status.message(), options_.root);
    options_.log("internal error: " + status.message());
    return "internal error (the server's log has the detail)";
  }

  void SendQueryError(httplib::Response& res, const Status& status, QueryControl& control) {
    if (control.reason() == StopReason::kCancelled) return SendError(res, 409, control.Explain());
    SendError(res, HttpStatus(status), PublicMessage(status));
  }

  // The client's address: the connection's, or, from a trusted proxy, the last
  // address in X-Forwarded-For that is not itself a trusted proxy.
  std::string ClientAddress(const httplib::Request& req) const {
    auto trusted = [&](std::string_view a) {
      for (const auto& p : options_.trusted_proxies)
        if (p == a) return true;
      return false;
    };
    if (!trusted(req.remote_addr)) return req.remote_addr;
    std::string forwarded = req.get_header_value("X-Forwarded-For");
    auto hops = Split(forwarded, ',');
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      std::string hop(Trim(*it));
      if (hop.empty() || trusted(hop)) continue;
      return IsAddressLiteral(hop) ? hop : req.remote_addr;
    }
    return req.remote_addr;
  }

  void Audit(const std::string& actor, const httplib::Request& req, const std::string& action,
             const std::string& detail = "") {
    std::string address = ClientAddress(req);
    store_->Audit(NowMillis(), actor, address, action, detail);
    options_.log("audit: " + action + " by " + (actor.empty() ? "-" : actor) + " from " + address +
                 (detail.empty() ? "" : " (" + detail + ")"));
  }

  std::optional<Principal> Authenticate(const httplib::Request& req) {
    int64_t now = NowMillis();
    std::string auth = req.get_header_value("Authorization");
    if (auth.size() > 7 && StartsWithIgnoreCase(auth, "Bearer "))
      return store_->FindToken(std::string(Trim(std::string_view(auth).substr(7))), now);
    return store_->FindSession(CookieValue(req, kCookie), now);
  }

  // The browser's Origin, when it sends one, must be this server: the configured
  // public URL, or else an address literal or localhost at this server's port and
  // scheme. The client's Host header is not trusted for this: under DNS rebinding
  // an attacker's name points at this server and Host and Origin agree.
  bool OriginAllowed(const httplib::Request& req) const {
    std::string origin = req.get_header_value("Origin");
    if (origin.empty()) return true;  // not a browser's cross-site request
    if (!options_.public_url.empty()) return origin == options_.public_url;
    std::string scheme = options_.tls_cert.empty() ? "http://" : "https://";
    if (origin.rfind(scheme, 0) != 0) return false;
    std::string host_port = origin.substr(scheme.size());
    auto parsed = ParseHostPort(host_port);
    if (!parsed.ok())  // an Origin leaves the scheme's default port out
      parsed = ParseHostPort(host_port + (options_.tls_cert.empty() ? ":80" : ":443"));
    return parsed.ok() && parsed->port == port_ &&
           (parsed->host == "localhost" || IsAddressLiteral(parsed->host));
  }

  void RefuseOrigin(httplib::Response& res) const {
    SendError(res, 403,
              options_.public_url.empty()
                  ? "cross-origin request refused (reaching weir by a host name? start weir "
                    "serve with --public-url=SCHEME://NAME:PORT)"
                  : "cross-origin request refused (this server is " + options_.public_url + ")");
  }

  std::string SessionCookie(const std::string& token, int64_t max_age_s) const {
    std::string c = std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict";
    c += "; Max-Age=" + std::to_string(max_age_s);
    if (options_.secure_cookies || !options_.tls_cert.empty()) c += "; Secure";
    return c;
  }

  void Routes();
  void StaticFiles();
  void Login(const httplib::Request& req, httplib::Response& res);
  void Query(const httplib::Request& req, httplib::Response& res, Principal& who);
  void Download(const httplib::Request& req, httplib::Response& res, Principal& who);
  void Overview(const httplib::Request& req, httplib::Response& res, Principal& who);
  void Ids(const httplib::Request& req, httplib::Response& res, Principal& who);
  void SiteInfo(httplib::Response& res);
  void Documents(DocumentKind kind, const std::string& base);
  void Users();
  void Tokens();
  // 429 with Retry-After.
  static void TooMany(httplib::Response& res, int64_t wait_ms) {
    int64_t seconds = (wait_ms + 999) / 1000;
    res.set_header("Retry-After", std::to_string(seconds));
    SendError(res, 429, "too many failed attempts; try again in " + std::to_string(seconds) + " s");
  }

  using Ticket = RunningQueries::Ticket;
  Ticket Start(const std::string& client_id, const Principal& who, std::string_view view) {
    return queries_.Start(client_id, who.user.name, view);
  }
  // Plans a registered query under its control (so planning is listed, timed and
  // cancellable); GET /api/queries then shows the planned filter.
  Result<QueryPlan> Plan(const QueryRequest& request, int64_t now_ms, const Ticket& ticket) {
    auto plan = PlanQuery(request, options_.site, options_.root, now_ms, *ticket.control);
    if (plan.ok()) queries_.Describe(ticket, plan->description);
    return plan;
  }
  ServerOptions options_;
  // Before the server: a download's ticket may outlive the handler, never this.
  RunningQueries queries_{options_.limits, options_.max_queries_per_user};
  std::unique_ptr<WebStore> store_;
  LoginLimiter user_limiter_;     // "USER@ADDRESS", and "password USER@ADDRESS"
  LoginLimiter address_limiter_;  // ADDRESS
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
};

void WebServer::Impl::Routes() {
  auto& s = *server_;
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  s.Post("/api/login",
         [this](const httplib::Request& req, httplib::Response& res) { Login(req, res); });
  s.Post("/api/logout",
         Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
           store_->DeleteSession(CookieValue(req, kCookie));
           Audit(who.user.name, req, "logout");
           res.set_header("Set-Cookie", SessionCookie("", 0));
           SendJson(res, 200, "{\"ok\":true}");
         }));
  s.Get("/api/session", Api([](const httplib::Request&, httplib::Response& res, Principal& who) {
          SendJson(res, 200, SessionJson(who));
        }));
  s.Put("/api/me/password",
        Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
          JsonBody body(req.body);
          if (!body.ok()) return SendError(res, 400, body.error());
          if (who.via_token)
            return SendError(res, 403, "change passwords from a logged-in session");
          // The old password is guessed like a login's: the same back-off.
          std::string key = "password " + who.user.name + "@" + ClientAddress(req);
          if (int64_t wait = user_limiter_.Begin(key, NowMillis())) return TooMany(res, wait);
          if (!store_->CheckPassword(who.user.name, body.String("old")).ok()) {
            Audit(who.user.name, req, "password-change-failed");
            return SendError(res, 403, "the current password is wrong");
          }
          user_limiter_.Succeeded(key);
          bool revoke = body.Bool("revoke_tokens");
          Status st = store_->SetPassword(who.user.name, body.String("new"), revoke);
          if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
          Audit(who.user.name, req, "password-change", revoke ? "API tokens revoked" : "");
          res.set_header("Set-Cookie", SessionCookie("", 0));
          SendJson(res, 200, "{\"ok\":true}");
        }));
  s.Get("/api/site", Api([this](const httplib::Request&, httplib::Response& res, Principal&) {
          SiteInfo(res);
        }));
  s.Post("/api/query", Api([this](const httplib::Request& req, httplib::Response& res,
                                  Principal& who) { Query(req, res, who); }));
  s.Get("/api/download", Api([this](const httplib::Request& req, httplib::Response& res,
                                    Principal& who) { Download(req, res, who); }));
  s.Get("/api/overview", Api([this](const httplib::Request& req, httplib::Response& res,
                                    Principal& who) { Overview(req, res, who); }));
  s.Get("/api/detect", Api([this](const httplib::Request& req, httplib::Response& res, Principal&) {
          const auto limit = ParseUint(req.get_param_value("limit"), 100000);
          SendJson(res, 200, DetectionJson(options_.root, limit.value_or(200)));
        }));
  s.Get("/api/ids", Api([this](const httplib::Request& req, httplib::Response& res,
                               Principal& who) { Ids(req, res, who); }));
  s.Get("/api/queries",
        Api([this](const httplib::Request&, httplib::Response& res, Principal& who) {
          SendJson(res, 200,
                   RunningJson(queries_.List(who.user.name, who.user.role == Role::kAdmin)));
        }));
  s.Delete(R"(/api/queries/([A-Za-z0-9_.:-]{1,64}))",
           Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
             std::string id = req.matches[1];
             if (!queries_.Cancel(id, who.user.name, who.user.role == Role::kAdmin))
               return SendError(res, 404, "no running query '" + id + "' of yours");
             SendJson(res, 200, "{\"cancelled\":true}");
           }));
  Documents(DocumentKind::kQuery, "/api/saved");
  Documents(DocumentKind::kDashboard, "/api/dashboards");
  Users();
  Tokens();
  s.Get("/api/audit", Api(
                          [this](const httplib::Request& req, httplib::Response& res, Principal&) {
                            size_t limit = 200;
                            if (req.has_param("limit")) {
                              auto n = ParseUint(req.get_param_value("limit"), 10'000);
                              if (!n || *n == 0)
                                return SendError(res, 400, "limit must be from 1 to 10000");
                              limit = static_cast<size_t>(*n);
                            }
                            SendJson(res, 200, AuditJson(store_->AuditLog(limit)));
                          },
                          /*admin_only=*/true));
  // Anything else under /api/ is unknown, but only logged-in users learn that.
  for (auto method : {"GET", "POST", "PUT", "DELETE"}) {
    auto missing = Api([](const httplib::Request&, httplib::Response& res, Principal&) {
      SendError(res, 404, "no such API endpoint (see doc/web.md)");
    });
    std::string m = method;
    if (m == "GET") s.Get("/api/.*", missing);
    if (m == "POST") s.Post("/api/.*", missing);
    if (m == "PUT") s.Put("/api/.*", missing);
    if (m == "DELETE") s.Delete("/api/.*", missing);
  }
  StaticFiles();
}

void WebServer::Impl::StaticFiles() {
  server_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path.substr(1);
    bool is_asset = path.rfind("assets/", 0) == 0;
    if (!is_asset) path = "index.html";  // the UI routes in the browser
    // Asset names are Vite's: letters, digits, '-', '_', '.' and '/'. Anything
    // else (a NUL that cuts the name short, "..") is not one of ours.
    bool plain = path.find("..") == std::string::npos;
    for (char c : path)
      plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                        c == '.' || c == '/');
    if (!plain) return SendError(res, 404, "not found");
    if (!options_.ui_dir.empty()) {
      auto text = ReadFileToString(options_.ui_dir + "/" + path);
      if (!text.ok()) return SendError(res, 404, "not found");
      res.set_content(*text, std::string(MimeType(path)));
    } else {
      const EmbeddedFile* found = nullptr;
      for (const auto& f : EmbeddedFiles())
        if (f.path == path) found = &f;
      if (!found) {
        if (is_asset) return SendError(res, 404, "not found");
        res.set_content(
            "<!doctype html><title>weir</title><p>This weir was built without its web UI. "
            "Build it with <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code> and "
            "rebuild weir (./setup.sh does both), or pass --ui-dir. The API under /api/ works.",
            "text/html; charset=utf-8");
        return;
      }
      res.set_content(reinterpret_cast<const char*>(found->data), found->size,
                      std::string(MimeType(path)));
    }
    // Hashed asset names never change content; the page itself is always fresh.
    res.set_header("Cache-Control", is_asset ? "public, max-age=31536000, immutable" : "no-cache");
  });
}

void WebServer::Impl::Login(const httplib::Request& req, httplib::Response& res) {
  try {
    // A login form on another site must not log a browser in (login CSRF).
    if (!OriginAllowed(req)) return RefuseOrigin(res);
    JsonBody body(req.body);
    if (!body.ok()) return SendError(res, 400, body.error());
    std::string name = body.String("user");
    int64_t now = NowMillis();
    // Counted before the password is checked, so parallel guesses cannot pass the
    // limit together; per user at an address, so that nobody can lock the owner out.
    std::string address = ClientAddress(req), user_key = NameKey(name) + "@" + address;
    if (int64_t wait = address_limiter_.Begin(address, now)) return TooMany(res, wait);
    if (int64_t wait = user_limiter_.Begin(user_key, now)) return TooMany(res, wait);
    auto user = store_->CheckPassword(name, body.String("password"));
    if (!user.ok()) {
      Audit(NameKey(name), req, "login-failed");
      return SendError(res, 401, user.status().message());
    }
    user_limiter_.Succeeded(user_key);
    address_limiter_.Forgive(address);
    auto session = store_->CreateSession(*user, now, options_.session_ttl_ms);
    if (!session.ok()) return InternalError(res, session.status().message());
    Audit(user->name, req, "login");
    res.set_header("Set-Cookie", SessionCookie(session->token, options_.session_ttl_ms / 1000));
    SendJson(res, 200, SessionJson({*user, session->csrf, false}));
  } catch (const std::exception& e) {
    InternalError(res, std::string("login: ") + e.what());
  }
}

void WebServer::Impl::Query(const httplib::Request& req, httplib::Response& res, Principal& who) {
  int64_t now = NowMillis();
  auto request = ParseQueryRequest(req.body, now);
  if (!request.ok()) return SendError(res, 400, request.status().message());
  // Registered before planning: a plan is listed, cancellable and timed like a scan.
  Ticket ticket = Start(request->id, who, ViewName(request->view));
  if (!ticket.control)
    return SendError(res, 429,
                     "you have " + std::to_string(options_.max_queries_per_user) +
                         " queries running already; wait for one or cancel it");
  const std::shared_ptr<QueryControl> held = ticket.control;  // outlives the ticket
  QueryControl& control = *held;
  auto plan = Plan(*request, now, ticket);
  auto answer = plan.ok() ? RunQuery(*request, *plan, options_.site, control)
                          : Result<std::string>(plan.status());
  ticket = {};  // off the list before the answer goes out
  if (!answer.ok()) return SendQueryError(res, answer.status(), control);
  SendJson(res, 200, *answer);
}

void WebServer::Impl::Download(const httplib::Request& req, httplib::Response& res,
                               Principal& who) {
  int64_t now = NowMillis();
  auto request = ParseQueryRequest(req.get_param_value("q"), now);
  if (!request.ok()) return SendError(res, 400, request.status().message());
  std::string format_name = req.has_param("format") ? req.get_param_value("format") : "csv";
  auto format = ParseOutputFormat(format_name);
  if (!format.ok() || *format == OutputFormat::kText)
    return SendError(res, 400, "format must be csv or json");
  if (request->view == View::kSummary)
    return SendError(res, 400, "the summary view has nothing to download");
  Ticket ticket = Start(request->id, who, ViewName(request->view));
  auto control = ticket.control;
  if (!control) return SendError(res, 429, "too many queries running; wait for one or cancel it");
  auto plan = Plan(*request, now, ticket);
  if (!plan.ok()) return SendQueryError(res, plan.status(), *control);
  // A download may take as long as it needs to stream; its scan is still bounded.
  std::string file = "weir-" + std::string(ViewName(request->view)) + "-" +
                     FormatTime(now, TimeFormat::kEpoch) +
                     (*format == OutputFormat::kCsv ? ".csv" : ".json");
  res.set_header("Content-Disposition", "attachment; filename=\"" + file + "\"");
  auto shared_request = std::make_shared<QueryRequest>(std::move(*request));
  auto shared_plan = std::make_shared<QueryPlan>(std::move(*plan));
  OutputFormat fmt = *format;
  res.set_chunked_content_provider(
      fmt == OutputFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson",
      [this, shared_request, shared_plan, control, fmt, registration = ticket.registration](
          size_t, httplib::DataSink& sink) {
        Status st =
            StreamQuery(*shared_request, *shared_plan, options_.site, fmt, *control,
                        [&](std::string_view chunk) {
                          return sink.is_writable() && sink.write(chunk.data(), chunk.size());
                        });
        if (!st.ok()) {
          // The status line is gone; end the body with the reason, then the stream.
          std::string line = "\n# weir: download stopped: " + PublicMessage(st) + "\n";
          sink.write(line.data(), line.size());
        }
        sink.done();
        return true;
      });  // the registration goes with the provider, when the download ends
}

void WebServer::Impl::Overview(const httplib::Request& req, httplib::Response& res,
                               Principal& who) {
  int64_t now = NowMillis();
  int64_t minutes = 15;
  if (req.has_param("minutes")) {
    auto m = ParseUint(req.get_param_value("minutes"), 7 * 24 * 60);
    if (!m || *m == 0) return SendError(res, 400, "minutes must be from 1 to 10080");
    minutes = static_cast<int64_t>(*m);
  }
  int64_t end = now + 1;
  if (req.has_param("end")) {
    auto t = ParseTime(req.get_param_value("end"));
    if (!t.ok()) return SendError(res, 400, "end: " + t.status().message());
    end = t->ms;
  }
  QueryRequest request;
  request.view = View::kSummary;
  request.end_ms = end;
  request.start_ms = end - minutes * 60'000;
  request.flowtypes = "all/all";
  Ticket ticket = Start("", who, "overview");
  if (!ticket.control) return SendError(res, 429, "too many queries running; wait for one");
  auto plan = Plan(request, now, ticket);
  auto control = ticket.control;
  auto answer = plan.ok()
                    ? RunOverview(*plan, options_.site, *control, request.start_ms, request.end_ms)
                    : Result<std::string>(plan.status());
  ticket = {};  // off the list before the answer goes out
  if (!answer.ok()) return SendQueryError(res, answer.status(), *control);
  SendJson(res, 200, *answer);
}

// The alerts of the last `hours` (24) before `end` (now), at most `limit` (200),
// newest first, each with its flows (doc/web.md, doc/ids.md).
void WebServer::Impl::Ids(const httplib::Request& req, httplib::Response& res, Principal& who) {
  const auto hours = ParseUint(req.get_param_value("hours"), 24 * 366);
  const auto limit = ParseUint(req.get_param_value("limit"), 5000);
  if ((req.has_param("hours") && (!hours || *hours == 0)) ||
      (req.has_param("limit") && (!limit || *limit == 0)))
    return SendError(res, 400, "hours must be from 1 to 8784, limit from 1 to 5000");
  int64_t end = NowMillis() + 1;
  if (req.has_param("end")) {
    auto t = ParseTime(req.get_param_value("end"));
    if (!t.ok()) return SendError(res, 400, "end: " + t.status().message());
    end = t->ms;
  }
  Ticket ticket = Start("", who, "ids");
  if (!ticket.control) return SendError(res, 429, "too many queries running; wait for one");
  auto answer = IdsJson(options_.ids, options_.root, options_.site,
                        end - static_cast<int64_t>(hours.value_or(24)) * kMillisPerHour, end,
                        limit.value_or(200), options_.limits.threads);
  ticket = {};
  if (!answer.ok()) return InternalError(res, "ids: " + answer.status().message());
  SendJson(res, 200, *answer);
}

void WebServer::Impl::SiteInfo(httplib::Response& res) {
  SendJson(res, 200, SiteJson(options_.site, options_.limits));
}

void WebServer::Impl::Documents(DocumentKind kind, const std::string& base) {
  auto& s = *server_;
  bool is_query = kind == DocumentKind::kQuery;
  s.Get(base, Api([this, kind](const httplib::Request&, httplib::Response& res, Principal& who) {
          SendJson(res, 200, DocumentsJson(kind, store_->Documents(kind, who.user)));
        }));
  s.Get(base + R"(/(\d{1,18}))",
        Api([this, kind](const httplib::Request& req, httplib::Response& res, Principal& who) {
          auto doc = store_->FindDocument(kind, std::stoll(req.matches[1]), who.user);
          if (!doc) return SendError(res, 404, "no such document");
          SendJson(res, 200, DocumentJson(kind, *doc));
        }));
  auto save = [this, kind, is_query](const httplib::Request& req, httplib::Response& res,
                                     Principal& who) {
    JsonBody body(req.body);
    if (!body.ok()) return SendError(res, 400, body.error());
    Document doc;
    doc.owner = who.user.name;
    doc.owner_id = who.user.id;
    doc.name = body.String("name");
    doc.shared = body.Bool("shared");
    doc.body = body.Raw(is_query ? "query" : "layout");
    if (doc.body.empty())
      return SendError(res, 400, is_query ? "\"query\" is required" : "\"layout\" is required");
    if (is_query) {
      auto parsed = ParseQueryRequest(doc.body, NowMillis());
      if (!parsed.ok()) return SendError(res, 400, parsed.status().message());
    }
    if (req.matches.size() > 1) doc.id = std::stoll(req.matches[1]);
    auto saved = store_->SaveDocument(kind, doc, NowMillis());
    if (!saved.ok()) return SendError(res, HttpStatus(saved.status()), saved.status().message());
    SendJson(res, doc.id ? 200 : 201, DocumentJson(kind, *saved));
  };
  s.Post(base, Api(save));
  s.Put(base + R"(/(\d{1,18}))", Api(save));
  s.Delete(base + R"(/(\d{1,18}))",
           Api([this, kind](const httplib::Request& req, httplib::Response& res, Principal& who) {
             Status st = store_->DeleteDocument(kind, std::stoll(req.matches[1]), who.user);
             if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
             SendJson(res, 200, "{\"ok\":true}");
           }));
}

void WebServer::Impl::Users() {
  auto& s = *server_;
  s.Get("/api/users", Api([this](const httplib::Request&, httplib::Response& res,
                                 Principal&) { SendJson(res, 200, UsersJson(store_->Users())); },
                          /*admin_only=*/true));
  s.Post("/api/users",
         Api(
             [this](const httplib::Request& req, httplib::Response& res, Principal& who) {
               JsonBody body(req.body);
               if (!body.ok()) return SendError(res, 400, body.error());
               auto role = ParseRole(body.String("role", "analyst"));
               if (!role.ok()) return SendError(res, 400, role.status().message());
               auto user = store_->CreateUser(body.String("name"), body.String("password"), *role);
               if (!user.ok())
                 return SendError(res, HttpStatus(user.status()), user.status().message());
               Audit(who.user.name, req, "user-create",
                     user->name + " (" + std::string(RoleName(user->role)) + ")");
               SendJson(res, 201, UsersJson({*user}));
             },
             true));
  s.Put(R"(/api/users/([A-Za-z0-9._@-]{1,64}))",
        Api(
            [this](const httplib::Request& req, httplib::Response& res, Principal& who) {
              JsonBody body(req.body);
              if (!body.ok()) return SendError(res, 400, body.error());
              std::string name = req.matches[1];
              if (body.Has("role")) {
                auto role = ParseRole(body.String("role"));
                if (!role.ok()) return SendError(res, 400, role.status().message());
                if (Status st = store_->SetRole(name, *role); !st.ok())
                  return SendError(res, HttpStatus(st), st.message());
                Audit(who.user.name, req, "user-role", name + " " + body.String("role"));
              }
              // A reset by an admin: whoever knew the old password may hold a token too.
              if (body.Has("password")) {
                Status st =
                    store_->SetPassword(name, body.String("password"), /*revoke_tokens=*/true);
                if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
                Audit(who.user.name, req, "password-reset", name + "; API tokens revoked");
              }
              SendJson(res, 200, "{\"ok\":true}");
            },
            true));
  s.Delete(R"(/api/users/([A-Za-z0-9._@-]{1,64}))",
           Api(
               [this](const httplib::Request& req, httplib::Response& res, Principal& who) {
                 Status st = store_->DeleteUser(req.matches[1]);
                 if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
                 Audit(who.user.name, req, "user-delete", req.matches[1]);
                 SendJson(res, 200, "{\"ok\":true}");
               },
               true));
}

// Users manage their own tokens from a logged-in session (a token cannot mint
// another); admins list and revoke anyone's (?user=NAME, or ?user=* to list all).
void WebServer::Impl::Tokens() {
  auto& s = *server_;
  // The user a token request is about: the caller, or, for an admin, ?user=.
  auto subject = [this](const httplib::Request& req, const Principal& who,
                        httplib::Response& res) -> std::optional<User> {
    if (!req.has_param("user") || req.get_param_value("user") == who.user.name) return who.user;
    if (who.user.role != Role::kAdmin) {
      SendError(res, 403, "only an admin may see or revoke another user's tokens");
      return std::nullopt;
    }
    auto user = store_->FindUser(req.get_param_value("user"));
    if (!user) SendError(res, 404, "no user '" + req.get_param_value("user") + "'");
    return user;
  };
  s.Get("/api/tokens",
        Api([this, subject](const httplib::Request& req, httplib::Response& res, Principal& who) {
          if (req.get_param_value("user") == "*") {
            if (who.user.role != Role::kAdmin)
              return SendError(res, 403, "only an admin may list every user's tokens");
            return SendJson(res, 200, TokensJson(store_->AllTokens()));
          }
          if (auto user = subject(req, who, res))
            SendJson(res, 200, TokensJson(store_->Tokens(*user)));
        }));
  s.Post("/api/tokens",
         Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
           if (who.via_token)
             return SendError(res, 403,
                              "an API token cannot create tokens; create them from a logged-in "
                              "session");
           JsonBody body(req.body);
           if (!body.ok()) return SendError(res, 400, body.error());
           int64_t ttl = options_.token_ttl_ms;
           if (body.Has("days")) {
             auto days = body.Uint("days", 3650);
             if (!days || *days == 0) return SendError(res, 400, "days must be from 1 to 3650");
             ttl = static_cast<int64_t>(*days) * 86'400'000;
           }
           auto token = store_->CreateToken(who.user, body.String("name"), NowMillis(), ttl);
           if (!token.ok())
             return SendError(res, HttpStatus(token.status()), token.status().message());
           Audit(who.user.name, req, "token-create", body.String("name"));
           std::string out = "{\"token\":";
           AppendJsonString(out, *token);
           out += ",\"expires\":" + std::to_string(NowMillis() + ttl);
           SendJson(res, 201, out + "}");
         }));
  s.Delete(
      R"(/api/tokens/(\d{1,18}))",
      Api([this, subject](const httplib::Request& req, httplib::Response& res, Principal& who) {
        auto user = subject(req, who, res);
        if (!user) return;
        Status st = store_->DeleteToken(*user, std::stoll(req.matches[1]));
        if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
        Audit(who.user.name, req, "token-revoke", user->name + " #" + std::string(req.matches[1]));
        SendJson(res, 200, "{\"ok\":true}");
      }));
}

WebServer::WebServer(ServerOptions options, std::unique_ptr<WebStore> store)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(store))) {}
WebServer::~WebServer() = default;
Status WebServer::Bind() { return impl_->Bind(); }
int WebServer::port() const { return impl_->port(); }
Status WebServer::Run() { return impl_->Run(); }
void WebServer::Stop() { impl_->Stop(); }
std::string WebServer::MetricsText(std::string_view version) const {
  return impl_->MetricsText(version);
}

}  // namespace weir::web
