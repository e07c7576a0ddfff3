// Bounds-checked readers and an appending writer over byte spans.
//
// ByteReader never reads past its span: a read that would overrun sets the
// reader's failed flag and returns zero, so a parser checks ok() once at the
// end of a record instead of after every field. Big-endian reads are for wire
// protocols (NetFlow, IPFIX, sFlow); little-endian for weir's own files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace weir {

// An allocator for scratch vectors that are always written before they are read:
// growing one does not value-initialise what it adds. Trivially copyable elements
// are left as they are, even those whose default constructor zeroes them (the
// allocation itself creates them, with indeterminate values); others are
// default-initialised.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    if constexpr (!(std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U>))
      ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A byte buffer whose resize() does not zero what it adds.
using ScratchBytes = std::vector<std::byte, DefaultInitAllocator<std::byte>>;

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> data) : data_(data) {}
  ByteReader(const void* data, size_t size) : data_(static_cast<const std::byte*>(data), size) {}

  bool ok() const { return ok_; }
  size_t offset() const { return offset_; }
  size_t remaining() const { return ok_ ? data_.size() - offset_ : 0; }

  uint8_t U8() { return static_cast<uint8_t>(ReadLe(1)); }
  uint16_t U16Le() { return static_cast<uint16_t>(ReadLe(2)); }
  uint32_t U32Le() { return static_cast<uint32_t>(ReadLe(4)); }
  uint64_t U64Le() { return ReadLe(8); }
  uint16_t U16Be() { return static_cast<uint16_t>(ReadBe(2)); }
  uint32_t U32Be() { return static_cast<uint32_t>(ReadBe(4)); }
  uint64_t U64Be() { return ReadBe(8); }
  // An unsigned big-endian integer of 1-8 bytes (IPFIX reduced-size encoding).
  uint64_t UintBe(size_t n) { return n <= 8 ? ReadBe(n) : (Skip(n), 0); }

  // Returns the next n bytes, or an empty span (and fails) if fewer remain.
  std::span<const std::byte> Bytes(size_t n) {
    if (!Need(n)) return {};
    auto out = data_.subspan(offset_, n);
    offset_ += n;
    return out;
  }
  std::string_view String(size_t n) {
    auto b = Bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  void Skip(size_t n) { (void)Bytes(n); }

 private:
  bool Need(size_t n) {
    if (!ok_ || data_.size() - offset_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  uint64_t ReadLe(size_t n) {
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(data_[offset_ + i]) << (8 * i);
    offset_ += n;
    return v;
  }
  uint64_t ReadBe(size_t n) {
    if (!Need(n)) return 0;
    const std::byte* p = data_.data() + offset_;
    switch (n) {  // the common widths without a byte loop
      case 1:
        offset_ += 1;
        return static_cast<uint64_t>(p[0]);
      case 2: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        offset_ += 2;
        return __builtin_bswap16(v);
      }
      case 4: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        offset_ += 4;
        return __builtin_bswap32(v);
      }
      case 8: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        offset_ += 8;
        return __builtin_bswap64(v);
      }
      default:
        break;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | uint64_t(data_[offset_ + i]);
    offset_ += n;
    return v;
  }

  std::span<const std::byte> data_;
  size_t offset_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::byte>* out) : out_(out) {}

  void U8(uint8_t v) { out_->push_back(std::byte(v)); }
  void U16Le(uint16_t v) { PutLe(v, 2); }
  void U32Le(uint32_t v) { PutLe(v, 4); }
  void U64Le(uint64_t v) { PutLe(v, 8); }
  void U16Be(uint16_t v) { PutBe(v, 2); }
  void U32Be(uint32_t v) { PutBe(v, 4); }
  void U64Be(uint64_t v) { PutBe(v, 8); }
  void Bytes(std::span<const std::byte> b) { out_->insert(out_->end(), b.begin(), b.end()); }
  void String(std::string_view s) {
    Bytes({reinterpret_cast<const std::byte*>(s.data()), s.size()});
  }
  size_t size() const { return out_->size(); }

 private:
  void PutLe(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) out_->push_back(std::byte(v >> (8 * i)));
  }
  void PutBe(uint64_t v, size_t n) {
    for (size_t i = n; i-- > 0;) out_->push_back(std::byte(v >> (8 * i)));
  }
  std::vector<std::byte>* out_;
};

// Little-endian store/load into raw memory, for hot loops that know their bounds.
inline void StoreLe(std::byte* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = std::byte(v >> (8 * i));
}
inline uint64_t LoadLe(const std::byte* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

// Asks for the cache lines of [p, p + n) for writing (PREFETCHW: each line comes
// exclusive, so the stores that follow need no second request; CPUs without it take
// it as a no-op). For output that is written soon and is likely cold: memory another
// core had last, or more than the caches hold.
inline void PrefetchForWrite(const void* p, size_t n) {
  const auto* begin = static_cast<const char*>(p);
  const auto first = reinterpret_cast<uintptr_t>(begin) & ~uintptr_t{63};
  const auto last = reinterpret_cast<uintptr_t>(begin + n - 1);
  for (uintptr_t line = first; n > 0 && line <= last; line += 64) {
    // From the address itself: the first line may start before p, and arithmetic
    // on p to reach it would overflow (undefined, and caught by sanitizers).
    const char* at = reinterpret_cast<const char*>(line);
#if defined(__x86_64__)
    asm volatile("prefetchw %0" : : "m"(*at));  // compilers emit it only for newer targets
#else
    __builtin_prefetch(at, 1);
#endif
  }
}

}  // namespace weir
