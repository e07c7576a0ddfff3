// Prometheus's text exposition format (version 0.0.4), for the daemons'
// --metrics-listen: metric families with HELP and TYPE lines, and samples with
// labels escaped as the format asks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

class PrometheusText {
 public:
  // weir_build_info{version="..."} 1: every daemon's first family.
  void BuildInfo(std::string_view version);
  // Starts a family: its HELP and TYPE ("counter", "gauge") lines.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; labels is "a=\"x\",b=\"y\"" built with Label(), or empty.
  void Sample(std::string_view name, std::string_view labels, uint64_t value);
  // A histogram's samples: cumulative counts per upper bound (bounds ascending;
  // counts[i] is the number of observations <= bounds[i], counts.back() all of
  // them for +Inf), their sum and count. labels as for Sample, or empty.
  void Histogram(std::string_view name, std::string_view labels, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& cumulative, double sum);
  // name="value", the value escaped (\\, \", \n).
  static std::string Label(std::string_view name, std::string_view value);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace weir
