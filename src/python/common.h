// Shared by the pieces of the _weir module: turning a failed Status into the
// Python exception, and loading the site (silk.conf) a call names.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "query/predicate.h"
#include "record/fields.h"
#include "site/site_config.h"

namespace weir::python {

namespace py = pybind11;

extern PyObject* g_error;  // weir.Error

// Raises the Python exception for a failed Status, with the library's message:
// ValueError for bad arguments and unknown names, weir.Error for the rest.
[[noreturn]] void Raise(const Status& s);
[[noreturn]] void RaiseNoFile(const std::string& path);

template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) Raise(r.status());
  return std::move(*r);
}
inline void Check(const Status& s) {
  if (!s.ok()) Raise(s);
}

// The site as the weir command finds it (SiteConfig::Locate: the arguments, then
// $SILK_CONFIG_FILE, $WEIR_DATA_ROOTDIR, $SILK_DATA_ROOTDIR, ROOT/silk.conf).
std::shared_ptr<const SiteConfig> LoadSite(const std::string& site_config, const std::string& root);
// The repository root as the weir command finds it ("": the environment, ./data).
std::string LocateRoot(const std::string& root);
// The filter of an expression, planned by the query front end (query/plan.h).
Predicate PlanPredicate(const std::string& expr, const SiteConfig& site);

// Registers weir.eve's functions (eve.cc).
void AddEve(py::module_& m);

// A sensor's, class's, type's or flowtype's name (sensor ids without a name as numbers).
std::string NameOf(const SiteConfig& site, FieldId id, uint64_t v);

}  // namespace weir::python
