#include "gen/random.h"

#include <cmath>
#include <numeric>

namespace weir {

AliasTable::AliasTable(const std::vector<double>& weights) {
  size_t n = weights.size();
  probability_.assign(n, 0);
  alias_.assign(n, 0);
  double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    uint32_t s = small.back(), l = large.back();
    small.pop_back();
    probability_[s] = static_cast<uint64_t>(scaled[s] * 4294967296.0);
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (uint32_t i : large) probability_[i] = uint64_t{1} << 32, alias_[i] = i;
  for (uint32_t i : small) probability_[i] = uint64_t{1} << 32, alias_[i] = i;
}

AliasTable AliasTable::Zipf(size_t n, double s) {
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(static_cast<double>(i + 1), s);
  return AliasTable(w);
}

}  // namespace weir
