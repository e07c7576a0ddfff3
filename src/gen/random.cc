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

namespace {
// Integral of x^-s: the continuous Zipf CDF up to a constant.
double ZipfIntegral(double x, double s) {
  return s == 1.0 ? std::log(x) : (std::pow(x, 1 - s) - 1) / (1 - s);
}
double InverseZipfIntegral(double y, double s) {
  return s == 1.0 ? std::exp(y) : std::pow(y * (1 - s) + 1, 1 / (1 - s));
}
}  // namespace

ZipfSampler::ZipfSampler(size_t n, double s) : n_(n), s_(s) {
  size_t head = std::min(n, kHead);
  head_ = AliasTable::Zipf(head, s);
  double head_weight = 0;
  for (size_t i = 0; i < head; ++i) head_weight += 1.0 / std::pow(static_cast<double>(i + 1), s);
  // Ranks past the head, rank r (1-based) having weight r^-s, approximated by the
  // integral over [r - 0.5, r + 0.5].
  tail_lo_ = ZipfIntegral(static_cast<double>(head) + 0.5, s);
  tail_hi_ = ZipfIntegral(static_cast<double>(n) + 0.5, s);
  double tail_weight = n > head ? tail_hi_ - tail_lo_ : 0;
  head_mass_ = head_weight / (head_weight + tail_weight);
}

size_t ZipfSampler::Sample(Random& rng) const {
  double u = rng.Unit();
  if (u < head_mass_) return head_.Sample(rng);
  double y = tail_lo_ + (u - head_mass_) / (1 - head_mass_) * (tail_hi_ - tail_lo_);
  size_t rank = static_cast<size_t>(InverseZipfIntegral(y, s_) + 0.5);  // 1-based
  return std::clamp<size_t>(rank, kHead + 1, n_) - 1;
}

}  // namespace weir
