// The web UI's files (ui/dist, built by Vite), embedded in the weir binary at
// build time by cmake/embed_files.cmake. Empty when the UI was not built.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace weir::web {

struct EmbeddedFile {
  std::string_view path;  // "index.html", "assets/index-1a2b3c.js"
  const unsigned char* data;
  size_t size;
};

std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace weir::web
