#include "detect/alerts.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "base/thread.h"
#include "base/time.h"

extern char** environ;

namespace weir {

namespace {

struct Queued {
  std::string line;  // the event's JSON, without the newline
  int64_t time_ms = 0;
  uint64_t id = 0;
  std::vector<std::string> environment;  // for scripts
  std::vector<std::string> arguments;    // for scripts
  std::string kind;
};

}  // namespace

// One destination: a queue and a thread that delivers it, retrying.
class AlertDispatcher::Destination {
 public:
  using Deliver = std::function<Status(const std::vector<Queued>&)>;
  Destination(std::string name, Deliver deliver, const Log& log, size_t batch)
      : name_(std::move(name)), deliver_(std::move(deliver)), log_(log), batch_(batch) {
    thread_ = StartThread(
        "weir-alert", [this] { Run(); },
        [this](const std::string& failure) { log_("error: alerts to " + name_ + ": " + failure); });
  }
  ~Destination() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      give_up_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Push(Queued q) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(q));
    }
    wake_.notify_all();
  }

  // Asks the thread to end once the queue is delivered, or at the deadline.
  bool Drain(int64_t deadline_ms) {
    std::unique_lock lock(mutex_);
    stop_ = true;
    wake_.notify_all();
    idle_.wait_until(lock,
                     std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::max<int64_t>(deadline_ms, 0)),
                     [&] { return queue_.empty() && !busy_; });
    give_up_ = true;
    wake_.notify_all();
    return queue_.empty() && !busy_;
  }

  AlertCounters Counters() const {
    std::lock_guard lock(mutex_);
    return {name_, delivered_, failures_, queue_.size() + (busy_ ? in_flight_ : 0)};
  }
  const std::string& name() const { return name_; }

 private:
  void Run() {
    int64_t backoff = 1000;
    bool failing = false;
    std::vector<Queued> batch;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        busy_ = false;
        idle_.notify_all();
        wake_.wait(lock, [&] { return !queue_.empty() || stop_; });
        if (queue_.empty() || give_up_) return;
        batch.clear();
        while (!queue_.empty() && batch.size() < batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        busy_ = true;
        in_flight_ = batch.size();
      }
      while (true) {
        Status s = deliver_(batch);
        std::unique_lock lock(mutex_);
        if (s.ok()) {
          delivered_ += batch.size();
          if (failing) log_("alerts to " + name_ + " delivered again");
          failing = false;
          backoff = 1000;
          break;
        }
        ++failures_;
        if (!failing) log_("error: alerts to " + name_ + ": " + s.message() + "; retrying");
        failing = true;
        if (give_up_) {
          // closing: what is left stays counted as pending
          for (auto it = batch.rbegin(); it != batch.rend(); ++it)
            queue_.push_front(std::move(*it));
          busy_ = false;
          idle_.notify_all();
          return;
        }
        wake_.wait_for(lock, std::chrono::milliseconds(backoff), [&] { return give_up_; });
        backoff = std::min<int64_t>(backoff * 2, 30'000);
      }
    }
  }

  std::string name_;
  Deliver deliver_;
  const Log& log_;
  size_t batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Queued> queue_;
  bool stop_ = false, give_up_ = false, busy_ = false;
  size_t in_flight_ = 0;
  uint64_t delivered_ = 0, failures_ = 0;
  std::thread thread_;
};

