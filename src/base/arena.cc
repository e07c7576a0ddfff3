#include "base/arena.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace weir {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kAlign = 64;
}  // namespace

SlabArena::SlabArena(size_t slab_bytes) : slab_bytes_(slab_bytes) {}

SlabArena::~SlabArena() {
  for (const Slab& s : slabs_) ::munmap(s.base, s.size);
}

void* SlabArena::Allocate(size_t bytes) {
  bytes = (bytes + kAlign - 1) & ~(kAlign - 1);
  std::lock_guard lock(mutex_);
  if (static_cast<size_t>(end_ - next_) < bytes) {
    size_t want = bytes > slab_bytes_ ? (bytes + kHugePage - 1) & ~(kHugePage - 1) : slab_bytes_;
    // One huge page more than needed, so the slab can start on a 2 MiB boundary.
    size_t size = want + kHugePage;
    void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    slabs_.push_back({base, size});
    mapped_ += size;
    auto at = (reinterpret_cast<uintptr_t>(base) + kHugePage - 1) & ~(kHugePage - 1);
    next_ = reinterpret_cast<std::byte*>(at);
    end_ = next_ + want;
    (void)::madvise(next_, want, MADV_HUGEPAGE);
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
  // Rounded up to whole huge pages, and mapped one huge page larger so that the
  // array can start on a 2 MiB boundary; the unaligned head and tail are unmapped.
  size_t size = (bytes + kHugePage - 1) & ~(kHugePage - 1);
  void* base =
      ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  auto b = reinterpret_cast<uintptr_t>(base);
  uintptr_t at = (b + kHugePage - 1) & ~(kHugePage - 1);
  if (at > b) ::munmap(base, at - b);
  if (b + kHugePage > at) ::munmap(reinterpret_cast<void*>(at + size), b + kHugePage - at);
  (void)::madvise(reinterpret_cast<void*>(at), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(at);
}

void FreeZeroed(void* p, size_t bytes) {
  if (!p) return;
  if (bytes < kHugePage) {
    std::free(p);
    return;
  }
  ::munmap(p, (bytes + kHugePage - 1) & ~(kHugePage - 1));
}

}  // namespace weir
