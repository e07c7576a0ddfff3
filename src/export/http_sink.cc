// HTTP sinks: Elasticsearch/OpenSearch _bulk, Splunk HTTP Event Collector, and a
// plain POST of JSON lines (Sumo Logic HTTP sources and other collectors).
//
// Each batch is retried with exponential backoff (0.5 s doubling to 30 s) until
// the receiver has taken every record: Elasticsearch items that failed with 429
// or 5xx are sent again alone; items refused for good (a mapping error) are
// written to the rejected file with the receiver's reason, so nothing vanishes
// silently. Documents carry the record id as _id with op "create", so a batch
// sent twice (a crash before the cursor commit) is stored once (409 = stored).
#include <httplib.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>

#include "base/file.h"
#include "base/time.h"
#include "export/sink.h"

namespace weir {

namespace {

struct Endpoint {
  std::string origin;  // scheme://host:port
  std::string path;    // "/..." without a trailing slash
};

Result<Endpoint> SplitUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos ||
      (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0))
    return Status::Invalid("invalid URL '" + url + "' (http://HOST[:PORT][/PATH] or https://...)");
  size_t slash = url.find('/', scheme + 3);
  Endpoint e;
  e.origin = url.substr(0, slash);
  e.path = slash == std::string::npos ? "" : url.substr(slash);
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  if (e.origin.size() <= scheme + 3) return Status::Invalid("invalid URL '" + url + "' (no host)");
  return e;
}

std::string IndexName(const std::string& pattern, int64_t ms) {
  CivilTime t = CivilFromMillis(ms);
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    char buf[8];
    switch (pattern[++i]) {
      case 'Y':
        std::snprintf(buf, sizeof buf, "%04d", t.year);
        break;
      case 'm':
        std::snprintf(buf, sizeof buf, "%02d", t.month);
        break;
      case 'd':
        std::snprintf(buf, sizeof buf, "%02d", t.day);
        break;
      case 'H':
        std::snprintf(buf, sizeof buf, "%02d", t.hour);
        break;
      case '%':
        std::snprintf(buf, sizeof buf, "%%");
        break;
      default:
        std::snprintf(buf, sizeof buf, "%%%c", pattern[i]);
        break;
    }
    out += buf;
  }
  return out;
}

// httplib's error names ("Connection", "Read") made into what happened.
std::string ErrorText(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer (timed out or connection closed)";
    case httplib::Error::Write:
      return "cannot send (connection closed)";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "server certificate not trusted";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates";
    default:
      return httplib::to_string(error);
  }
}

bool Retryable(int status) { return status == 429 || status >= 500 || status == 408; }

