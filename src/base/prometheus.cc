#include "base/prometheus.h"

#include <cinttypes>
#include <cstdio>

namespace weir {

void PrometheusText::BuildInfo(std::string_view version) {
  Family("weir_build_info", "gauge", "weir's version, as a label; always 1");
  Sample("weir_build_info", Label("version", version), 1);
}

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::Sample(std::string_view name, std::string_view labels, uint64_t value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, " %" PRIu64 "\n", value);
  out_ += buf;
}

void PrometheusText::Histogram(std::string_view name, std::string_view labels,
                               const std::vector<double>& bounds,
                               const std::vector<uint64_t>& cumulative, double sum) {
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  char le[32];
  for (size_t i = 0; i <= bounds.size() && i < cumulative.size(); ++i) {
    if (i < bounds.size())
      std::snprintf(le, sizeof le, "%g", bounds[i]);
    else
      std::snprintf(le, sizeof le, "+Inf");
    Sample(std::string(name) + "_bucket", prefix + Label("le", le), cumulative[i]);
  }
  out_ += name;
  out_ += "_sum";
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, " %.6f\n", sum);
  out_ += buf;
  Sample(std::string(name) + "_count", labels, cumulative.empty() ? 0 : cumulative.back());
}

std::string PrometheusText::Label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace weir
