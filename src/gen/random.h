// Deterministic random numbers for the flow generator: wyrand (fast, 64-bit state)
// and Walker's alias method for O(1) draws from a fixed discrete distribution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weir {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t Next() {
    state_ += 0xa0761d6478bd642full;
    unsigned __int128 m = static_cast<unsigned __int128>(state_) * (state_ ^ 0xe7037ed1a0b428dbull);
    return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

class AliasTable {
 public:
  AliasTable() = default;
  explicit AliasTable(const std::vector<double>& weights);
  // Zipf weights 1/(rank+1)^s for n ranks.
  static AliasTable Zipf(size_t n, double s);
  size_t Sample(Random& rng) const {
    // One draw: the high half picks the column, the low half decides alias or not.
    uint64_t x = rng.Next();
    size_t i = static_cast<size_t>(((x >> 32) * entries_.size()) >> 32);
    return static_cast<uint32_t>(x) < entries_[i].threshold ? i : entries_[i].alias;
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint32_t threshold;  // probability of keeping i, scaled to 2^32 (saturating)
    uint32_t alias;
  };
  std::vector<Entry> entries_;
};

// Zipf(s) over ranks [0, n): an alias table for the most popular ranks (small enough
// to stay in cache) and, for the long tail, inversion of the continuous Zipf CDF.
class ZipfSampler {
 public:
  ZipfSampler() = default;
  ZipfSampler(size_t n, double s);
  size_t Sample(Random& rng) const;

 private:
  static constexpr size_t kHead = 4096;
  AliasTable head_;
  size_t n_ = 0;
  double s_ = 1, head_mass_ = 1;      // probability of a head rank
  double tail_lo_ = 0, tail_hi_ = 0;  // the continuous CDF's bounds over the tail
};

}  // namespace weir