AlertDispatcher::AlertDispatcher(std::vector<std::unique_ptr<Sink>> sinks,
                                 std::vector<ScriptAction> scripts, Log log, bool ecs)
    : log_(std::move(log)), ecs_(ecs) {
  if (!log_) log_ = [](const std::string&) {};
  for (auto& owned : sinks) {
    std::shared_ptr<Sink> sink(std::move(owned));
    const std::string name = sink->Describe();
    destinations_.push_back(std::make_unique<Destination>(
        name,
        [sink](const std::vector<Queued>& events) {
          ExportBatch batch;
          for (const Queued& q : events) {
            batch.text.Append(q.line);
            batch.text.Append("\n");
            batch.Close(q.time_ms, q.id);
          }
          Status s = sink->Deliver(batch);
          if (s.ok()) s = sink->AfterCommit();
          return s;
        },
        log_, 256));
  }
  for (ScriptAction& script : scripts) {
    auto shared = std::make_shared<ScriptAction>(std::move(script));
    destinations_.push_back(std::make_unique<Destination>(
        "script " + shared->argv.at(0),
        [shared](const std::vector<Queued>& events) {
          for (const Queued& q : events) {
            if (std::find(shared->events.begin(), shared->events.end(), q.kind) ==
                shared->events.end())
              continue;
            ScriptAction run = *shared;
            run.argv.insert(run.argv.end(), q.arguments.begin(), q.arguments.end());
            if (Status s = RunScript(run, q.environment, q.line + "\n"); !s.ok()) return s;
          }
          return Status::Ok();
        },
        log_, 1));
  }
}

AlertDispatcher::~AlertDispatcher() = default;

void AlertDispatcher::Send(const DetectEvent& event) {
  Queued q;
  q.line = ecs_ ? EventEcsJson(event) : EventJson(event);
  q.time_ms = event.time_ms;
  q.id = std::hash<std::string>()(event.incident) ^ static_cast<uint64_t>(event.time_ms) ^
         static_cast<uint64_t>(event.kind);
  q.kind = std::string(EventKindName(event.kind));
  q.arguments = {q.kind, event.key, event.rule, event.incident};
  q.environment = {"WEIR_EVENT=" + q.kind, "WEIR_INCIDENT=" + event.incident,
                   "WEIR_RULE=" + event.rule, "WEIR_KEY=" + event.key};
  for (auto& d : destinations_) d->Push(q);
}

Status AlertDispatcher::Close(int64_t deadline_ms) {
  const int64_t until = NowMillis() + deadline_ms;
  std::string stuck;
  for (auto& d : destinations_)
    if (!d->Drain(until - NowMillis())) stuck += (stuck.empty() ? "" : ", ") + d->name();
  if (!stuck.empty()) return Status::IoError("alerts not delivered to " + stuck);
  return Status::Ok();
}

std::vector<AlertCounters> AlertDispatcher::Counters() const {
  std::vector<AlertCounters> out;
  for (const auto& d : destinations_) out.push_back(d->Counters());
  return out;
}

Status RunScript(const ScriptAction& script, const std::vector<std::string>& environment,
                 const std::string& input) {
  if (script.argv.empty()) return Status::Invalid("script: no program");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return Status::IoError("script: pipe: " + ErrnoMessage(errno));
  FileDescriptor read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, read_end.get(), 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group: a timeout kills it all
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), environment.begin(), environment.end());
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = script.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::IoError("script " + script.argv[0] + ": " + ErrnoMessage(rc));
  read_end = FileDescriptor();
  // Feed the input without blocking past the deadline; a script that does not
  // read it all still runs.
  const int64_t deadline = NowMillis() + script.timeout_ms;
  ::fcntl(write_end.get(), F_SETFL, O_NONBLOCK);
  size_t written = 0;
  while (written < input.size() && NowMillis() < deadline) {
    ssize_t n = ::write(write_end.get(), input.data() + written, input.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      pollfd p{write_end.get(), POLLOUT, 0};
      ::poll(&p, 1, 50);
    } else if (n < 0 && errno != EINTR) {
      break;  // EPIPE: it did not want the input
    }
  }
  write_end = FileDescriptor();
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (NowMillis() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Status::IoError("script " + script.argv[0] + ": killed after " +
                             std::to_string(script.timeout_ms / 1000.0).substr(0, 4) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  if (WIFEXITED(status))
    return Status::IoError("script " + script.argv[0] + ": exit status " +
                           std::to_string(WEXITSTATUS(status)));
  return Status::IoError("script " + script.argv[0] + ": killed by signal " +
                         std::to_string(WTERMSIG(status)));
}

}  // namespace weir
