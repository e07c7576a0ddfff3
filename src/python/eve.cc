// weir.eve: Suricata alerts joined to their flows, the library's correlation
// (ids/correlate.h) for Python. Returns each alert's line with its "weir" member;
// python/weir/eve.py makes the DataFrame.
#include <pybind11/stl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ids/correlate.h"
#include "python/common.h"
#include "site/sensor_config.h"

namespace weir::python {

std::vector<std::string> EveCorrelate(const std::vector<std::string>& files,
                                      const std::string& root, const std::string& site_config,
                                      const FileSelection& selection, const std::string& expr,
                                      int seed, const std::string& internal, double active_timeout,
                                      double tolerance, double follow, double host_window,
                                      int threads) {
  auto site = LoadSite(site_config, root);
  CorrelateOptions o;
  o.root = LocateRoot(root);
  o.site = site.get();
  o.selection = selection;
  o.expr = expr;
  if (seed < 0 || seed > 65535) Raise(Status::Invalid("community_id_seed: 0 to 65535"));
  o.community_seed = static_cast<uint16_t>(seed);
  o.active_timeout_ms = static_cast<int64_t>(active_timeout * 1000);
  o.tolerance_ms = static_cast<int64_t>(tolerance * 1000);
  o.follow_ms = static_cast<int64_t>(follow * 1000);
  o.host_window_ms = static_cast<int64_t>(host_window * 1000);
  o.threads = threads;
  if (internal.empty()) {
    o.internal = Check(SensorConfig::Default(*site)).InternalNetworks();
  } else {
    auto set = ParseCidrList(internal);
    if (!set.ok()) Raise(set.status().WithPrefix("internal"));
    o.internal = std::move(*set);
  }
  EveAlertInput input;
  for (const std::string& f : files) {
    if (f != "-" && ::access(f.c_str(), R_OK) != 0) RaiseNoFile(f);
    Check(ReadEveAlerts(f, input));
  }
  std::vector<CorrelatedAlert> joined;
  {
    py::gil_scoped_release release;
    joined = Check(Correlate(std::move(input.alerts), o, nullptr, [](const Status&) {}));
  }
  std::vector<std::string> out;
  out.reserve(joined.size());
  for (const CorrelatedAlert& c : joined) out.push_back(CorrelatedJson(c, site.get()));
  return out;
}

void AddEve(py::module_& m) {
  m.def("_eve_correlate", &EveCorrelate, py::arg("files"), py::arg("root"), py::arg("site_config"),
        py::arg("selection"), py::arg("expr"), py::arg("seed"), py::arg("internal"),
        py::arg("active_timeout"), py::arg("tolerance"), py::arg("follow"), py::arg("host_window"),
        py::arg("threads"));
}

}  // namespace weir::python
