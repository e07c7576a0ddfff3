// Where tests find their data (tests only: WEIR_SOURCE_DIR and WEIR_SHARED_DIR are
// defined for test targets). The shared captures and files beside the checkout are
// optional: tests that need them skip when SharedDir() does not exist, and
// WEIR_SHARED_DIR in the environment points elsewhere (.ci/run points it at
// nothing to prove the suite passes on a clone with nothing beside it).
#pragma once

#include <cstdlib>
#include <string>

namespace weir {

inline std::string SharedDir() {
  const char* dir = std::getenv("WEIR_SHARED_DIR");
  return dir && *dir ? dir : WEIR_SHARED_DIR;
}

inline std::string SourceDir() { return WEIR_SOURCE_DIR; }

}  // namespace weir
