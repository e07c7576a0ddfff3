// weir.read: the passing records of a scan as whole NumPy columns, in file order.
//
// Workers turn each block into its share of every column in parallel: typed values,
// and for addresses codes into the block's own sorted distinct addresses (its
// stored dictionary, or sorted here). The scan hands the blocks over one at a time
// in input order, and appending a share is a copy. At the end a merge of the
// blocks' sorted distinct addresses gives each address column its categories, in
// ascending order, and the blocks' codes are rewritten to index them: no hashing.
#include <pybind11/stl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include "base/thread.h"
#include "python/arrays.h"
#include "python/columns.h"
#include "python/common.h"
#include "query/expression.h"

namespace weir::python {

namespace {

// Bytes appended without zero-filling, in private anonymous memory: growing moves
// the pages (mremap) instead of copying them. (Transparent huge pages were tried:
// with the kernel's default defrag=madvise they make the first touch slower.)
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  ~Buffer() {
    if (data_) munmap(data_, capacity_);
  }

  // Room for n more bytes; may move the data.
  bool Fits(size_t n) const { return size_ + n <= capacity_; }
  void Grow(size_t n) { Reserve(std::max(size_ + n, capacity_ * 2)); }
  // Claims the next n bytes (which must fit), returning their offset.
  size_t Claim(size_t n) {
    size_ += n;
    return size_ - n;
  }
  std::byte* data() { return data_; }
  size_t size() const { return size_; }

  // Hands the memory to a one-dimensional NumPy array of dtype.
  py::array Release(const py::dtype& dtype) {
    const size_t width = static_cast<size_t>(dtype.itemsize());
    if (size_ == 0) return py::array(dtype, {size_t{0}}, {width});
    auto* mapping = new Mapping{data_, capacity_};
    py::capsule free(mapping, [](void* p) {
      auto* m = static_cast<Mapping*>(p);
      munmap(m->data, m->size);
      delete m;
    });
    py::array out(dtype, {size_ / width}, {width}, data_, free);
    data_ = nullptr;
    size_ = capacity_ = 0;
    return out;
  }

 private:
  struct Mapping {
    void* data;
    size_t size;
  };
  static constexpr size_t kGranule = size_t{2} << 20;

  void Reserve(size_t n) {
    n = (n + kGranule - 1) / kGranule * kGranule;
    void* p = data_ ? mremap(data_, capacity_, n, MREMAP_MAYMOVE)
                    : mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<std::byte*>(p);
    capacity_ = n;
  }
  std::byte* data_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
};

// The sorted distinct addresses one block's rows use, and how many rows it has.
struct BlockAddresses {
  size_t rows;
  std::vector<IpAddress> distinct;
};

// One column of the DataFrame being read.
struct ReadColumn {
  FieldId id;
  Kind kind;
  size_t width;   // bytes per value
  Buffer values;  // every passing row so far, as the NumPy dtype (addresses: block codes)
  std::vector<BlockAddresses> blocks;  // addresses: what each block's codes index
  std::vector<IpAddress> categories;   // addresses: every distinct one, ascending
};

// A worker's share of one column for the block in hand. Once the block's turn has
// claimed its place in the column, the worker copies it there itself (before it
// prepares its next block, or at the end), so the copying runs in parallel.
struct Share {
  std::vector<std::byte> values;    // addresses: int32 codes into distinct
  size_t offset = 0;                // where values go in the column
  bool claimed = false;             // claimed and not yet copied
  std::vector<IpAddress> distinct;  // addresses: ascending, each used by some row
  std::vector<int32_t> renumber;    // scratch
  AddressCoder local;               // for a block without a dictionary
};

size_t WidthOf(FieldId id, Kind kind) {
  switch (kind) {
    case Kind::kAddress:
    case Kind::kName:
      return 4;  // int32 codes
    case Kind::kUnsigned: {
      const uint64_t max = FieldMaxValue(id);
      return max <= 0xff ? 1 : max <= 0xffff ? 2 : max <= 0xffffffff ? 4 : 8;
    }
    default:
      return 8;  // int64 nanoseconds, double
  }
}

py::dtype DtypeOf(const ReadColumn& c) {
  switch (c.kind) {
    case Kind::kAddress:
    case Kind::kName:
      return py::dtype::of<int32_t>();
    case Kind::kTime:
    case Kind::kDuration:
      return py::dtype::of<int64_t>();
    case Kind::kDecimal:
      return py::dtype::of<double>();
    default:
      return c.width == 1   ? py::dtype::of<uint8_t>()
             : c.width == 2 ? py::dtype::of<uint16_t>()
             : c.width == 4 ? py::dtype::of<uint32_t>()
                            : py::dtype::of<uint64_t>();
  }
}

template <typename Out, typename F>
void Fill(std::vector<std::byte>& into, std::span<const uint32_t> rows, F&& value) {
  into.resize(rows.size() * sizeof(Out));
  Out* out = reinterpret_cast<Out*>(into.data());
  for (size_t k = 0; k < rows.size(); ++k) out[k] = value(rows[k]);
}

// Calls f with the stored column of id (a vector of its in-memory type).
template <typename F>
void WithStoredColumn(const FlowBatch& b, FieldId id, F&& f) {
  switch (id) {
#define WEIR_STORED_CASE(fid, member, type) \
  case FieldId::fid:                        \
    f(b.member);                            \
    return;
    WEIR_STORED_COLUMNS(WEIR_STORED_CASE)
#undef WEIR_STORED_CASE
    default:
      return;
  }
}

template <typename Out>
void FillUnsigned(FieldId id, const FlowBatch& b, std::span<const uint32_t> rows,
                  std::vector<std::byte>& into) {
  if (!GetField(id).stored) {
    Fill<Out>(into, rows, [&](uint32_t i) { return static_cast<Out>(b.Unsigned(id, i)); });
    return;
  }
  WithStoredColumn(b, id, [&](const auto& column) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if constexpr (std::is_integral_v<T>) {
      const T* from = column.data();
      Fill<Out>(into, rows, [&](uint32_t i) { return static_cast<Out>(from[i]); });
    }
  });
}

