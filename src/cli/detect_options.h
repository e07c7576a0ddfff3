// The detection switches weir detect and weir collect --detect share: what is
// internal, and where alert events go (doc/detect.md, "Alerts").
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "detect/alerts.h"
#include "detect/bgp.h"
#include "detect/rules.h"

namespace weir::cli {

class DetectOptions {
 public:
  // --internal-ipblocks.
  void AddRuleSwitches(CLI::App& app);
  // --alert-output, --alert-webhook, --alert-splunk, --alert-elasticsearch and
  // their settings, --alert-script.
  void AddAlertSwitches(CLI::App& app);
  // --bgp-gobgp or --bgp-exabgp and the blackhole's settings (weir collect --detect).
  void AddBgpSwitches(CLI::App& app);

  // The rule file (empty: the default set) against the site and sensor.conf.
  Result<RuleSet> LoadRules(const std::string& path, const SiteConfig& site,
                            const SensorConfig& sensors) const;
  // The BGP mitigator, when --bgp-gobgp or --bgp-exabgp is given (else null).
  Result<std::unique_ptr<BgpMitigator>> OpenBgp(BgpMitigator::Log log) const;
  // The destinations given; default_output is the file used when none is
  // ("-": standard output).
  Result<std::unique_ptr<AlertDispatcher>> OpenAlerts(const std::string& default_output,
                                                      AlertDispatcher::Log log,
                                                      const std::atomic<bool>* stop) const;

 private:
  std::string internal_;
  std::string output_, webhook_, splunk_, elasticsearch_, token_, index_ = "weir-alerts-%Y.%m.%d";
  std::vector<std::string> headers_;
  std::string ca_file_;
  bool insecure_ = false;
  std::string script_, syslog_, schema_ = "weir";
  double script_timeout_s_ = 10;
  std::string bgp_api_, bgp_never_;
  double bgp_hold_s_ = 300;
  BgpOptions bgp_;

 public:
  // How long the end of a run waits for destinations that are down (--alert-timeout).
  double close_timeout_s = 30;
  // --ui-url: events link to weir serve's query builder there.
  std::string ui_url;
};

}  // namespace weir::cli
