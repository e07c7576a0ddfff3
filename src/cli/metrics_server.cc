#include "cli/metrics_server.h"

#include <httplib.h>

#include <thread>

#include "base/thread.h"
#include "net/host_port.h"

namespace weir::cli {

class MetricsServer::Impl {
 public:
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                            std::function<std::string()> render) {
  auto where = ParseHostPort(listen);
  if (!where.ok()) return where.status().WithPrefix("--metrics-listen");
  if (where->port == 0) return Status::Invalid("--metrics-listen: give a port: ADDR:PORT");
  const std::string host = where->host.empty() ? "127.0.0.1" : where->host;
  auto impl = std::make_unique<Impl>();
  impl->server.Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl->server.set_read_timeout(5, 0);
  impl->server.set_write_timeout(5, 0);
  if (!impl->server.bind_to_port(host, where->port))
    return Status::IoError("--metrics-listen: cannot listen on " + listen +
                           " (in use, or not an address of this host)");
  impl->port = where->port;
  Impl* raw = impl.get();
  impl->thread = StartThread(
      "weir-metrics", [raw] { raw->server.listen_after_bind(); },
      [](const std::string& failure) { std::fprintf(stderr, "weir: %s\n", failure.c_str()); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int MetricsServer::port() const { return impl_->port; }

}  // namespace weir::cli