std::string Snippet(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

class HttpSink : public Sink {
 public:
  HttpSink(HttpSinkOptions options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)), client_(endpoint_.origin) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(options_.timeout_s);
    client_.set_write_timeout(options_.timeout_s);
    client_.set_keep_alive(true);
    if (options_.compress) client_.set_compress(true);
    if (!options_.ca_file.empty()) client_.set_ca_cert_path(options_.ca_file);
    if (options_.insecure) client_.enable_server_certificate_verification(false);
    for (const std::string& h : options_.headers) {
      size_t colon = h.find(':');
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers_.emplace(h.substr(0, colon), value);
    }
    if (options_.kind == HttpKind::kSplunk) {
      headers_.emplace("Authorization", "Splunk " + options_.token);
      if (options_.splunk_ack) {
        // A channel per exporter run, as HEC requires for acknowledgements.
        std::random_device rd;
        char id[40];
        std::snprintf(id, sizeof id, "%08x-%04x-4%03x-a%03x-%08x%04x", rd(), rd() & 0xffff,
                      rd() & 0xfff, rd() & 0xfff, rd(), rd() & 0xffff);
        headers_.emplace("X-Splunk-Request-Channel", id);
      }
    }
  }

  std::string Describe() const override {
    const char* kind = options_.kind == HttpKind::kElasticsearch ? "elasticsearch"
                       : options_.kind == HttpKind::kSplunk      ? "splunk"
                                                                 : "http";
    return std::string(kind) + " " + options_.url;
  }

  Status Deliver(const ExportBatch& batch) override {
    std::vector<size_t> todo(batch.size());
    for (size_t i = 0; i < todo.size(); ++i) todo[i] = i;
    double backoff_s = 0.5;
    for (int attempt = 1; !todo.empty(); ++attempt) {
      Status s = Send(batch, todo);
      if (todo.empty()) return Status::Ok();
      if (s.code() == StatusCode::kInvalidArgument) return s;
      if (options_.max_attempts && attempt >= options_.max_attempts)
        return Status::IoError(s.message() + " (gave up after " + std::to_string(attempt) +
                               " attempts)");
      std::fprintf(stderr, "weir export: %s (%zu records; retrying in %.1f s)\n",
                   s.message().c_str(), todo.size(), backoff_s);
      if (!Sleep(backoff_s)) return Status::IoError(s.message() + " (stopped while retrying)");
      backoff_s = std::min(backoff_s * 2, 30.0);
    }
    return Status::Ok();
  }

 private:
  // Sleeps, waking early when stop is set; false when stopped.
  bool Sleep(double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      if (options_.stop && options_.stop->load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return !(options_.stop && options_.stop->load());
  }

  // Sends the records of todo; leaves in todo those to send again.
  Status Send(const ExportBatch& batch, std::vector<size_t>& todo) {
    switch (options_.kind) {
      case HttpKind::kElasticsearch:
        return SendBulk(batch, todo);
      case HttpKind::kSplunk:
        return SendHec(batch, todo);
      case HttpKind::kPost:
        return SendPost(batch, todo);
    }
    return Status::Ok();
  }

  Status Failure(const httplib::Result& result, const std::string& what) {
    if (!result)
      return Status::IoError(Describe() + ": " + what + ": " + ErrorText(result.error()));
    std::string message = Describe() + ": " + what + ": HTTP " + std::to_string(result->status) +
                          " " + Snippet(result->body);
    return Retryable(result->status) ? Status::IoError(message) : Status::Invalid(message);
  }

  Status SendPost(const ExportBatch& batch, std::vector<size_t>& todo) {
    body_.clear();
    for (size_t i : todo) {
      body_ += batch.Line(i);
      body_ += '\n';
    }
    auto result = client_.Post(endpoint_.path.empty() ? "/" : endpoint_.path, headers_, body_,
                               "application/json");
    if (!result || result->status < 200 || result->status >= 300) return Failure(result, "POST");
    todo.clear();
    return Status::Ok();
  }

  Status SendBulk(const ExportBatch& batch, std::vector<size_t>& todo) {
    body_.clear();
    char id[17];
    for (size_t i : todo) {
      std::snprintf(id, sizeof id, "%016" PRIx64, batch.ids[i]);
      body_ += "{\"create\":{\"_index\":\"";
      body_ += IndexName(options_.index, batch.stimes[i]);
      body_ += "\",\"_id\":\"";
      body_ += id;
      body_ += "\"}}\n";
      body_ += batch.Line(i);
      body_ += '\n';
    }
    auto result = client_.Post(endpoint_.path + "/_bulk", headers_, body_, "application/x-ndjson");
    if (!result || result->status < 200 || result->status >= 300) return Failure(result, "_bulk");
    std::vector<int> statuses;
    std::vector<std::string> reasons;
    if (Status s = ParseBulkResponse(result->body, todo.size(), statuses, reasons); !s.ok())
      return Status::IoError(Describe() + ": _bulk: " + s.message());
    std::vector<size_t> again;
    std::string first_error;
    for (size_t k = 0; k < todo.size(); ++k) {
      int status = statuses[k];
      if ((status >= 200 && status < 300) || status == 409) continue;  // 409: stored before
      if (Retryable(status)) {
        again.push_back(todo[k]);
        if (first_error.empty()) first_error = "HTTP " + std::to_string(status) + " " + reasons[k];
        continue;
      }
      WEIR_RETURN_IF_ERROR(Reject(batch.Line(todo[k]), status, reasons[k]));
    }
    todo = std::move(again);
    if (!todo.empty()) return Status::IoError(Describe() + ": _bulk items: " + first_error);
    return Status::Ok();
  }

  Status SendHec(const ExportBatch& batch, std::vector<size_t>& todo) {
    body_.clear();
    char time[32];
    for (size_t i : todo) {
      int64_t ms = batch.stimes[i];
      std::snprintf(time, sizeof time, "%" PRId64 ".%03d", ms / 1000 - (ms % 1000 < 0),
                    static_cast<int>((ms % 1000 + 1000) % 1000));
      body_ += "{\"time\":";
      body_ += time;
      body_ += ",\"source\":\"weir\",\"sourcetype\":\"";
      body_ += options_.sourcetype;
      body_ += "\",\"event\":";
      body_ += batch.Line(i);
      body_ += "}\n";
    }
    auto result = client_.Post(endpoint_.path + "/services/collector/event", headers_, body_,
                               "application/json");
    if (!result || result->status < 200 || result->status >= 300) return Failure(result, "HEC");
    if (options_.splunk_ack) {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      int64_t ack = -1;
      if (parser.parse(result->body).get(doc) == simdjson::SUCCESS) {
        int64_t v;
        if (doc["ackId"].get_int64().get(v) == simdjson::SUCCESS) ack = v;
      }
      if (ack < 0)
        return Status::Invalid(Describe() +
                               ": HEC answered without an ackId (is indexer "
                               "acknowledgement enabled for this token?)");
      WEIR_RETURN_IF_ERROR(WaitForAck(ack));
    }
    todo.clear();
    return Status::Ok();
  }

  // Polls /services/collector/ack until the event batch is indexed (or 60 s).
  Status WaitForAck(int64_t ack) {
    std::string request = "{\"acks\":[" + std::to_string(ack) + "]}";
    for (int i = 0; i < 120; ++i) {
      auto result = client_.Post(endpoint_.path + "/services/collector/ack", headers_, request,
                                 "application/json");
      if (!result || result->status != 200) return Failure(result, "HEC ack");
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      bool done = false;
      if (parser.parse(result->body).get(doc) == simdjson::SUCCESS)
        if (doc["acks"][std::to_string(ack)].get_bool().get(done) != simdjson::SUCCESS)
          done = false;
      if (done) return Status::Ok();
      if (!Sleep(0.5)) return Status::IoError(Describe() + ": stopped waiting for HEC ack");
    }
    return Status::IoError(Describe() + ": HEC ack " + std::to_string(ack) +
                           " not confirmed in 60 s; sending again");
  }

  Status Reject(std::string_view line, int status, const std::string& reason) {
    ++rejected_;
    if (rejected_ <= 10 || rejected_ % 1000 == 0)
      std::fprintf(stderr, "weir export: %s refused a record for good (HTTP %d: %s); kept in %s\n",
                   Describe().c_str(), status, reason.c_str(), options_.rejected_path.c_str());
    if (!rejected_file_) {
      rejected_file_ = std::fopen(options_.rejected_path.c_str(), "a");
      if (!rejected_file_)
        return Status::IoError(options_.rejected_path + ": " + ErrnoMessage(errno));
    }
    std::string entry = "{\"status\":" + std::to_string(status) + ",\"reason\":\"";
    for (char c : reason)
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) entry += c;
    entry += "\",\"record\":";
    entry += line;
    entry += "}\n";
    if (std::fwrite(entry.data(), 1, entry.size(), rejected_file_) != entry.size() ||
        std::fflush(rejected_file_) != 0)
      return Status::IoError(options_.rejected_path + ": " + ErrnoMessage(errno));
    return Status::Ok();
  }

 public:
  ~HttpSink() override {
    if (rejected_file_) std::fclose(rejected_file_);
  }

 private:
  HttpSinkOptions options_;
  Endpoint endpoint_;
  httplib::Client client_;
  httplib::Headers headers_;
  std::string body_;
  uint64_t rejected_ = 0;
  std::FILE* rejected_file_ = nullptr;
};

}  // namespace

