#include "export/repository_tail.h"

#include <filesystem>
#include <system_error>

#include "base/time.h"

namespace weir {

namespace fs = std::filesystem;

bool RepositoryTail::Selected(const std::string& path, uint64_t size) {
  auto it = known_.find(path);
  if (it != known_.end()) return it->second.selected;
  auto reader = FlowFileReader::Open(root_ + "/" + path);
  if (!reader.ok()) {
    // A file too short for its header may be one being created: look again later.
    if (size < 64) return false;
    known_[path] = {false, INT64_MIN};
    return false;
  }
  const FileHeader& h = (*reader)->header();
  bool selected = true;
  std::string flowtype = h.Annotation("flowtype"), sensor = h.Annotation("sensor");
  std::string hour = h.Annotation("hour");
  if (!selection_.flowtype_sensors.empty()) {
    char* end = nullptr;
    unsigned long ft = std::strtoul(flowtype.c_str(), &end, 10);
    unsigned long sn = std::strtoul(sensor.c_str(), &end, 10);
    selected = !flowtype.empty() && !sensor.empty() &&
               selection_.flowtype_sensors.count(
                   {static_cast<uint8_t>(ft), static_cast<uint16_t>(sn)}) != 0;
  }
  int64_t hour_ms = INT64_MIN;
  if (auto t = ParseTime(hour); !hour.empty() && t.ok()) hour_ms = t->ms;
  if (hour_ms != INT64_MIN && hour_ms < selection_.first_hour_ms) selected = false;
  known_[path] = {selected, hour_ms};
  return selected;
}

Status RepositoryTail::Walk(
    const std::function<void(const fs::directory_entry&, const std::string&)>& file) {
  std::error_code ec;
  // A follower may start before the collector has made the repository.
  if (!fs::exists(root_, ec)) return Status::Ok();
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Status::IoError(root_ + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IoError(root_ + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (!name.empty() && name[0] == '.') {  // hidden: lock files, temporary files
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (entry.is_regular_file(ec)) file(entry, entry.path().lexically_relative(root_).string());
  }
  return Status::Ok();
}

Status RepositoryTail::Poll(const ExportCursor& cursor, std::vector<PendingFile>& pending,
                            std::vector<std::string>& gone) {
  pending.clear();
  gone.clear();
  std::set<std::string> seen;
  const auto every = static_cast<uint64_t>(std::max(1, selection_.full_every));
  const bool full = polls_++ % every == 0;
  const int64_t recent =
      FloorTo(NowMillis(), kMillisPerHour) - int64_t{selection_.recent_hours} * kMillisPerHour;
  // Left for the full polls: files not ours, and old hours' files that did not
  // grow in the last `every` polls.
  auto full_polls_only = [&](const Known& k) {
    const bool old = k.hour_ms != INT64_MIN && k.hour_ms < recent;
    const bool quiet = k.changed_poll == 0 || polls_ - k.changed_poll > every;
    return !k.selected || (old && quiet);
  };
  WEIR_RETURN_IF_ERROR(Walk([&](const fs::directory_entry& entry, const std::string& path) {
    seen.insert(path);
    if (!full) {
      auto known = known_.find(path);
      if (known != known_.end() && full_polls_only(known->second)) return;
    }
    std::error_code ec;
    uint64_t size = entry.file_size(ec);
    if (ec) return;  // removed meanwhile
    uint64_t offset = cursor.Offset(path);
    if (size == offset) return;
    // Shorter than what was exported: the file was replaced (removed and written
    // anew); its blocks are new records.
    if (size < offset) offset = 0;
    if (Selected(path, size)) {
      pending.push_back({path, offset, size});
      known_[path].changed_poll = polls_;
    }
  }));
  for (const auto& [path, offset] : cursor.offsets())
    if (!seen.count(path)) gone.push_back(path);
  return Status::Ok();
}

Result<std::map<std::string, uint64_t>> RepositoryTail::CurrentSizes(int64_t before_hour_ms) {
  std::map<std::string, uint64_t> sizes;
  WEIR_RETURN_IF_ERROR(Walk([&](const fs::directory_entry& entry, const std::string& path) {
    std::error_code ec;
    uint64_t size = entry.file_size(ec);
    if (!ec && Selected(path, size) && known_[path].hour_ms < before_hour_ms) sizes[path] = size;
  }));
  return sizes;
}

Result<uint64_t> RepositoryTail::Read(const PendingFile& file, const BlockHandler& block,
                                      const std::function<void(const Status&)>& on_error) {
  auto opened = FlowFileReader::Open(root_ + "/" + file.path);
  if (!opened.ok()) return opened.status();
  FlowFileReader& reader = **opened;
  reader.SetWholeBlocks(true);
  reader.SetStopAtTornTail(true);
  reader.SetErrorHandler(on_error);
  uint64_t done = std::max<uint64_t>(file.offset, reader.end_of_valid_data());
  if (Status s = reader.SkipTo(done); !s.ok()) return s;
  RawBlock raw;
  while (reader.NextRaw(raw)) {
    uint64_t end = reader.end_of_valid_data();
    if (!block(raw, end)) return done;
    done = end;
  }
  // Damaged blocks before the end were reported and passed over; a torn tail
  // stays unread until its writer completes it.
  if (!reader.torn_tail()) done = std::max(done, reader.consumed());
  return done;
}

Status StartCursor(ExportCursor& cursor, const std::string& root_path,
                   const TailSelection& selection, const std::string& start) {
  std::string root = std::filesystem::weakly_canonical(root_path).string();
  if (!cursor.created()) {
    auto was = cursor.Setting("root");
    if (was && *was != root)
      return Status::Invalid("cursor " + cursor.path() + " follows " + *was + ", not " + root +
                             " (use another --cursor)");
    return Status::Ok();
  }
  ExportCursor::Update update;
  update.settings["root"] = root;
  update.settings["start"] = start;
  if (start != "beginning") {
    int64_t before = INT64_MAX;
    if (start != "now") {
      auto t = ParseTime(start);
      if (!t.ok())
        return Status::Invalid("invalid --start '" + start +
                               "' (now, beginning, or a time such as 2026/11/27:13)");
      before = FloorTo(t->ms, kMillisPerHour);
    }
    // Files of hours before the start count as read as they are now.
    RepositoryTail scan(root_path, selection);
    auto sizes = scan.CurrentSizes(before);
    if (!sizes.ok()) return sizes.status();
    update.offsets = std::move(*sizes);
  }
  return cursor.Commit(update);
}

}  // namespace weir
