// --metrics-listen=ADDR:PORT: a daemon's counters for Prometheus to scrape, at
// GET /metrics (text exposition format 0.0.4), on a thread of its own. Anything
// but /metrics is 404; nothing is ever written.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace weir::cli {

class MetricsServer {
 public:
  // Binds listen ("ADDR:PORT", "[V6]:PORT" or "PORT" for loopback) and serves
  // render()'s text until destroyed. render is called on the server's thread.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                      std::function<std::string()> render);
  ~MetricsServer();
  int port() const;

  class Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::cli
