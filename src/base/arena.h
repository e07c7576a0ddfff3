// SlabArena: a thread-safe bump allocator for big, long-lived tables (hash-table
// entries of an aggregation) that are all freed together.
//
// Memory comes from 2 MiB-aligned slabs mapped with mmap and advised as huge pages
// (MADV_HUGEPAGE; the kernel may decline). First touches of hundreds of megabytes
// then cost one page fault per 2 MiB instead of one per 4 KiB, which on a virtual
// machine is most of the system time of a large group-by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weir {

class SlabArena {
 public:
  explicit SlabArena(size_t slab_bytes = size_t{32} << 20);
  ~SlabArena();
  SlabArena(const SlabArena&) = delete;
  SlabArena& operator=(const SlabArena&) = delete;

  // Uninitialised memory for `bytes`, 64-byte aligned, valid until the arena is
  // destroyed. Throws std::bad_alloc when the system refuses memory.
  void* Allocate(size_t bytes);
  // Bytes of address space mapped so far (touched pages are what counts as memory).
  size_t mapped() const;

 private:
  struct Slab {
    void* base;
    size_t size;
  };
  mutable std::mutex mutex_;
  std::vector<Slab> slabs_;
  std::byte* next_ = nullptr;
  std::byte* end_ = nullptr;
  size_t slab_bytes_;
  size_t mapped_ = 0;
};

// ZeroedArray's memory; throws std::bad_alloc when the system refuses.
void* AllocateZeroed(size_t bytes);
void FreeZeroed(void* p, size_t bytes);

// ZeroedArray: a fixed-size array of zeroed trivially-copyable T (a hash table's
// slots). From 2 MiB up it is its own huge-page-advised mapping, given back to the
// system when the array goes, so a table that doubles leaves no hole behind;
// smaller arrays come from calloc.
template <typename T>
class ZeroedArray {
 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t n)
      : data_(static_cast<T*>(AllocateZeroed(n * sizeof(T)))), size_(n) {}
  ~ZeroedArray() { FreeZeroed(data_, size_ * sizeof(T)); }
  ZeroedArray(ZeroedArray&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      FreeZeroed(data_, size_ * sizeof(T));
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }

  size_t size() const { return size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace weir