// Codes into the sorted distinct addresses the passing rows use.
void PrepareAddresses(FieldId id, const FlowBatch& b, std::span<const uint32_t> rows, Share& s) {
  const AddressDictionary* d = b.Dictionary(id);
  if (!d) {
    s.local.Clear();
    Fill<int32_t>(s.values, rows, [&](uint32_t i) { return s.local.Code(b.Ip(id, i)); });
    auto* codes = reinterpret_cast<int32_t*>(s.values.data());
    s.local.SortCodes({codes, rows.size()});
    s.distinct = s.local.values();
    return;
  }
  // The dictionary is sorted; keep the entries the rows use, in order.
  const uint32_t* index = d->index.data();
  s.renumber.assign(d->values.size(), -1);
  for (uint32_t i : rows) s.renumber[index[i]] = 0;
  s.distinct.clear();
  for (size_t j = 0; j < d->values.size(); ++j) {
    if (s.renumber[j] < 0) continue;
    s.renumber[j] = static_cast<int32_t>(s.distinct.size());
    s.distinct.push_back(d->values[j]);
  }
  const int32_t* renumber = s.renumber.data();
  Fill<int32_t>(s.values, rows, [&](uint32_t i) { return renumber[index[i]]; });
}

// A worker's share of column c for the passing rows of b.
void Prepare(const ReadColumn& c, const FlowBatch& b, std::span<const uint32_t> rows, Share& s) {
  switch (c.kind) {
    case Kind::kAddress:
      return PrepareAddresses(c.id, b, rows, s);
    case Kind::kTime: {
      const int64_t* stime = b.stime_ms.data();
      const uint32_t* duration = c.id == FieldId::kEtime ? b.duration_ms.data() : nullptr;
      Fill<int64_t>(s.values, rows, [&](uint32_t i) {
        return (stime[i] + (duration ? duration[i] : 0)) * 1'000'000;
      });
      return;
    }
    case Kind::kDuration: {
      const uint32_t* duration = b.duration_ms.data();
      Fill<int64_t>(s.values, rows,
                    [&](uint32_t i) { return static_cast<int64_t>(duration[i]) * 1'000'000; });
      return;
    }
    case Kind::kName:  // by sensor or flowtype id; named at the end
      if (c.id == FieldId::kSensor)
        Fill<int32_t>(s.values, rows, [&](uint32_t i) { return int32_t{b.sensor[i]}; });
      else
        Fill<int32_t>(s.values, rows, [&](uint32_t i) { return int32_t{b.flowtype[i]}; });
      return;
    case Kind::kDecimal:
      Fill<double>(s.values, rows, [&](uint32_t i) {
        return b.packets[i] ? static_cast<double>(b.bytes[i]) / static_cast<double>(b.packets[i])
                            : 0.0;
      });
      return;
    case Kind::kUnsigned:
      switch (c.width) {
        case 1:
          return FillUnsigned<uint8_t>(c.id, b, rows, s.values);
        case 2:
          return FillUnsigned<uint16_t>(c.id, b, rows, s.values);
        case 4:
          return FillUnsigned<uint32_t>(c.id, b, rows, s.values);
        default:
          return FillUnsigned<uint64_t>(c.id, b, rows, s.values);
      }
  }
}

