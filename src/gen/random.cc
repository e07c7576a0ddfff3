#include "gen/random.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace weir {

AliasTable::AliasTable(const std::vector<double>& weights) {
  size_t n = weights.size();
  entries_.assign(n, {UINT32_MAX, 0});
  double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    entries_[i].alias = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    uint32_t s = small.back(), l = large.back();
    small.pop_back();
    entries_[s].threshold = static_cast<uint32_t>(std::min(scaled[s] * 4294967296.0, 4294967295.0));
    entries_[s].alias = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
}

AliasTable AliasTable::Zipf(size_t n, double s) {
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(static_cast<double>(i + 1), s);
  return AliasTable(w);
}

}  // namespace weir
