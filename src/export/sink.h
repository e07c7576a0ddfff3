// Sinks: where weir export delivers formatted records. Deliver returns only when
// the destination has every record of the batch (a file: written and synced; an
// HTTP receiver: acknowledged), so that the export cursor may move on; it fails
// with kIoError when retrying may help (the destination is down or busy) and
// kInvalidArgument when it cannot (refused credentials, a malformed request).
// One sink per exporter; not thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "export/export_batch.h"

namespace weir {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Deliver(const ExportBatch& batch) = 0;
  // State the cursor stores with each commit, and gets back on a restart
  // (Resume, before the first delivery): a file sink cuts off what it wrote
  // after the last commit, so a crash does not duplicate records.
  virtual std::map<std::string, std::string> CommitState() const { return {}; }
  virtual Status Resume(const std::map<std::string, std::string>& /*state*/) {
    return Status::Ok();
  }
  // Called after each cursor commit, or in a one-shot export after each batch (a
  // file sink rotates here).
  virtual Status AfterCommit() { return Status::Ok(); }
  virtual Status Close() { return Status::Ok(); }
  // "file /var/weir/flows.json", "elasticsearch https://...": for messages.
  virtual std::string Describe() const = 0;
};

struct FileSinkOptions {
  std::string path;           // "-": standard output
  std::string header;         // written at the start of every file (CSV titles)
  uint64_t rotate_bytes = 0;  // rotate when the file reaches this size; 0: never
  int64_t rotate_ms = 0;      // rotate when the file is this old; 0: never
  int keep = 0;               // rotated files to keep (oldest removed); 0: all
  bool sync = true;           // fdatasync each batch (files)
};
Result<std::unique_ptr<Sink>> OpenFileSink(const FileSinkOptions& options);

enum class HttpKind { kElasticsearch, kSplunk, kPost };

struct HttpSinkOptions {
  HttpKind kind = HttpKind::kPost;
  std::string url;                            // scheme://host[:port][/path]
  std::vector<std::string> headers;           // "Name: value"
  std::string index = "weir-flows-%Y.%m.%d";  // Elasticsearch: strftime of each record's time (UTC)
  std::string token;                          // Splunk HEC token
  bool splunk_ack = false;                    // wait for HEC indexer acknowledgements
  std::string sourcetype = "weir:flow";
  std::string ca_file;    // TLS: trust these CAs (default: the system's)
  bool insecure = false;  // TLS: do not verify the server
  bool compress = false;  // gzip request bodies
  int timeout_s = 30;
  int max_attempts = 0;                     // per batch; 0: until it succeeds or stop is set
  std::string rejected_path;                // documents a receiver refused for good, as JSON lines
  const std::atomic<bool>* stop = nullptr;  // ends retrying (SIGTERM)
};
Result<std::unique_ptr<Sink>> OpenHttpSink(const HttpSinkOptions& options);
Result<HttpKind> ParseHttpKind(std::string_view text);

// Parses an Elasticsearch _bulk response: the HTTP status of each of `items`
// actions, and the error reason of those that failed. Public for the fuzz target.
Status ParseBulkResponse(std::string_view body, size_t items, std::vector<int>& statuses,
                         std::vector<std::string>& reasons);

}  // namespace weir
