// _weir: the C++ half of `import weir` (python/weir/__init__.py is the other).
// Everything here calls the same library code as the weir command: the flow file
// reader and writer, the repository's file selection, the scan with its filter
// expression, the aggregator and the time series, IP sets and bags. This file
// holds the records, flow files, sets and bags, and the bindings; columns.cc the
// DataFrame side.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/time.h"
#include "net/ip_set.h"
#include "python/columns.h"
#include "python/common.h"
#include "query/aggregate.h"
#include "record/fields.h"
#include "site/file_selection.h"
#include "site/site_config.h"
#include "store/bag_file.h"
#include "store/codec.h"
#include "store/flow_reader.h"
#include "store/flow_writer.h"
#include "store/ip_set_file.h"

namespace weir::python {

namespace {

// ---- Records and flow files, in PySiLK's shape ----

struct PyRecord {
  FlowRecord r;
  std::shared_ptr<const SiteConfig> site;
};

py::object Address(const IpAddress& a) {
  // Leaked on purpose: a static py::object would be destroyed after the interpreter.
  static py::object* ip_address =
      new py::object(py::module_::import("ipaddress").attr("ip_address"));
  return (*ip_address)(a.ToString());
}
IpAddress ParseAddress(const py::handle& v) {
  auto a = IpAddress::Parse(py::str(v).cast<std::string>());
  if (!a) Raise(Status::Invalid("not an IP address: " + py::str(v).cast<std::string>()));
  return *a;
}
py::object Time(int64_t ms) {
  py::object datetime = py::module_::import("datetime");
  static py::object* epoch = new py::object(
      datetime.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, datetime.attr("timezone").attr("utc")));
  return *epoch + datetime.attr("timedelta")(py::arg("milliseconds") = ms);
}
int64_t ParseTimeValue(const py::handle& v) {
  if (py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))
    return static_cast<int64_t>(v.cast<double>() * 1000);  // seconds since the epoch
  if (py::hasattr(v, "timestamp")) {
    py::object value = py::reinterpret_borrow<py::object>(v);
    if (value.attr("tzinfo").is_none())  // naive datetimes are UTC, as in PySiLK
      value = value.attr("replace")(
          py::arg("tzinfo") = py::module_::import("datetime").attr("timezone").attr("utc"));
    return static_cast<int64_t>(std::llround(value.attr("timestamp")().cast<double>() * 1000));
  }
  return Check(ParseTime(py::str(v).cast<std::string>())).ms;
}

class PyFlowFile {
 public:
  PyFlowFile(const std::string& path, const std::string& mode, const std::string& site_config,
             const std::string& compression)
      : path_(path), site_(LoadSite(site_config, "")) {
    if (mode == "r") {
      if (path != "-" && !FileExists(path)) RaiseNoFile(path);
      reader_ = Check(FlowFileReader::Open(path));
    } else if (mode == "w") {
      WriterOptions o;
      o.compression = Check(ParseCompression(compression));
      writer_ = Check(FlowFileWriter::Create(path, o));
    } else {
      Raise(Status::Invalid("mode must be 'r' or 'w', not '" + mode + "'"));
    }
  }
  PyRecord Next() {
    if (!reader_) Raise(Status::Invalid(path_ + ": not open for reading"));
    while (row_ >= batch_.size()) {
      row_ = 0;
      if (!reader_->Next(batch_)) {
        // Damaged blocks are skipped as the weir tools skip them; the first one
        // is raised at the end, so no damage goes unnoticed.
        if (reader_->had_errors() && !reported_) {
          reported_ = true;
          Raise(Status::Corruption(reader_->errors().front().message()));
        }
        throw py::stop_iteration();
      }
    }
    PyRecord out{FlowRecord(), site_};
    batch_.GetRow(row_++, out.r);
    return out;
  }
  void Write(const PyRecord& r) {
    if (!writer_) Raise(Status::Invalid(path_ + ": not open for writing"));
    Check(writer_->Append(r.r));
  }
  void Close() {
    if (writer_) Check(writer_->Close());
    writer_.reset();
    reader_.reset();
  }
  const std::string& name() const { return path_; }

