// The HTTP(S) server under weir serve: cpp-httplib's request parsing and routing,
// with weir's own connection handling in front of it, so that clients that send
// slowly, send nothing or hold many connections cannot stall the server
// (slowloris). httplib alone gives each connection a thread from a fixed pool
// and bounds each read, but not a whole request, so 16 idle or trickling
// connections froze every other client.
//
// Each connection gets a thread as it arrives (threads are made on demand, up to
// max_connections, and end after a minute idle), and then:
//  - a request's line, headers and body must all arrive within request_timeout_ms;
//  - its headers may take at most max_header_bytes;
//  - an idle keep-alive connection is closed after idle_timeout_ms;
//  - a client that takes none of an answer for write_timeout_ms is dropped;
//  - one client address holds at most max_connections_per_client connections
//    (trusted proxies are exempt), and the server at most max_connections; past
//    either, a connection gets "503" at once and is closed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace weir::web {

struct ConnectionLimits {
  int64_t request_timeout_ms = 20'000;
  int64_t idle_timeout_ms = 5'000;
  int64_t write_timeout_ms = 30'000;
  size_t max_header_bytes = 64 << 10;
  int max_connections = 512;
  int max_connections_per_client = 32;
  size_t keep_alive_max = 1000;               // requests on one connection
  std::vector<std::string> exempt_addresses;  // trusted proxies
};

// An httplib server (HTTPS when cert and key are given) with these limits.
std::unique_ptr<httplib::Server> MakeGuardedServer(const ConnectionLimits& limits,
                                                   const std::string& tls_cert,
                                                   const std::string& tls_key);

// After binding a server made above: a listen queue of `backlog` connections.
// httplib listens with a queue of 5, so that a burst of connections (a browser
// opens 6, a slowloris 20) overflowed it and a new client's SYN waited for the
// kernel's 1 s and 3 s retransmissions.
void WidenListenQueue(httplib::Server& server, int backlog = 1024);

}  // namespace weir::web
