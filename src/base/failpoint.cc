#include "base/failpoint.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "base/strings.h"

namespace weir {
namespace failpoint_internal {
namespace {

struct Point {
  std::string name;
  long remaining;  // passes left before it fires; fires once
};

std::mutex mutex;
std::vector<Point>& Points() {
  static std::vector<Point> points;
  return points;
}

// Reads WEIR_FAILPOINTS once, before main.
bool Load() {
  const char* spec = std::getenv("WEIR_FAILPOINTS");
  if (!spec || !*spec) return false;
  for (std::string_view item : Split(spec, ',')) {
    if (item.empty()) continue;
    size_t at = item.find('@');
    long nth =
        at == std::string_view::npos ? 1 : std::atol(std::string(item.substr(at + 1)).c_str());
    Points().push_back({std::string(item.substr(0, at)), nth < 1 ? 1 : nth});
  }
  return !Points().empty();
}

}  // namespace

std::atomic<bool> armed{Load()};

void Pass(std::string_view name) {
  std::lock_guard lock(mutex);
  for (Point& p : Points())
    if (p.name == name && p.remaining > 0 && --p.remaining == 0) throw std::bad_alloc();
}

}  // namespace failpoint_internal
}  // namespace weir