 private:
  std::string path_;
  std::shared_ptr<const SiteConfig> site_;
  std::unique_ptr<FlowFileReader> reader_;
  std::unique_ptr<FlowFileWriter> writer_;
  FlowBatch batch_;
  size_t row_ = 0;
  bool reported_ = false;
};

std::string FlagText(uint8_t flags) {
  static const char kLetters[] = "FSRPAUEC";
  std::string s;
  for (int i = 0; i < 8; ++i)
    if (flags >> i & 1) s += kLetters[i];
  return s;
}

void SetField(PyRecord& p, const std::string& name, const py::handle& v) {
  FlowRecord& r = p.r;
  if (name == "sip")
    r.sip = ParseAddress(v);
  else if (name == "dip")
    r.dip = ParseAddress(v);
  else if (name == "nhip")
    r.nhip = ParseAddress(v);
  else if (name == "stime") {
    int64_t end = r.etime_ms();
    r.stime_ms = ParseTimeValue(v);
    if (end > r.stime_ms) r.duration_ms = static_cast<uint32_t>(end - r.stime_ms);
  } else if (name == "etime") {
    int64_t end = ParseTimeValue(v);
    r.duration_ms = end > r.stime_ms ? static_cast<uint32_t>(end - r.stime_ms) : 0;
  } else if (name == "duration") {
    py::object d = py::reinterpret_borrow<py::object>(v);
    double seconds = py::hasattr(d, "total_seconds") ? d.attr("total_seconds")().cast<double>()
                                                     : d.cast<double>();
    r.duration_ms = static_cast<uint32_t>(std::llround(seconds * 1000));
  } else if (name == "sensor") {
    if (py::isinstance<py::int_>(v)) {
      r.sensor = v.cast<uint16_t>();
    } else {
      auto id = p.site->FindSensor(v.cast<std::string>());
      if (!id) Raise(Status::Invalid("no sensor '" + v.cast<std::string>() + "' in the site"));
      r.sensor = *id;
    }
  } else if (name == "classtype") {
    auto pair = v.cast<std::pair<std::string, std::string>>();
    auto ft = p.site->FindFlowtype(pair.first, pair.second);
    if (!ft) Raise(Status::Invalid("no class/type '" + pair.first + "/" + pair.second + "'"));
    r.flowtype = *ft;
  } else {
    static const std::map<std::string, FieldId> kAliases = {
        {"input", FieldId::kInput},
        {"output", FieldId::kOutput},
        {"tcpflags", FieldId::kFlags},
        {"initial_tcpflags", FieldId::kInitialFlags},
        {"session_tcpflags", FieldId::kSessionFlags},
        {"icmptype", FieldId::kIcmpType},
        {"icmpcode", FieldId::kIcmpCode}};
    auto it = kAliases.find(name);
    FieldId id = it != kAliases.end() ? it->second : Check(FindField(name));
    uint64_t value = v.cast<uint64_t>();
    if (value > FieldMaxValue(id)) Raise(Status::Invalid(name + " out of range"));
    if (id == FieldId::kIcmpType)
      r.dport = static_cast<uint16_t>(value << 8 | (r.dport & 0xff));
    else if (id == FieldId::kIcmpCode)
      r.dport = static_cast<uint16_t>((r.dport & 0xff00) | value);
    else
      SetUnsigned(r, id, value);
  }
}

}  // namespace

