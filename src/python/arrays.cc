#include "python/arrays.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "base/hash.h"
#include "python/common.h"

namespace weir::python {

std::vector<int64_t> MillisToNanos(std::vector<int64_t>&& ms) {
  for (int64_t& v : ms) v *= 1'000'000;
  return std::move(ms);
}

size_t AddressCoder::Hash(uint64_t high, uint64_t low) {
  return Mix64(high * 0x9e3779b97f4a7c15ull ^ low);
}

void AddressCoder::Grow() {
  slots_.assign(std::max<size_t>(1024, slots_.size() * 2), Slot{});
  const size_t mask = slots_.size() - 1;
  for (size_t c = 0; c < values_.size(); ++c) {
    const uint64_t high = values_[c].high64(), low = values_[c].low64();
    size_t s = Hash(high, low) & mask;
    while (slots_[s].code >= 0) s = (s + 1) & mask;
    slots_[s] = {high, low, static_cast<int32_t>(c)};
  }
}

void AddressCoder::Clear() {
  if (values_.empty()) return;
  std::fill(slots_.begin(), slots_.end(), Slot{});
  values_.clear();
}

void AddressCoder::SortCodes(std::span<int32_t> codes) {
  std::vector<int32_t> order(values_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int32_t a, int32_t b) { return values_[a] < values_[b]; });
  std::vector<int32_t> renumber(values_.size());
  std::vector<IpAddress> sorted(values_.size());
  for (size_t k = 0; k < order.size(); ++k) {
    renumber[order[k]] = static_cast<int32_t>(k);
    sorted[k] = values_[order[k]];
  }
  for (int32_t& c : codes) c = renumber[c];
  values_ = std::move(sorted);
  slots_.clear();  // the table no longer matches the codes
}

py::list AddressCategories(const std::vector<IpAddress>& values) {
  // Straight through the C API: pybind11's item proxies cost more than the text.
  py::list out(values.size());
  std::string text;
  for (size_t k = 0; k < values.size(); ++k) {
    text.clear();
    values[k].AppendTo(text);
    PyObject* s = PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
    if (!s) throw py::error_already_set();
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(k), s);
  }
  return out;
}

py::list NameCategories(const SiteConfig& site, FieldId id, std::span<int32_t> codes) {
  std::vector<int32_t> renumber(65536, -1);
  for (int32_t c : codes) renumber[static_cast<uint16_t>(c)] = 0;
  std::map<std::string, int32_t> names;
  for (size_t v = 0; v < renumber.size(); ++v)
    if (renumber[v] == 0) names.emplace(NameOf(site, id, v), 0);
  py::list categories;
  for (auto& [name, code] : names) {
    code = static_cast<int32_t>(categories.size());
    categories.append(name);
  }
  for (size_t v = 0; v < renumber.size(); ++v)
    if (renumber[v] == 0) renumber[v] = names[NameOf(site, id, v)];
  for (int32_t& c : codes) c = renumber[static_cast<uint16_t>(c)];
  return categories;
}

Kind KindOf(FieldId id) {
  switch (GetField(id).type) {
    case FieldType::kIp:
      return Kind::kAddress;
    case FieldType::kTime:
      return Kind::kTime;
    case FieldType::kDuration:
      return Kind::kDuration;
    case FieldType::kSensor:
    case FieldType::kClassName:
    case FieldType::kTypeName:
    case FieldType::kFlowtype:
      return Kind::kName;
    case FieldType::kDecimal:
      return Kind::kDecimal;
    default:
      return Kind::kUnsigned;
  }
}

ScanStats ScanReleasingGil(const std::vector<std::string>& paths, const ScanOptions& options,
                           const ScanConsumer& consumer) {
  std::string first_error;
  ScanStats stats;
  {
    py::gil_scoped_release release;
    stats = Scan(paths, options, consumer, [&](const Status& s) {
      if (first_error.empty()) first_error = s.message();
    });
  }
  if (!first_error.empty()) Raise(Status::Corruption(first_error));
  return stats;
}

}  // namespace weir::python
