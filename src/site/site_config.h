// SiteConfig: a site's sensors, classes, types and repository layout, read from
// SiLK's silk.conf (silk.conf(5) grammar, versions 1 and 2).
//
// Accepted as SiLK does: comments, quoted strings, `include`, `sensor`, `group`
// blocks of sensors, `class` blocks (a class may be opened more than once; later
// blocks add to it), `type`, `default-types`, `default-class`, `path-format` and
// `packing-logic`. Errors name FILE:LINE and the reason. Lines SiLK would refuse
// but whose intent is clear (an empty packing-logic) become warnings.
// Immutable after loading; safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "record/names.h"

namespace weir {

struct SensorInfo {
  uint16_t id = 0;
  std::string name;
  std::string description;
};

struct FlowtypeInfo {
  uint8_t id = 0;
  std::string class_name;
  std::string type_name;
  std::string name;  // flowtype name used in file names ("iw"); default class+type
};

struct ClassInfo {
  std::string name;
  std::vector<uint16_t> sensors;
  std::vector<uint8_t> flowtypes;
  std::vector<uint8_t> default_flowtypes;
};

// Where a site lives, as SiLK's tools find it (SiteConfig::Locate).
struct SiteLocation {
  std::string root;         // the repository root
  std::string config_file;  // silk.conf; empty: the embedded default site
};

class SiteConfig : public FlowtypeNames {
 public:
  // The one place the environment is read, for every front end (CLI, web, Python):
  // the root is `root` if given, else $WEIR_DATA_ROOTDIR, else $SILK_DATA_ROOTDIR,
  // else ./data; silk.conf is `config_file` if given, else $SILK_CONFIG_FILE, else
  // ROOT/silk.conf when it exists, else the embedded default.
  static SiteLocation Locate(std::string_view config_file, std::string_view root);
  // The site at a location (the embedded default when it names no file).
  static Result<SiteConfig> Load(const SiteLocation& location);
  static Result<SiteConfig> LoadFile(const std::string& path);
  // Parses text; `name` is used in messages and to resolve relative includes.
  static Result<SiteConfig> Parse(std::string_view text, const std::string& name);
  // The embedded default: one sensor, SiLK's twoway types (see doc/repository.md).
  static const SiteConfig& Default();
  static std::string_view DefaultText();

  int version() const { return version_; }
  const std::vector<SensorInfo>& sensors() const { return sensors_; }
  const std::vector<FlowtypeInfo>& flowtypes() const { return flowtypes_; }
  const std::vector<ClassInfo>& classes() const { return classes_; }
  const std::string& default_class() const { return default_class_; }
  const std::string& path_format() const { return path_format_; }
  const std::string& packing_logic() const { return packing_logic_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::string& source() const { return source_; }

  const SensorInfo* Sensor(uint16_t id) const;
  const FlowtypeInfo* Flowtype(uint8_t id) const;
  const ClassInfo* Class(std::string_view name) const;

  // Expands path-format for one hourly file (relative to the repository root).
  std::string FilePath(uint8_t flowtype, uint16_t sensor, int64_t hour_ms) const;

  // FlowtypeNames
  std::string_view SensorName(uint16_t sensor) const override;
  std::string_view ClassName(uint8_t flowtype) const override;
  std::string_view TypeName(uint8_t flowtype) const override;
  std::optional<uint16_t> FindSensor(std::string_view name) const override;
  std::optional<uint8_t> FindFlowtype(std::string_view class_name,
                                      std::string_view type_name) const override;
  size_t MaxSensorNameLength() const override;
  size_t MaxClassNameLength() const override;
  size_t MaxTypeNameLength() const override;

 private:
  friend class SiteParser;

  int version_ = 1;
  std::vector<SensorInfo> sensors_;  // sorted by id
  std::vector<FlowtypeInfo> flowtypes_;
  std::vector<ClassInfo> classes_;
  std::map<std::string, std::vector<uint16_t>> groups_;
  std::string default_class_;
  std::string path_format_ = "%T/%Y/%m/%d/%x";
  std::string packing_logic_;
  std::vector<std::string> warnings_;
  std::string source_;
  std::vector<int> sensor_index_;  // id -> index in sensors_, -1 if none
  std::vector<int> flowtype_index_ = std::vector<int>(256, -1);
};

}  // namespace weir
