// Threads that never end the process silently. An exception escaping a thread's
// body calls std::terminate: an abort with no word of what failed and nothing
// flushed. Every thread weir starts goes through one of these instead.
//
// - StartThread: a long-lived thread (a daemon's receiver, decoder, writer). What
//   escapes its body is caught and handed to on_failure as one line naming the
//   thread, which reports it and makes the daemon flush and stop.
// - WorkerGroup: workers whose failure belongs to the thread that joins them (a
//   scan's decoders, a writer's compressors). Join() rethrows the first exception
//   on the joining thread, after every worker has ended, so the caller recovers or
//   fails as it would for its own exception.
#pragma once

#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weir {

// What an exception says, for a one-line report ("std::bad_alloc", or its what()).
std::string DescribeException(std::exception_ptr e);

std::thread StartThread(std::string name, std::function<void()> body,
                        std::function<void(const std::string& failure)> on_failure);

class WorkerGroup {
 public:
  WorkerGroup() = default;
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;
  ~WorkerGroup();  // joins; an exception not collected by Join() is dropped

  // on_failure (optional) runs on the failing worker as soon as it fails, e.g.
  // to tell the other workers to stop.
  void Start(std::function<void()> body, std::function<void()> on_failure = {});
  void Join();  // rethrows the first failure
  bool failed() const;

 private:
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace weir