Result<HttpKind> ParseHttpKind(std::string_view text) {
  if (text == "elasticsearch" || text == "opensearch" || text == "es")
    return HttpKind::kElasticsearch;
  if (text == "splunk" || text == "hec") return HttpKind::kSplunk;
  if (text == "http" || text == "post" || text == "sumologic") return HttpKind::kPost;
  return Status::Invalid("invalid sink '" + std::string(text) + "' (elasticsearch, splunk, http)");
}

Status ParseBulkResponse(std::string_view body, size_t items, std::vector<int>& statuses,
                         std::vector<std::string>& reasons) {
  statuses.assign(items, 0);
  reasons.assign(items, "");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
    return Status::Corruption("response is not JSON");
  bool errors = false;
  if (doc["errors"].get_bool().get(errors) != simdjson::SUCCESS)
    return Status::Corruption("response has no \"errors\"");
  simdjson::dom::array list;
  if (doc["items"].get_array().get(list) != simdjson::SUCCESS)
    return Status::Corruption("response has no \"items\"");
  if (list.size() != items)
    return Status::Corruption("response has " + std::to_string(list.size()) + " items for " +
                              std::to_string(items) + " actions");
  size_t i = 0;
  for (simdjson::dom::element item : list) {
    simdjson::dom::object action;
    if (item.get_object().get(action) != simdjson::SUCCESS || action.size() != 1)
      return Status::Corruption("item " + std::to_string(i) + " is not an action result");
    simdjson::dom::element result = (*action.begin()).value;
    int64_t status = 0;
    if (result["status"].get_int64().get(status) != simdjson::SUCCESS)
      return Status::Corruption("item " + std::to_string(i) + " has no status");
    statuses[i] = static_cast<int>(status);
    std::string_view reason;
    if (result["error"]["reason"].get_string().get(reason) == simdjson::SUCCESS)
      reasons[i] = std::string(reason.substr(0, 300));
    else if (result["error"]["type"].get_string().get(reason) == simdjson::SUCCESS)
      reasons[i] = std::string(reason.substr(0, 300));
    ++i;
  }
  return Status::Ok();
}

Result<std::unique_ptr<Sink>> OpenHttpSink(const HttpSinkOptions& options) {
  auto endpoint = SplitUrl(options.url);
  if (!endpoint.ok()) return endpoint.status();
  if (options.kind == HttpKind::kSplunk && options.token.empty())
    return Status::Invalid("the splunk sink needs --token (the HEC token)");
  for (const std::string& h : options.headers)
    if (h.find(':') == std::string::npos || h.find(':') == 0)
      return Status::Invalid("invalid header '" + h + "' (NAME: VALUE)");
  if (!options.ca_file.empty()) {
    struct stat st;
    if (::stat(options.ca_file.c_str(), &st) != 0)
      return Status::NotFound(options.ca_file + ": " + ErrnoMessage(errno));
  }
  return std::unique_ptr<Sink>(std::make_unique<HttpSink>(options, std::move(*endpoint)));
}

}  // namespace weir
