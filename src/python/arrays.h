// The pieces the _weir module's column functions share: NumPy arrays that own
// C++ vectors, the coder that turns distinct addresses into categorical codes,
// how each field crosses into pandas, and a scan with the GIL released.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "query/scan.h"
#include "record/fields.h"
#include "site/site_config.h"

namespace weir::python {

namespace py = pybind11;

// A NumPy array that owns a C++ vector (no copy).
template <typename T>
py::array_t<T> ToArray(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({owned->size()}, {sizeof(T)}, owned->data(), free);
}

// Milliseconds to nanoseconds in place (pandas 1.5 keeps datetimes in ns).
std::vector<int64_t> MillisToNanos(std::vector<int64_t>&& ms);

// Distinct addresses to small codes (first come, first numbered): open addressing
// with the key in the slot, so a probe costs one cache miss.
class AddressCoder {
 public:
  int32_t Code(const IpAddress& a) {
    if ((values_.size() + 1) * 2 > slots_.size()) Grow();
    const uint64_t high = a.high64(), low = a.low64();
    const size_t mask = slots_.size() - 1;
    for (size_t s = Hash(high, low) & mask;; s = (s + 1) & mask) {
      Slot& slot = slots_[s];
      if (slot.code < 0) {
        slot = {high, low, static_cast<int32_t>(values_.size())};
        values_.push_back(a);
        return slot.code;
      }
      if (slot.low == low && slot.high == high) return slot.code;
    }
  }
  const std::vector<IpAddress>& values() const { return values_; }
  // Forgets every value, keeping the memory.
  void Clear();
  // Renumbers the values in ascending order: codes[k] becomes the new code of
  // old code codes[k], and values() the sorted distinct addresses.
  void SortCodes(std::span<int32_t> codes);

 private:
  struct Slot {
    uint64_t high = 0, low = 0;
    int32_t code = -1;
  };
  static size_t Hash(uint64_t high, uint64_t low);
  void Grow();
  std::vector<Slot> slots_;
  std::vector<IpAddress> values_;
};

// The categories of an address column: its distinct values as text.
py::list AddressCategories(const std::vector<IpAddress>& values);

// The categories of a name column (sensor, class, type, flowtype) whose codes
// are ids: renumbers them into the returned names, in name order. Ids that share
// a name (the flowtypes of one class, for class) share a category.
py::list NameCategories(const SiteConfig& site, FieldId id, std::span<int32_t> codes);

// How a field crosses into pandas.
enum class Kind { kUnsigned, kTime, kDuration, kAddress, kName, kDecimal };
Kind KindOf(FieldId id);

// Scans with the GIL released (the scan's threads never touch Python); the first
// unreadable file or damaged block is raised once the scan is done.
ScanStats ScanReleasingGil(const std::vector<std::string>& paths, const ScanOptions& options,
                           const ScanConsumer& consumer);

}  // namespace weir::python
