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
#include "web/api_json.h"
#include "web/assets.h"
#include "web/auth.h"

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

// A query in progress, for listing and cancelling.
struct Running {
  std::string id, user, view, filter;  // id: the client's name for it
  int64_t started_ms = 0;
  std::shared_ptr<QueryControl> control;
};

}  // namespace

class WebServer::Impl {
 public:
  Impl(ServerOptions options, std::unique_ptr<WebStore> store)
      : options_(std::move(options)),
        store_(std::move(store)),
        limiter_(options_.login_failures, options_.login_window_ms) {
    if (!options_.tls_cert.empty())
      server_ =
          std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
    else
      server_ = std::make_unique<httplib::Server>();
    int threads = options_.threads;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
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
    server_->set_keep_alive_max_count(1000);
    server_->set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                  {"X-Frame-Options", "DENY"},
                                  {"Referrer-Policy", "no-referrer"},
                                  {"Content-Security-Policy",
                                   "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                   "img-src 'self' data:; frame-ancestors 'none'"}});
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
    return Status::Ok();
  }
  int port() const { return port_; }
  Status Run() {
    if (!server_->listen_after_bind()) return Status::IoError("the server stopped with an error");
    return Status::Ok();
  }
  void Stop() {
    {
      std::lock_guard lock(running_mutex_);
      for (auto& [id, r] : running_) r.control->Cancel();
    }
    server_->stop();
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
          if (!SameOrigin(req)) return SendError(res, 403, "cross-origin request refused");
        }
        if (admin_only && principal->user.role != Role::kAdmin)
          return SendError(res, 403, "only an admin may do this");
        handler(req, res, *principal);
      } catch (const std::exception& e) {
        SendError(res, 500, std::string("internal error: ") + e.what());
      }
    };
  }

  std::optional<Principal> Authenticate(const httplib::Request& req) {
    int64_t now = NowMillis();
    std::string auth = req.get_header_value("Authorization");
    if (auth.size() > 7 && StartsWithIgnoreCase(auth, "Bearer "))
      return store_->FindToken(std::string(Trim(std::string_view(auth).substr(7))), now);
    return store_->FindSession(CookieValue(req, kCookie), now);
  }

  // The browser's Origin, when it sends one, must be this server.
  static bool SameOrigin(const httplib::Request& req) {
    std::string origin = req.get_header_value("Origin");
    if (origin.empty() || origin == "null") return origin.empty();
    std::string host = req.get_header_value("Host");
    auto scheme_end = origin.find("://");
    return scheme_end != std::string::npos && origin.substr(scheme_end + 3) == host;
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
  void SiteInfo(httplib::Response& res);
  void Documents(DocumentKind kind, const std::string& base);
  void Users();

  // A registered query: its serial number (for Finish) and its control.
  struct Ticket {
    uint64_t serial = 0;
    std::shared_ptr<QueryControl> control;  // null: the user runs too many already
  };
  Ticket Start(const std::string& client_id, const Principal& who, std::string_view view,
               const std::string& filter) {
    std::lock_guard lock(running_mutex_);
    int mine = 0;
    for (auto& [serial, r] : running_) mine += r.user == who.user.name;
    if (mine >= options_.max_queries_per_user) return {};
    Ticket t{++query_counter_, std::make_shared<QueryControl>(options_.limits, NowMillis())};
    std::string id = client_id.empty() ? "q" + std::to_string(t.serial) : client_id;
    running_[t.serial] = {id, who.user.name, std::string(view), filter, NowMillis(), t.control};
    return t;
  }
  void Finish(uint64_t serial) {
    std::lock_guard lock(running_mutex_);
    running_.erase(serial);
  }

  ServerOptions options_;
  std::unique_ptr<WebStore> store_;
  LoginLimiter limiter_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::mutex running_mutex_;
  std::map<uint64_t, Running> running_;
  uint64_t query_counter_ = 0;  // under running_mutex_
};

