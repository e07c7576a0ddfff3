#include "web/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>

#include "base/time.h"

namespace weir::web {

namespace {

// Waits until fd is ready for events or deadline_ms passes (or stop() says so,
// checked every 200 ms). True when ready.
bool PollFor(int fd, short events, int64_t deadline_ms,
             const std::function<bool()>& stop = nullptr) {
  for (;;) {
    int64_t left = deadline_ms - NowMillis();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
    if (stop && stop()) return false;
  }
}

std::string AddressText(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a6))
      inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof text);
    else
      inet_ntop(AF_INET6, &a6, text, sizeof text);
  }
  return text;
}

int PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return 0;
}

// One connection's bytes, plain or TLS, over a non-blocking socket: every call
// waits at most until its deadline.
class Connection {
 public:
  Connection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  int fd() const { return fd_; }

  bool Handshake(int64_t deadline_ms) {
    for (;;) {
      int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!WaitFor(SSL_get_error(ssl_, r), deadline_ms)) return false;
    }
  }
  bool HasBuffered() const { return ssl_ && SSL_pending(ssl_) > 0; }

  // Bytes read, 0 at the end of the stream, -1 on an error or at the deadline.
  ssize_t Read(char* out, size_t size, int64_t deadline_ms) {
    for (;;) {
      if (ssl_) {
        int r = SSL_read(ssl_, out, static_cast<int>(std::min<size_t>(size, 1 << 30)));
        if (r > 0) return r;
        int error = SSL_get_error(ssl_, r);
        if (error == SSL_ERROR_ZERO_RETURN) return 0;
        if (!WaitFor(error, deadline_ms)) return -1;
      } else {
        ssize_t r = ::recv(fd_, out, size, MSG_DONTWAIT);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (!PollFor(fd_, POLLIN, deadline_ms)) return -1;
      }
    }
  }

  // Writes everything; fails when the client takes nothing for timeout_ms.
  bool Write(const char* data, size_t size, int64_t timeout_ms) {
    size_t done = 0;
    int64_t deadline = NowMillis() + timeout_ms;
    while (done < size) {
      if (ssl_) {
        int r =
            SSL_write(ssl_, data + done, static_cast<int>(std::min<size_t>(size - done, 1 << 30)));
        if (r > 0) {
          done += static_cast<size_t>(r);
          deadline = NowMillis() + timeout_ms;
        } else if (!WaitFor(SSL_get_error(ssl_, r), deadline)) {
          return false;
        }
      } else {
        ssize_t r = ::send(fd_, data + done, size - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r >= 0) {
          done += static_cast<size_t>(r);
          deadline = NowMillis() + timeout_ms;
        } else if (errno == EINTR) {
          continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
          return false;
        } else if (!PollFor(fd_, POLLOUT, deadline)) {
          return false;
        }
      }
    }
    return true;
  }

 private:
  // After an SSL call that could not finish: waits for what it wants.
  bool WaitFor(int ssl_error, int64_t deadline_ms) {
    if (ssl_error == SSL_ERROR_WANT_READ) return PollFor(fd_, POLLIN, deadline_ms);
    if (ssl_error == SSL_ERROR_WANT_WRITE) return PollFor(fd_, POLLOUT, deadline_ms);
    return false;
  }

  int fd_;
  SSL* ssl_;
};

// httplib's view of a connection: buffered reads under the request's deadline,
// with the headers' size counted as httplib reads them (a byte at a time).
class GuardedStream : public httplib::Stream {
 public:
  GuardedStream(Connection& connection, const ConnectionLimits& limits)
      : connection_(connection), limits_(limits) {}

  // A new request: its bytes must all arrive within request_timeout_ms.
  void BeginRequest() {
    deadline_ms_ = NowMillis() + limits_.request_timeout_ms;
    header_bytes_ = 0;
    headers_done_ = false;
    line_state_ = 0;
  }
  bool HasBuffered() const { return begin_ < end_ || connection_.HasBuffered(); }
  // A read failed (the deadline passed, the headers grew too large, the client
  // went away): httplib may still answer 400, but the connection then ends.
  bool failed() const { return failed_; }

