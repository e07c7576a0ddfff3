// FlatIndex: an open-addressing hash index from keys to 32-bit slot numbers
// (linear probing, power-of-two capacity, at most half full; erase by backward
// shift, so no tombstones). The key and its slot sit in one array: a lookup costs
// about one cache miss, where std::unordered_map costs two or three. The caller
// keeps the values in its own vectors, indexed by slot. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weir {

template <typename Key, typename Hash>
class FlatIndex {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  size_t size() const { return size_; }

  uint32_t Find(const Key& key) const {
    if (entries_.empty()) return kMissing;
    for (size_t i = Hash()(key) & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kMissing) return kMissing;
      if (e.key == key) return e.slot;
    }
  }

  // Starts loading the key's first probe position into the cache.
  void Prefetch(const Key& key) const {
    if (!entries_.empty()) __builtin_prefetch(&entries_[Hash()(key) & mask_]);
  }

  // Adds key -> slot; the key must not be present.
  void Insert(const Key& key, uint32_t slot) {
    if ((size_ + 1) * 2 > entries_.size()) Grow();
    size_t i = Hash()(key) & mask_;
    while (entries_[i].slot != kMissing) i = (i + 1) & mask_;
    entries_[i] = {key, slot};
    ++size_;
  }

  void Erase(const Key& key) {
    if (entries_.empty()) return;
    size_t i = Hash()(key) & mask_;
    while (true) {
      if (entries_[i].slot == kMissing) return;
      if (entries_[i].key == key) break;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later entries of the run into the hole when their
    // home position allows it.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; entries_[j].slot != kMissing; j = (j + 1) & mask_) {
      const size_t home = Hash()(entries_[j].key) & mask_;
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole].slot = kMissing;
    --size_;
  }

 private:
  struct Entry {
    Key key{};
    uint32_t slot = kMissing;
  };

  void Grow() {
    std::vector<Entry> old;
    old.swap(entries_);
    entries_.assign(old.empty() ? 64 : old.size() * 2, Entry{});
    mask_ = entries_.size() - 1;
    size_ = 0;
    for (const Entry& e : old)
      if (e.slot != kMissing) Insert(e.key, e.slot);
  }

  std::vector<Entry> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace weir
