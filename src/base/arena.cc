#include "base/arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace weir {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kAlign = 64;

size_t RoundToHugePages(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// Maps `size` bytes (whole huge pages) starting on a 2 MiB boundary, advised as huge
// pages: one huge page more is mapped, and the unaligned head and tail unmapped.
void* MapHugePages(size_t size) {
  void* base =
      ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  auto b = reinterpret_cast<uintptr_t>(base);
  uintptr_t at = (b + kHugePage - 1) & ~(kHugePage - 1);
  if (at > b) ::munmap(base, at - b);
  ::munmap(reinterpret_cast<void*>(at + size), b + kHugePage - at);
  (void)::madvise(reinterpret_cast<void*>(at), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(at);
}
}  // namespace

SlabArena::SlabArena(size_t slab_bytes) : slab_bytes_(slab_bytes) {}

SlabArena::~SlabArena() {
  for (const Slab& s : slabs_) ::munmap(s.base, s.size);
}

void* SlabArena::Allocate(size_t bytes) {
  bytes = (bytes + kAlign - 1) & ~(kAlign - 1);
  std::lock_guard lock(mutex_);
  if (static_cast<size_t>(end_ - next_) < bytes) {
    size_t size = RoundToHugePages(std::max(bytes, slab_bytes_));
    next_ = static_cast<std::byte*>(MapHugePages(size));
    end_ = next_ + size;
    slabs_.push_back({next_, size});
    mapped_ += size;
  }
  void* p = next_;
  next_ += bytes;
  return p;
}

size_t SlabArena::mapped() const {
  std::lock_guard lock(mutex_);
  return mapped_;
}

void* AllocateZeroed(size_t bytes) {
  if (bytes == 0) return nullptr;
  if (bytes < kHugePage) {
    void* p = std::calloc(1, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }
  return MapHugePages(RoundToHugePages(bytes));
}

void FreeZeroed(void* p, size_t bytes) {
  if (!p) return;
  if (bytes < kHugePage) {
    std::free(p);
    return;
  }
  ::munmap(p, RoundToHugePages(bytes));
}

}  // namespace weir