PYBIND11_MODULE(_weir, m) {
  m.doc() = "weir's library: flow files, repository selection, scans, aggregation, sets, bags";
  // Leaked on purpose, like every module-lifetime Python object here.
  auto* error = new py::exception<std::runtime_error>(m, "Error");
  g_error = error->ptr();
  error->attr("__module__") = "weir";

  py::class_<FileSelection>(m, "_Selection")
      .def(py::init<>())
      .def_readwrite("classes", &FileSelection::classes)
      .def_readwrite("types", &FileSelection::types)
      .def_readwrite("flowtypes", &FileSelection::flowtypes)
      .def_readwrite("sensors", &FileSelection::sensors)
      .def_readwrite("start_date", &FileSelection::start_date)
      .def_readwrite("end_date", &FileSelection::end_date);
  AddEve(m);
  m.def("_select_files", &SelectRepositoryFiles, py::arg("root"), py::arg("site_config"),
        py::arg("selection"));
  m.def("_read_columns", &ReadColumns, py::arg("paths"), py::arg("columns"), py::arg("expr"),
        py::arg("site_config"), py::arg("root"), py::arg("threads"));
  m.def("_aggregate", &Aggregate, py::arg("paths"), py::arg("keys"), py::arg("values"),
        py::arg("expr"), py::arg("site_config"), py::arg("root"), py::arg("bin_ms"),
        py::arg("threads"));
  m.def("_count", &Count, py::arg("paths"), py::arg("bin_ms"), py::arg("scheme"), py::arg("expr"),
        py::arg("site_config"), py::arg("root"), py::arg("threads"));
  m.def("field_names", [] {
    std::vector<std::string> names;
    for (const FieldInfo& f : AllFields()) names.emplace_back(f.name);
    return names;
  });

  py::class_<PyRecord>(m, "Record", "One flow record (PySiLK's RWRec).")
      .def(py::init([](py::kwargs fields) {
             PyRecord p{FlowRecord(), std::make_shared<SiteConfig>(SiteConfig::Default())};
             p.r.sip = p.r.dip = p.r.nhip = IpAddress::V4(0);
             for (auto [k, v] : fields) SetField(p, k.cast<std::string>(), v);
             return p;
           }),
           "Record(sip=..., dip=..., sport=..., stime=datetime, ...): any field by name.")
      .def_property(
          "sip", [](const PyRecord& p) { return Address(p.r.sip); },
          [](PyRecord& p, py::object v) { SetField(p, "sip", v); })
      .def_property(
          "dip", [](const PyRecord& p) { return Address(p.r.dip); },
          [](PyRecord& p, py::object v) { SetField(p, "dip", v); })
      .def_property(
          "nhip", [](const PyRecord& p) { return Address(p.r.nhip); },
          [](PyRecord& p, py::object v) { SetField(p, "nhip", v); })
      .def_property(
          "sport", [](const PyRecord& p) { return p.r.sport; },
          [](PyRecord& p, uint16_t v) { p.r.sport = v; })
      .def_property(
          "dport", [](const PyRecord& p) { return p.r.dport; },
          [](PyRecord& p, uint16_t v) { p.r.dport = v; })
      .def_property(
          "protocol", [](const PyRecord& p) { return p.r.protocol; },
          [](PyRecord& p, uint8_t v) { p.r.protocol = v; })
      .def_property(
          "packets", [](const PyRecord& p) { return p.r.packets; },
          [](PyRecord& p, uint64_t v) { p.r.packets = v; })
      .def_property(
          "bytes", [](const PyRecord& p) { return p.r.bytes; },
          [](PyRecord& p, uint64_t v) { p.r.bytes = v; })
      .def_property(
          "stime", [](const PyRecord& p) { return Time(p.r.stime_ms); },
          [](PyRecord& p, py::object v) { SetField(p, "stime", v); })
      .def_property(
          "etime", [](const PyRecord& p) { return Time(p.r.etime_ms()); },
          [](PyRecord& p, py::object v) { SetField(p, "etime", v); })
      .def_property(
          "duration",
          [](const PyRecord& p) {
            return py::module_::import("datetime")
                .attr("timedelta")(py::arg("milliseconds") = p.r.duration_ms);
          },
          [](PyRecord& p, py::object v) { SetField(p, "duration", v); })
      .def_property_readonly("stime_epoch_ms", [](const PyRecord& p) { return p.r.stime_ms; })
      .def_property(
          "sensor", [](const PyRecord& p) { return NameOf(*p.site, FieldId::kSensor, p.r.sensor); },
          [](PyRecord& p, py::object v) { SetField(p, "sensor", v); })
      .def_property_readonly("sensor_id", [](const PyRecord& p) { return p.r.sensor; })
      .def_property_readonly(
          "classname",
          [](const PyRecord& p) { return NameOf(*p.site, FieldId::kClass, p.r.flowtype); })
      .def_property_readonly(
          "typename",
          [](const PyRecord& p) { return NameOf(*p.site, FieldId::kType, p.r.flowtype); })
      .def_property(
          "classtype",
          [](const PyRecord& p) {
            return py::make_tuple(NameOf(*p.site, FieldId::kClass, p.r.flowtype),
                                  NameOf(*p.site, FieldId::kType, p.r.flowtype));
          },
          [](PyRecord& p, py::object v) { SetField(p, "classtype", v); })
      .def_property(
          "input", [](const PyRecord& p) { return p.r.input; },
          [](PyRecord& p, uint32_t v) { p.r.input = v; })
      .def_property(
          "output", [](const PyRecord& p) { return p.r.output; },
          [](PyRecord& p, uint32_t v) { p.r.output = v; })
      .def_property(
          "application", [](const PyRecord& p) { return p.r.application; },
          [](PyRecord& p, uint16_t v) { p.r.application = v; })
      .def_property(
          "icmptype", [](const PyRecord& p) { return p.r.is_icmp() ? p.r.icmp_type() : 0; },
          [](PyRecord& p, py::object v) { SetField(p, "icmptype", v); })
      .def_property(
          "icmpcode", [](const PyRecord& p) { return p.r.is_icmp() ? p.r.icmp_code() : 0; },
          [](PyRecord& p, py::object v) { SetField(p, "icmpcode", v); })
      .def_property(
          "tcpflags", [](const PyRecord& p) { return FlagText(p.r.flags); },
          [](PyRecord& p, uint8_t v) { p.r.flags = v; })
      .def_property(
          "initial_tcpflags", [](const PyRecord& p) { return FlagText(p.r.initial_flags); },
          [](PyRecord& p, uint8_t v) { p.r.initial_flags = v; })
      .def_property(
          "session_tcpflags", [](const PyRecord& p) { return FlagText(p.r.session_flags); },
          [](PyRecord& p, uint8_t v) { p.r.session_flags = v; })
      .def(
          "get",
          [](const PyRecord& p, const std::string& name) {
            FieldId id = Check(FindField(name));
            if (GetField(id).type == FieldType::kIp) return Address(GetIp(p.r, id));
            return py::object(py::int_(GetUnsigned(p.r, id)));
          },
          "Any registry field by name, as a number (addresses as ipaddress objects).")
      .def("as_dict",
           [](const PyRecord& p) {
             py::object self = py::cast(p);
             py::dict d;
             for (const char* k : {"sip",
                                   "dip",
                                   "sport",
                                   "dport",
                                   "protocol",
                                   "packets",
                                   "bytes",
                                   "stime",
                                   "etime",
                                   "duration",
                                   "sensor",
                                   "classname",
                                   "typename",
                                   "input",
                                   "output",
                                   "nhip",
                                   "application",
                                   "icmptype",
                                   "icmpcode",
                                   "tcpflags",
                                   "initial_tcpflags",
                                   "session_tcpflags"})
               d[k] = self.attr(k);
             return d;
           })
      .def("__eq__", [](const PyRecord& a, const PyRecord& b) { return a.r == b.r; })
      .def("__repr__", [](const PyRecord& p) {
        return "<weir.Record " + p.r.sip.ToString() + ":" + std::to_string(p.r.sport) + " -> " +
               p.r.dip.ToString() + ":" + std::to_string(p.r.dport) + " proto " +
               std::to_string(p.r.protocol) + ", " + std::to_string(p.r.packets) + " packets, " +
               std::to_string(p.r.bytes) + " bytes>";
      });

  py::class_<PyFlowFile>(m, "FlowFile", "A weir flow file, read as records or written.")
      .def(py::init<const std::string&, const std::string&, const std::string&,
                    const std::string&>(),
           py::arg("path"), py::arg("mode") = "r", py::arg("site_config") = "",
           py::arg("compression") = "zstd")
      .def("__iter__", [](PyFlowFile& f) -> PyFlowFile& { return f; })
      .def("__next__", &PyFlowFile::Next)
      .def(
          "read",
          [](PyFlowFile& f) -> py::object {
            try {
              return py::cast(f.Next());
            } catch (py::stop_iteration&) {
              return py::none();
            }
          },
          "The next record, or None at the end.")
      .def("write", &PyFlowFile::Write)
      .def("close", &PyFlowFile::Close)
      .def_property_readonly("name", &PyFlowFile::name)
      .def("__enter__", [](PyFlowFile& f) -> PyFlowFile& { return f; })
      .def("__exit__", [](PyFlowFile& f, py::args) { f.Close(); });

  py::class_<IpSet>(m, "IPSet", "A set of IP addresses, in weir's (and SiLK's) set format.")
      .def(py::init([](py::iterable items) {
             IpSet s;
             for (auto v : items) Check(AddIpText(py::str(v).cast<std::string>(), s));
             s.Finish();
             return s;
           }),
           py::arg("items") = py::list())
      .def_static("load", [](const std::string& path) { return Check(LoadIpSetFile(path)); })
      .def("save", [](const IpSet& s, const std::string& path) { Check(SaveIpSetFile(s, path)); })
      .def(
          "add",
          [](IpSet& s, py::object v) {
            Check(AddIpText(py::str(v).cast<std::string>(), s));
            s.Finish();
          },
          "Adds an address, a CIDR block or a SiLK wildcard.")
      .def("__contains__", [](const IpSet& s, py::object v) { return s.Contains(ParseAddress(v)); })
      .def("__len__",
           [](const IpSet& s) {
             Uint128 n = s.AddressCount();
             return static_cast<size_t>(std::min<Uint128>(n, SIZE_MAX));
           })
      .def(
          "cardinality",
          [](const IpSet& s) {
            Uint128 n = s.AddressCount();
            return py::int_(py::int_(static_cast<uint64_t>(n >> 64)).attr("__lshift__")(64))
                .attr("__or__")(py::int_(static_cast<uint64_t>(n)));
          },
          "The number of addresses (a Python int, even past 2**64).")
      .def("cidr_blocks",
           [](const IpSet& s) {
             py::object ip_network = py::module_::import("ipaddress").attr("ip_network");
             py::list out;
             for (const IpPrefix& p : s.ToPrefixes()) out.append(ip_network(p.ToString()));
             return out;
           })
      .def("__or__", [](const IpSet& a, const IpSet& b) { return IpSet::Union(a, b); })
      .def("__and__", [](const IpSet& a, const IpSet& b) { return IpSet::Intersection(a, b); })
      .def("__sub__", [](const IpSet& a, const IpSet& b) { return IpSet::Difference(a, b); })
      .def("__eq__", [](const IpSet& a, const IpSet& b) { return a == b; });

  py::class_<Bag>(m, "Bag", "A counter per key (address, port, protocol ...), weir's bag format.")
      .def(py::init([](const std::string& key, const std::string& counter) {
             Bag b;
             b.key = Check(FindField(key));
             b.counter = counter;
             return b;
           }),
           py::arg("key") = "sip", py::arg("counter") = "records")
      .def_static("load", [](const std::string& path) { return Check(LoadBagFile(path)); })
      .def("save",
           [](Bag& b, const std::string& path) {
             b.Normalize();
             Check(SaveBagFile(b, path));
           })
      .def_property_readonly("key", [](const Bag& b) { return std::string(GetField(b.key).name); })
      .def_property_readonly("counter", [](const Bag& b) { return b.counter; })
      .def(
          "add",
          [](Bag& b, py::object key, uint64_t n) {
            Bag::Entry e;
            if (GetField(b.key).type == FieldType::kIp) {
              IpAddress a = ParseAddress(key);
              e.high = a.high64(), e.low = a.low64();
            } else {
              e.low = key.cast<uint64_t>();
            }
            e.counter = n;
            b.entries.push_back(e);
          },
          py::arg("key"), py::arg("count") = 1)
      .def("items",
           [](Bag& b) {
             b.Normalize();
             py::list out;
             const bool ip = GetField(b.key).type == FieldType::kIp;
             for (const Bag::Entry& e : b.entries)
               out.append(py::make_tuple(
                   ip ? Address(IpAddress::FromHalves(e.high, e.low)) : py::object(py::int_(e.low)),
                   e.counter));
             return out;
           })
      .def("__len__", [](Bag& b) {
        b.Normalize();
        return b.entries.size();
      });
}

}  // namespace weir::python