void WebServer::Impl::Routes() {
  auto& s = *server_;
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  s.Post("/api/login",
         [this](const httplib::Request& req, httplib::Response& res) { Login(req, res); });
  s.Post("/api/logout",
         Api([this](const httplib::Request& req, httplib::Response& res, Principal&) {
           store_->DeleteSession(CookieValue(req, kCookie));
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
          if (!store_->CheckPassword(who.user.name, body.String("old")).ok())
            return SendError(res, 403, "the current password is wrong");
          Status st = store_->SetPassword(who.user.name, body.String("new"));
          if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
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
  s.Get("/api/queries",
        Api([this](const httplib::Request&, httplib::Response& res, Principal& who) {
          std::lock_guard lock(running_mutex_);
          std::vector<RunningQueryInfo> list;
          for (auto& [serial, r] : running_)
            if (r.user == who.user.name || who.user.role == Role::kAdmin)
              list.push_back({r.id, r.user, r.view, r.filter, r.started_ms});
          SendJson(res, 200, RunningJson(list));
        }));
  s.Delete(R"(/api/queries/([A-Za-z0-9_.:-]{1,64}))",
           Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
             std::lock_guard lock(running_mutex_);
             std::string id = req.matches[1];
             bool found = false;
             for (auto& [serial, r] : running_)
               if (r.id == id && (r.user == who.user.name || who.user.role == Role::kAdmin)) {
                 r.control->Cancel();
                 found = true;
               }
             if (!found) return SendError(res, 404, "no running query '" + id + "' of yours");
             SendJson(res, 200, "{\"cancelled\":true}");
           }));
  Documents(DocumentKind::kQuery, "/api/saved");
  Documents(DocumentKind::kDashboard, "/api/dashboards");
  Users();
  s.Get("/api/tokens", Api([this](const httplib::Request&, httplib::Response& res, Principal& who) {
          SendJson(res, 200, TokensJson(store_->Tokens(who.user)));
        }));
  s.Post("/api/tokens",
         Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
           JsonBody body(req.body);
           if (!body.ok()) return SendError(res, 400, body.error());
           auto token = store_->CreateToken(who.user, body.String("name"), NowMillis());
           if (!token.ok())
             return SendError(res, HttpStatus(token.status()), token.status().message());
           std::string out = "{\"token\":";
           AppendJsonString(out, *token);
           SendJson(res, 201, out + "}");
         }));
  s.Delete(R"(/api/tokens/(\d{1,18}))",
           Api([this](const httplib::Request& req, httplib::Response& res, Principal& who) {
             Status st = store_->DeleteToken(who.user, std::stoll(req.matches[1]));
             if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
             SendJson(res, 200, "{\"ok\":true}");
           }));
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
    if (path.find("..") != std::string::npos) return SendError(res, 404, "not found");
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
    if (!SameOrigin(req)) return SendError(res, 403, "cross-origin login refused");
    JsonBody body(req.body);
    if (!body.ok()) return SendError(res, 400, body.error());
    std::string name = body.String("user");
    int64_t now = NowMillis();
    std::string client_key = "addr:" + req.remote_addr, user_key = "user:" + name;
    int64_t wait =
        std::max(limiter_.RetryAfter(client_key, now), limiter_.RetryAfter(user_key, now));
    if (wait > 0) {
      res.set_header("Retry-After", std::to_string((wait + 999) / 1000));
      return SendError(
          res, 429,
          "too many failed logins; try again in " + std::to_string((wait + 999) / 1000) + " s");
    }
    auto user = store_->CheckPassword(name, body.String("password"));
    if (!user.ok()) {
      limiter_.Failed(client_key, now);
      limiter_.Failed(user_key, now);
      return SendError(res, 401, user.status().message());
    }
    limiter_.Succeeded(user_key);
    limiter_.Succeeded(client_key);
    auto session = store_->CreateSession(*user, now, options_.session_ttl_ms);
    if (!session.ok()) return SendError(res, 500, session.status().message());
    res.set_header("Set-Cookie", SessionCookie(session->token, options_.session_ttl_ms / 1000));
    SendJson(res, 200, SessionJson({*user, session->csrf, false}));
  } catch (const std::exception& e) {
    SendError(res, 500, std::string("internal error: ") + e.what());
  }
}