  bool is_readable() const override {
    return HasBuffered() || PollFor(connection_.fd(), POLLIN, deadline_ms_);
  }
  bool is_writable() const override {
    return PollFor(connection_.fd(), POLLOUT, NowMillis() + limits_.write_timeout_ms);
  }
  ssize_t read(char* out, size_t size) override {
    if (begin_ == end_) {
      ssize_t got = connection_.Read(buffer_, sizeof buffer_, deadline_ms_);
      if (got <= 0) {
        failed_ = true;
        return got;
      }
      begin_ = 0;
      end_ = static_cast<size_t>(got);
    }
    size_t n = std::min(size, end_ - begin_);
    std::copy_n(buffer_ + begin_, n, out);
    begin_ += n;
    if (!headers_done_ && !CountHeaderBytes(out, n)) {
      failed_ = true;
      return -1;
    }
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* data, size_t size) override {
    return connection_.Write(data, size, limits_.write_timeout_ms) ? static_cast<ssize_t>(size)
                                                                   : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Name(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Name(::getsockname, ip, port);
  }
  socket_t socket() const override { return connection_.fd(); }

 private:
  // Finds the blank line that ends the headers ("\r\n\r\n", or "\n\n"); false
  // once the headers are larger than allowed.
  bool CountHeaderBytes(const char* data, size_t n) {
    for (size_t i = 0; i < n && !headers_done_; ++i) {
      ++header_bytes_;
      char c = data[i];
      if (c == '\n') {
        headers_done_ = line_state_ == 1;  // the line held nothing but this
        line_state_ = 1;
      } else if (c != '\r') {
        line_state_ = 2;
      }
    }
    return headers_done_ || header_bytes_ <= limits_.max_header_bytes;
  }
  void Name(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (get(connection_.fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    ip = AddressText(addr);
    port = PortOf(addr);
  }

  Connection& connection_;
  const ConnectionLimits& limits_;
  char buffer_[16384];
  size_t begin_ = 0, end_ = 0;
  int64_t deadline_ms_ = 0;
  size_t header_bytes_ = 0;
  bool headers_done_ = false;
  bool failed_ = false;
  int line_state_ = 1;  // 1: at the start of a line, 2: inside one
};

// Connections per client address and in all; thread-safe.
class ConnectionCounter {
 public:
  explicit ConnectionCounter(const ConnectionLimits& limits) : limits_(limits) {}
  bool Admit(const std::string& address) {
    std::lock_guard lock(mutex_);
    bool exempt = std::find(limits_.exempt_addresses.begin(), limits_.exempt_addresses.end(),
                            address) != limits_.exempt_addresses.end();
    int& mine = per_client_[address];
    if (total_ >= limits_.max_connections ||
        (!exempt && mine >= limits_.max_connections_per_client)) {
      if (mine == 0) per_client_.erase(address);
      return false;
    }
    ++mine;
    ++total_;
    return true;
  }
  void Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    --total_;
    if (--per_client_[address] <= 0) per_client_.erase(address);
  }

 private:
  const ConnectionLimits& limits_;
  std::mutex mutex_;
  std::map<std::string, int> per_client_;
  int total_ = 0;
};

// httplib's task queue with a thread per connection: threads are made when
// the waiting jobs outnumber the idle threads, up to max_threads, and end after
// a minute without work. (Comparing with the idle count alone let two quick
// connections share one woken thread: the second waited for the first to end.)
class ElasticPool : public httplib::TaskQueue {
 public:
  explicit ElasticPool(int max_threads) : max_threads_(max_threads) {}
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> job) override {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    if (static_cast<int>(jobs_.size()) <= idle_ || live_ >= max_threads_) {
      work_.notify_one();
      return;
    }
    ++live_;
    std::thread([this] { Work(); }).detach();
  }
  void shutdown() override {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    work_.notify_all();
    ended_.wait(lock, [&] { return live_ == 0; });
  }

 private:
  void Work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      bool woke = work_.wait_for(lock, std::chrono::seconds(60),
                                 [&] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (jobs_.empty() && (stopping_ || !woke)) break;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
    if (--live_ == 0) ended_.notify_all();
  }

  const int max_threads_;
  std::mutex mutex_;
  std::condition_variable work_, ended_;
  std::deque<std::function<void()>> jobs_;
  int live_ = 0, idle_ = 0;
  bool stopping_ = false;
};

struct Shared {
  explicit Shared(const ConnectionLimits& l) : limits(l), counter(limits) {}
  ConnectionLimits limits;
  ConnectionCounter counter;
};

// What WidenListenQueue reaches through (the listening socket is protected).
class ListenQueue {
 public:
  virtual ~ListenQueue() = default;
  virtual void Widen(int backlog) = 0;
};

template <class Base>
class GuardedServer : public Base, public ListenQueue {
 public:
  template <class... Args>
  explicit GuardedServer(const ConnectionLimits& limits, Args&&... args)
      : Base(std::forward<Args>(args)...), shared_(std::make_shared<Shared>(limits)) {
    int threads = limits.max_connections + 8;
    this->new_task_queue = [threads] { return new ElasticPool(threads); };
  }
  void Widen(int backlog) override {
    socket_t sock = this->svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, backlog);  // Linux takes a new queue length
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    int flags = ::fcntl(sock, F_GETFL, 0);
    ::fcntl(sock, F_SETFL, flags | O_NONBLOCK);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    ::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &len);
    std::string address = AddressText(peer);
    bool ok = false;
    if (shared_->counter.Admit(address)) {
      ok = Serve(sock);
      shared_->counter.Release(address);
    } else {
      RefuseBusy(sock, address);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool Stopping() const { return this->svr_sock_ == INVALID_SOCKET; }

  bool Serve(int sock) {
    const ConnectionLimits& limits = shared_->limits;
    SSL* ssl = nullptr;
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
      ssl = SSL_new(this->ssl_context());
      if (!ssl) return false;
      SSL_set_fd(ssl, sock);
    }
    Connection connection(sock, ssl);
    bool ok = !ssl || connection.Handshake(NowMillis() + limits.request_timeout_ms);
    GuardedStream stream(connection, limits);
    for (size_t left = limits.keep_alive_max; ok && left > 0; --left) {
      if (!stream.HasBuffered() &&
          !PollFor(sock, POLLIN, NowMillis() + limits.idle_timeout_ms, [&] { return Stopping(); }))
        break;  // idle, or the server stops
      stream.BeginRequest();
      bool closed = false;
      ok = this->process_request(stream, left == 1 || Stopping(), closed, nullptr);
      if (closed || stream.failed()) break;
    }
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    return ok;
  }

  // Past a connection limit: a plain-HTTP client learns why; a TLS one is closed.
  void RefuseBusy(int sock, const std::string& address) {
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) return;
    std::string body = "too many connections from " + address + "; try again later\n";
    std::string reply =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\n"
        "Connection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    Connection(sock, nullptr).Write(reply.data(), reply.size(), 1000);
  }

  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::unique_ptr<httplib::Server> MakeGuardedServer(const ConnectionLimits& limits,
                                                   const std::string& tls_cert,
                                                   const std::string& tls_key) {
  if (!tls_cert.empty())
    return std::make_unique<GuardedServer<httplib::SSLServer>>(limits, tls_cert.c_str(),
                                                               tls_key.c_str());
  return std::make_unique<GuardedServer<httplib::Server>>(limits);
}

void WidenListenQueue(httplib::Server& server, int backlog) {
  if (auto* queue = dynamic_cast<ListenQueue*>(&server)) queue->Widen(backlog);
}

}  // namespace weir::web
