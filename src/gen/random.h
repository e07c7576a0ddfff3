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
    size_t i = rng.Below(probability_.size());
    return rng.Below(uint64_t{1} << 32) < probability_[i] ? i : alias_[i];
  }
  size_t size() const { return probability_.size(); }

 private:
  std::vector<uint64_t> probability_;  // scaled to 2^32
  std::vector<uint32_t> alias_;
};

}  // namespace weir