// In input order: claims the share's place at the end of its column. Growing the
// column moves it, so growth waits for copies in progress (an exclusive lock).
void Claim(ReadColumn& c, Share& s, std::shared_mutex& moving) {
  const size_t n = s.values.size();
  if (!c.values.Fits(n)) {
    std::unique_lock lock(moving);
    c.values.Grow(n);
  }
  s.offset = c.values.Claim(n);
  s.claimed = true;
  if (c.kind == Kind::kAddress) c.blocks.push_back({n / sizeof(int32_t), std::move(s.distinct)});
}

// Copies a claimed share into its place.
void CopyClaimed(ReadColumn& c, Share& s, std::shared_mutex& moving) {
  if (!s.claimed) return;
  std::shared_lock lock(moving);
  std::memcpy(c.values.data() + s.offset, s.values.data(), s.values.size());
  s.claimed = false;
}

// Merges sorted runs of keys (runs: their boundaries, first 0, last keys.size()).
void MergeRuns(std::vector<uint64_t>& keys, std::vector<size_t> runs) {
  std::vector<uint64_t> other(keys.size());
  while (runs.size() > 2) {
    std::vector<size_t> next{0};
    for (size_t r = 0; r + 1 < runs.size(); r += 2) {
      const size_t from = runs[r], middle = runs[r + 1];
      const size_t to = r + 2 < runs.size() ? runs[r + 2] : middle;
      std::merge(keys.begin() + from, keys.begin() + middle, keys.begin() + middle,
                 keys.begin() + to, other.begin() + from);
      next.push_back(to);
    }
    keys.swap(other);
    runs = std::move(next);
  }
}

// Merges the blocks' sorted distinct addresses into the column's categories and
// rewrites each block's codes to index them. IPv4 addresses merge as 64-bit keys
// (address, place in the blocks' concatenation); the few IPv6 ones are sorted.
std::vector<IpAddress> MergeAddresses(ReadColumn& c) {
  size_t total = 0;
  for (const BlockAddresses& block : c.blocks) total += block.distinct.size();
  std::vector<uint64_t> v4;
  v4.reserve(total);
  std::vector<size_t> runs{0};
  std::vector<std::pair<IpAddress, uint32_t>> v6;
  uint32_t place = 0;
  for (const BlockAddresses& block : c.blocks) {
    for (const IpAddress& a : block.distinct) {
      if (a.is_v4())
        v4.push_back(uint64_t{a.v4()} << 32 | place);
      else
        v6.emplace_back(a, place);
      ++place;
    }
    runs.push_back(v4.size());
  }
  MergeRuns(v4, std::move(runs));
  std::sort(v6.begin(), v6.end());
  // IPv4 addresses (::ffff:a.b.c.d) sort after the IPv6 ones below ::ffff:0:0 and
  // before the rest.
  const auto below_v4 = std::partition_point(v6.begin(), v6.end(), [](const auto& e) {
    return e.first.high64() == 0 && e.first.low64() < 0xffff00000000ull;
  });
  std::vector<int32_t> to_merged(place);
  std::vector<IpAddress> merged;
  merged.reserve(total);
  auto add_v6 = [&](auto from, auto to) {
    for (auto it = from; it != to; ++it) {
      if (merged.empty() || !(merged.back() == it->first)) merged.push_back(it->first);
      to_merged[it->second] = static_cast<int32_t>(merged.size() - 1);
    }
  };
  add_v6(v6.begin(), below_v4);
  uint64_t last = UINT64_MAX;
  for (uint64_t key : v4) {
    if (key >> 32 != last) {
      last = key >> 32;
      merged.push_back(IpAddress::V4(static_cast<uint32_t>(last)));
    }
    to_merged[static_cast<uint32_t>(key)] = static_cast<int32_t>(merged.size() - 1);
  }
  add_v6(below_v4, v6.end());
  auto* codes = reinterpret_cast<int32_t*>(c.values.data());
  const int32_t* to = to_merged.data();
  for (const BlockAddresses& block : c.blocks) {
    for (size_t k = 0; k < block.rows; ++k) codes[k] = to[codes[k]];
    codes += block.rows;
    to += block.distinct.size();
  }
  return merged;
}

}  // namespace

