// The word splitter shared by the silk.conf and sensor.conf parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir {

// Splits a config line into words; "quoted strings" are one word; '#' starts a
// comment outside quotes.
inline Status Tokenize(std::string_view line, std::vector<std::string>& words) {
  words.clear();
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (c == '"') {
      size_t end = line.find('"', i + 1);
      if (end == std::string_view::npos) return Status::Invalid("unterminated quoted string");
      words.emplace_back(line.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = line.find_first_of(" \t\r#\"", i);
      if (end == std::string_view::npos) end = line.size();
      words.emplace_back(line.substr(i, end - i));
      i = end;
    }
  }
  return Status::Ok();
}

}  // namespace weir
