// Fuzz target: rwfilter switch values. Each input line is NAME=VALUE; the builder
// must answer with a predicate or an error naming the switch, never crash. Set-file
// switches are skipped so the fuzzer cannot read the machine's files.
#include <cstdint>
#include <string_view>

#include "base/strings.h"
#include "query/partition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  weir::SwitchValues values;
  for (auto line : weir::Split(text, '\n')) {
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(line.substr(0, eq));
    if (name.find("set") != std::string::npos) continue;
    values.emplace_back(name, std::string(line.substr(eq + 1)));
  }
  auto p = weir::BuildPartition(values, {});
  if (p.ok()) {
    weir::FlowRecord r;
    (void)p->Matches(r);
  }
  return 0;
}