void WebServer::Impl::Query(const httplib::Request& req, httplib::Response& res, Principal& who) {
  int64_t now = NowMillis();
  auto request = ParseQueryRequest(req.body, now);
  if (!request.ok()) return SendError(res, 400, request.status().message());
  auto plan = PlanQuery(*request, options_.site, options_.root, now);
  if (!plan.ok()) return SendError(res, 400, plan.status().message());
  Ticket ticket = Start(request->id, who, ViewName(request->view), plan->description);
  auto& control = ticket.control;
  if (!control)
    return SendError(res, 429,
                     "you have " + std::to_string(options_.max_queries_per_user) +
                         " queries running already; wait for one or cancel it");
  auto answer = RunQuery(*request, *plan, options_.site, *control);
  Finish(ticket.serial);
  if (!answer.ok()) {
    int status = control->reason() == StopReason::kCancelled ? 409 : HttpStatus(answer.status());
    return SendError(res, status, answer.status().message());
  }
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
  auto plan = PlanQuery(*request, options_.site, options_.root, now);
  if (!plan.ok()) return SendError(res, 400, plan.status().message());
  Ticket ticket = Start(request->id, who, ViewName(request->view), plan->description);
  auto control = ticket.control;
  if (!control) return SendError(res, 429, "too many queries running; wait for one or cancel it");
  uint64_t serial = ticket.serial;
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
      [this, shared_request, shared_plan, control, fmt](size_t, httplib::DataSink& sink) {
        Status st =
            StreamQuery(*shared_request, *shared_plan, options_.site, fmt, *control,
                        [&](std::string_view chunk) {
                          return sink.is_writable() && sink.write(chunk.data(), chunk.size());
                        });
        if (!st.ok()) {
          // The status line is gone; end the body with the reason, then the stream.
          std::string line = "\n# weir: download stopped: " + st.message() + "\n";
          sink.write(line.data(), line.size());
        }
        sink.done();
        return true;
      },
      [this, serial](bool) { Finish(serial); });
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
  auto plan = PlanQuery(request, options_.site, options_.root, now);
  if (!plan.ok()) return SendError(res, 400, plan.status().message());
  Ticket ticket = Start("", who, "overview", plan->description);
  if (!ticket.control) return SendError(res, 429, "too many queries running; wait for one");
  auto answer =
      RunOverview(*plan, options_.site, *ticket.control, request.start_ms, request.end_ms);
  Finish(ticket.serial);
  if (!answer.ok()) return SendError(res, HttpStatus(answer.status()), answer.status().message());
  SendJson(res, 200, *answer);
}

void WebServer::Impl::SiteInfo(httplib::Response& res) {
  SendJson(res, 200, SiteJson(options_.site, options_.limits));
}

void WebServer::Impl::Documents(DocumentKind kind, const std::string& base) {
  auto& s = *server_;
  bool is_query = kind == DocumentKind::kQuery;
  s.Get(base, Api([this, kind](const httplib::Request&, httplib::Response& res, Principal& who) {
          SendJson(res, 200, DocumentsJson(kind, store_->Documents(kind, who.user.name)));
        }));
  s.Get(base + R"(/(\d{1,18}))",
        Api([this, kind](const httplib::Request& req, httplib::Response& res, Principal& who) {
          auto doc = store_->FindDocument(kind, std::stoll(req.matches[1]), who.user.name);
          if (!doc) return SendError(res, 404, "no such document");
          SendJson(res, 200, DocumentJson(kind, *doc));
        }));
  auto save = [this, kind, is_query](const httplib::Request& req, httplib::Response& res,
                                     Principal& who) {
    JsonBody body(req.body);
    if (!body.ok()) return SendError(res, 400, body.error());
    Document doc;
    doc.owner = who.user.name;
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
             [this](const httplib::Request& req, httplib::Response& res, Principal&) {
               JsonBody body(req.body);
               if (!body.ok()) return SendError(res, 400, body.error());
               auto role = ParseRole(body.String("role", "analyst"));
               if (!role.ok()) return SendError(res, 400, role.status().message());
               auto user = store_->CreateUser(body.String("name"), body.String("password"), *role);
               if (!user.ok())
                 return SendError(res, HttpStatus(user.status()), user.status().message());
               SendJson(res, 201, UsersJson({*user}));
             },
             true));
  s.Put(R"(/api/users/([A-Za-z0-9._@-]{1,64}))",
        Api(
            [this](const httplib::Request& req, httplib::Response& res, Principal&) {
              JsonBody body(req.body);
              if (!body.ok()) return SendError(res, 400, body.error());
              std::string name = req.matches[1];
              if (body.Has("role")) {
                auto role = ParseRole(body.String("role"));
                if (!role.ok()) return SendError(res, 400, role.status().message());
                if (Status st = store_->SetRole(name, *role); !st.ok())
                  return SendError(res, HttpStatus(st), st.message());
              }
              if (body.Has("password"))
                if (Status st = store_->SetPassword(name, body.String("password")); !st.ok())
                  return SendError(res, HttpStatus(st), st.message());
              SendJson(res, 200, "{\"ok\":true}");
            },
            true));
  s.Delete(R"(/api/users/([A-Za-z0-9._@-]{1,64}))",
           Api(
               [this](const httplib::Request& req, httplib::Response& res, Principal&) {
                 Status st = store_->DeleteUser(req.matches[1]);
                 if (!st.ok()) return SendError(res, HttpStatus(st), st.message());
                 SendJson(res, 200, "{\"ok\":true}");
               },
               true));
}

WebServer::WebServer(ServerOptions options, std::unique_ptr<WebStore> store)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(store))) {}
WebServer::~WebServer() = default;
Status WebServer::Bind() { return impl_->Bind(); }
int WebServer::port() const { return impl_->port(); }
Status WebServer::Run() { return impl_->Run(); }
void WebServer::Stop() { impl_->Stop(); }

}  // namespace weir::web
