#include "query/sorter.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>
#include <queue>

#include "store/flow_reader.h"

namespace weir {

namespace {

// In-memory bytes per buffered record (all columns) plus its key words.
constexpr size_t kRecordBytes = sizeof(FlowRecord);

std::string RunName(size_t run) { return "sort run " + std::to_string(run + 1); }

}  // namespace

Sorter::Sorter(SortOptions options) : options_(std::move(options)) {
  for (FieldId f : options_.keys) key_words_ += GetField(f).type == FieldType::kIp ? 2 : 1;
  buffer_.Clear();
}

Sorter::~Sorter() = default;

void Sorter::AppendKey(const FlowBatch& b, size_t row, std::vector<uint64_t>& keys) const {
  for (FieldId f : options_.keys) {
    if (GetField(f).type == FieldType::kIp) {
      const IpAddress& a = b.Ip(f, row);
      keys.push_back(a.high64());
      keys.push_back(a.low64());
      continue;
    }
    uint64_t v = b.Unsigned(f, row);
    if (f == FieldId::kStime || f == FieldId::kEtime) v ^= uint64_t{1} << 63;  // signed order
    keys.push_back(v);
  }
}

Status Sorter::Add(const FlowBatch& batch, std::span<const uint32_t> rows) {
  buffer_.AppendRows(batch, rows);
  for (uint32_t r : rows) AppendKey(batch, r, keys_);
  if (buffer_.size() * (kRecordBytes + key_words_ * 8) >= options_.memory_limit) return SpillRun();
  return Status::Ok();
}

std::vector<uint32_t> Sorter::SortedOrder() const {
  std::vector<uint32_t> order(buffer_.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t w = key_words_;
  const uint64_t* k = keys_.data();
  bool reverse = options_.reverse;
  std::stable_sort(order.begin(), order.end(), [=](uint32_t a, uint32_t b) {
    const uint64_t* x = k + a * w;
    const uint64_t* y = k + b * w;
    for (size_t i = 0; i < w; ++i)
      if (x[i] != y[i]) return reverse ? x[i] > y[i] : x[i] < y[i];
    return false;
  });
  return order;
}

Status Sorter::SpillRun() {
  if (buffer_.empty()) return Status::Ok();
  auto file = CreateTempFile(options_.temp_directory);
  if (!file.ok()) return file.status().WithPrefix("sort");
  WriterOptions wo;
  wo.compression = Compression::kLz4;
  auto writer = FlowFileWriter::ToFd(file->get(), RunName(runs_.size()), wo);
  if (!writer.ok()) return writer.status().WithPrefix("sort: temporary run");
  runs_.push_back(std::move(*file));
  std::vector<uint32_t> order = SortedOrder();
  const size_t chunk = 65536;
  for (size_t i = 0; i < order.size(); i += chunk) {
    FlowBatch part;
    part.AppendRows(buffer_, std::span(order).subspan(i, std::min(chunk, order.size() - i)));
    WEIR_RETURN_IF_ERROR((*writer)->AppendBatch(std::move(part)));
  }
  WEIR_RETURN_IF_ERROR((*writer)->Close());
  buffer_.Clear();
  keys_.clear();
  return Status::Ok();
}

Status Sorter::Finish(FlowFileWriter& out) {
  if (runs_.empty()) {
    std::vector<uint32_t> order = SortedOrder();
    const size_t chunk = 65536;
    for (size_t i = 0; i < order.size(); i += chunk) {
      FlowBatch part;
      part.AppendRows(buffer_, std::span(order).subspan(i, std::min(chunk, order.size() - i)));
      WEIR_RETURN_IF_ERROR(out.AppendBatch(std::move(part)));
    }
    return Status::Ok();
  }
  WEIR_RETURN_IF_ERROR(SpillRun());
  // k-way merge: one cursor per run; the heap orders cursors by their current key,
  // then by run number so equal keys keep input order.
  struct Cursor {
    std::unique_ptr<FlowFileReader> reader;
    FlowBatch batch;
    size_t row = 0;
    std::vector<uint64_t> key;
  };
  std::vector<Cursor> cursors(runs_.size());
  std::vector<Status> errors;
  auto advance = [&](size_t c) -> bool {
    Cursor& cur = cursors[c];
    if (++cur.row >= cur.batch.size()) {
      cur.row = 0;
      if (!cur.reader->Next(cur.batch)) return false;
    }
    cur.key.clear();
    AppendKey(cur.batch, cur.row, cur.key);
    return true;
  };
  bool reverse = options_.reverse;
  auto later = [&](size_t a, size_t b) {  // true when a comes after b
    const auto& x = cursors[a].key;
    const auto& y = cursors[b].key;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i] != y[i]) return reverse ? x[i] < y[i] : x[i] > y[i];
    return a > b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t c = 0; c < runs_.size(); ++c) {
    if (::lseek(runs_[c].get(), 0, SEEK_SET) != 0)
      return Status::IoError(RunName(c) + ": " + ErrnoMessage(errno));
    auto reader = FlowFileReader::FromFd(runs_[c].get(), RunName(c), /*own=*/false);
    if (!reader.ok()) return reader.status();
    cursors[c].reader = std::move(*reader);
    cursors[c].reader->SetErrorHandler([&errors](const Status& s) { errors.push_back(s); });
    if (!cursors[c].reader->Next(cursors[c].batch) || cursors[c].batch.empty()) continue;
    AppendKey(cursors[c].batch, 0, cursors[c].key);
    heap.push(c);
  }
  FlowBatch pending;
  while (!heap.empty()) {
    size_t c = heap.top();
    heap.pop();
    uint32_t row = static_cast<uint32_t>(cursors[c].row);
    pending.AppendRows(cursors[c].batch, std::span(&row, 1));
    if (pending.size() >= 65536) {
      WEIR_RETURN_IF_ERROR(out.AppendBatch(std::move(pending)));
      pending.Clear();
    }
    if (advance(c)) heap.push(c);
  }
  if (!pending.empty()) WEIR_RETURN_IF_ERROR(out.AppendBatch(std::move(pending)));
  if (!errors.empty()) return errors[0].WithPrefix("sort: temporary run");
  return Status::Ok();
}

}  // namespace weir
