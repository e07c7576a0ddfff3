#include "base/thread.h"

#include <pthread.h>

#include <new>
#include <utility>

namespace weir {

std::string DescribeException(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return "out of memory (std::bad_alloc)";
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an unknown exception";
  }
}

std::thread StartThread(std::string name, std::function<void()> body,
                        std::function<void(const std::string& failure)> on_failure) {
  return std::thread(
      [name = std::move(name), body = std::move(body), on_failure = std::move(on_failure)] {
        // Linux thread names are at most 15 characters.
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        try {
          body();
        } catch (...) {
          std::string failure =
              "thread " + name + " failed: " + DescribeException(std::current_exception());
          try {
            on_failure(failure);
          } catch (...) {
            // Reporting failed too (out of memory again): nothing more can be said.
          }
        }
      });
}

WorkerGroup::~WorkerGroup() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void WorkerGroup::Start(std::function<void()> body, std::function<void()> on_failure) {
  threads_.emplace_back([this, body = std::move(body), on_failure = std::move(on_failure)] {
    try {
      body();
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        if (!first_) first_ = std::current_exception();
      }
      if (on_failure) on_failure();
    }
  });
}

void WorkerGroup::Join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  std::exception_ptr e;
  {
    std::lock_guard lock(mutex_);
    e = std::exchange(first_, nullptr);
  }
  if (e) std::rethrow_exception(e);
}

bool WorkerGroup::failed() const {
  std::lock_guard lock(mutex_);
  return first_ != nullptr;
}

}  // namespace weir
