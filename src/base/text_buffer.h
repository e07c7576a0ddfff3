// TextBuffer: a growable byte buffer that formatters write into directly.
//
// std::string cannot be written past its size without zero-filling first; a
// formatter that knows the most a record can take reserves that much, writes,
// and commits what it used, with no intermediate copy. Not thread-safe.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>

namespace weir {

class TextBuffer {
 public:
  // Room for n more bytes; returns where they go. Valid until the next Reserve.
  char* Reserve(size_t n) {
    if (capacity_ - size_ < n) Grow(size_ + n);
    return data_.get() + size_;
  }
  // Capacity for total bytes in all, exactly (Reserve rounds up to a power of two).
  void ReserveTotal(size_t total) {
    if (capacity_ < total) Resize(total);
  }
  // Marks the bytes up to end (inside the last reservation) as written.
  void Commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void Append(std::string_view s) {
    if (s.empty()) return;
    char* p = Reserve(s.size());
    std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }
  std::string_view view() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

 private:
  void Grow(size_t need) {
    size_t capacity = capacity_ ? capacity_ : 4096;
    while (capacity < need) capacity *= 2;
    Resize(capacity);
  }
  void Resize(size_t capacity) {
    std::unique_ptr<char[]> data(new char[capacity]);
    if (size_) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

}  // namespace weir
