#include "python/common.h"

#include "base/file.h"
#include "query/plan.h"

namespace weir::python {

PyObject* g_error = nullptr;

[[noreturn]] void Raise(const Status& s) {
  PyObject* type = g_error;
  switch (s.code()) {
    case StatusCode::kNotFound:  // an unknown field, sensor, class ...
    case StatusCode::kInvalidArgument:
      type = PyExc_ValueError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, s.message().c_str());
  throw py::error_already_set();
}

[[noreturn]] void RaiseNoFile(const std::string& path) {
  PyErr_SetString(PyExc_FileNotFoundError, (path + ": no such file").c_str());
  throw py::error_already_set();
}

// The site as the weir command finds it (SiteConfig::Locate: the arguments, then
// $SILK_CONFIG_FILE, $WEIR_DATA_ROOTDIR, $SILK_DATA_ROOTDIR, ROOT/silk.conf).
std::shared_ptr<const SiteConfig> LoadSite(const std::string& site_config,
                                           const std::string& root) {
  return std::make_shared<SiteConfig>(
      Check(SiteConfig::Load(SiteConfig::Locate(site_config, root))));
}

std::string LocateRoot(const std::string& root) { return SiteConfig::Locate("", root).root; }

Predicate PlanPredicate(const std::string& expr, const SiteConfig& site) {
  QuerySpec spec;
  spec.expr = expr;
  return Check(PlanQuery(spec, site, "", 0)).predicate;
}

std::string NameOf(const SiteConfig& site, FieldId id, uint64_t v) {
  switch (id) {
    case FieldId::kSensor: {
      auto n = site.SensorName(static_cast<uint16_t>(v));
      return n.empty() ? std::to_string(v) : std::string(n);
    }
    case FieldId::kClass:
      return std::string(site.ClassName(static_cast<uint8_t>(v)));
    case FieldId::kType:
      return std::string(site.TypeName(static_cast<uint8_t>(v)));
    default:
      return std::string(site.ClassName(static_cast<uint8_t>(v))) + "/" +
             std::string(site.TypeName(static_cast<uint8_t>(v)));
  }
}

}  // namespace weir::python
