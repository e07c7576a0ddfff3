// Bags: a counter per key (an address, a port, a protocol ...), as `weir bag`
// builds them from flows and SiLK's rwbag tools do. doc/formats/bag.md is the
// on-disk format. A Bag is a plain value: entries sorted by key, no duplicates.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "record/fields.h"

namespace weir {

struct Bag {
  struct Entry {
    uint64_t high = 0, low = 0;  // the key: an address's two halves, or (0, value)
    uint64_t counter = 0;
    bool operator<(const Entry& o) const { return high != o.high ? high < o.high : low < o.low; }
  };
  FieldId key = FieldId::kSip;
  std::string counter = "records";  // what is counted: records, packets or bytes
  std::vector<Entry> entries;       // sorted by key, unique

  // Sorts and merges entries with equal keys (adding counters, saturating).
  void Normalize();
};

std::string SerializeBag(const Bag& bag);
Result<Bag> ParseBag(std::string_view data, const std::string& name);
Result<Bag> LoadBagFile(const std::string& path);             // "-": standard input
Status SaveBagFile(const Bag& bag, const std::string& path);  // "-": standard output

}  // namespace weir
