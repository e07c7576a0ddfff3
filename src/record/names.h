// FlowtypeNames: how the record module learns sensor, class and type names.
//
// The record module sits below `site`, so it names what it needs as an interface;
// site::SiteConfig implements it. Without names, ids print as numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace weir {

class FlowtypeNames {
 public:
  virtual ~FlowtypeNames() = default;
  // Empty when unknown.
  virtual std::string_view SensorName(uint16_t sensor) const = 0;
  virtual std::string_view ClassName(uint8_t flowtype) const = 0;
  virtual std::string_view TypeName(uint8_t flowtype) const = 0;
  virtual std::optional<uint16_t> FindSensor(std::string_view name) const = 0;
  virtual std::optional<uint8_t> FindFlowtype(std::string_view class_name,
                                              std::string_view type_name) const = 0;
  // Longest names, for column widths.
  virtual size_t MaxSensorNameLength() const = 0;
  virtual size_t MaxClassNameLength() const = 0;
  virtual size_t MaxTypeNameLength() const = 0;
};

}  // namespace weir
