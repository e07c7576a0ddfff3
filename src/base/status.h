// Status and Result<T>: the one error type that crosses module boundaries.
//
// A Status is either OK (cheap: no allocation) or carries a code and a one-line
// message meant for a person ("FILE: block 3 at offset 4096: checksum mismatch").
// Result<T> holds either a value or a non-OK Status. Both are [[nodiscard]].
// Thread-safety: plain values; no shared state.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace weir {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input: a switch, an expression, a config line
  kNotFound,         // a file, a sensor, a field that does not exist
  kIoError,          // the operating system refused (open, read, write, disk full)
  kCorruption,       // stored data failed a check (magic, checksum, truncation)
  kUnsupported,      // a valid but unsupported version or feature
  kInternal,         // weir itself failed: a thread ran out of memory, an exception escaped
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "prefix: message".
  Status WithPrefix(std::string_view prefix) const {
    if (ok()) return *this;
    return Status(code_, std::string(prefix) + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> data_;
};

// Propagates a non-OK Status from an expression.
#define WEIR_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::weir::Status weir_status_ = (expr);        \
    if (!weir_status_.ok()) return weir_status_; \
  } while (0)

}  // namespace weir