// Reads paths into columns (in file order), through the expression when given.
py::dict ReadColumns(const std::vector<std::string>& paths, const std::vector<std::string>& names,
                     const std::string& expr, const std::string& site_config,
                     const std::string& root, int threads) {
  auto site = LoadSite(site_config, root);
  std::vector<FieldId> fields;
  for (const std::string& n : names) fields.push_back(Check(FindField(n)));
  const Predicate predicate = PlanPredicate(expr, *site);
  std::vector<ReadColumn> columns;
  for (FieldId id : fields) {
    const Kind kind = KindOf(id);
    columns.push_back(ReadColumn{id, kind, WidthOf(id, kind), {}, {}, {}});
  }
  ScanOptions options;
  options.columns = ColumnSet::Of(fields);
  options.predicate = predicate.is_all() ? nullptr : &predicate;
  options.threads = threads;
  options.ordered = true;
  std::vector<std::vector<Share>> shares(ScanWorkers(threads), std::vector<Share>(columns.size()));
  std::shared_mutex moving;  // held shared while copying into columns
  options.prepare = [&](int worker, const FlowBatch& b, std::span<const uint32_t> rows,
                        const RawBlock&) {
    for (size_t k = 0; k < columns.size(); ++k) {
      CopyClaimed(columns[k], shares[worker][k], moving);
      Prepare(columns[k], b, rows, shares[worker][k]);
    }
    return true;
  };
  ScanStats stats = ScanReleasingGil(
      paths, options,
      [&](int worker, const FlowBatch&, std::span<const uint32_t>, const RawBlock&) {
        for (size_t k = 0; k < columns.size(); ++k) Claim(columns[k], shares[worker][k], moving);
        return true;
      });
  {
    // The workers' last shares, then the address columns' merges, a thread each.
    py::gil_scoped_release release;
    for (auto& worker : shares)
      for (size_t k = 0; k < columns.size(); ++k) CopyClaimed(columns[k], worker[k], moving);
    WorkerGroup merging;  // out of memory in a merge: MemoryError, not an abort
    for (ReadColumn& c : columns)
      if (c.kind == Kind::kAddress) merging.Start([&c] { c.categories = MergeAddresses(c); });
    merging.Join();
  }
  py::dict out;
  for (size_t k = 0; k < columns.size(); ++k) {
    ReadColumn& c = columns[k];
    const std::string& name = names[k];  // as asked (an alias stays an alias)
    auto* codes = reinterpret_cast<int32_t*>(c.values.data());
    const std::span<int32_t> code_span(codes, c.values.size() / sizeof(int32_t));
    switch (c.kind) {
      case Kind::kAddress: {
        py::list categories = AddressCategories(c.categories);
        out[name.c_str()] =
            py::make_tuple("category", c.values.Release(DtypeOf(c)), std::move(categories));
        break;
      }
      case Kind::kName: {
        py::list categories = NameCategories(*site, c.id, code_span);
        out[name.c_str()] =
            py::make_tuple("category", c.values.Release(DtypeOf(c)), std::move(categories));
        break;
      }
      case Kind::kTime:
        out[name.c_str()] = py::make_tuple("time", c.values.Release(DtypeOf(c)));
        break;
      case Kind::kDuration:
        out[name.c_str()] = py::make_tuple("duration", c.values.Release(DtypeOf(c)));
        break;
      case Kind::kDecimal:
        out[name.c_str()] = py::make_tuple("float", c.values.Release(DtypeOf(c)));
        break;
      case Kind::kUnsigned:
        out[name.c_str()] =
            py::make_tuple("uint", c.values.Release(DtypeOf(c)), FieldMaxValue(c.id));
        break;
    }
  }
  out["__records_read__"] = stats.records_read;
  return out;
}

}  // namespace weir::python
