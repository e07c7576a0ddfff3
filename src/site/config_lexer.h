// The word splitter shared by the silk.conf and sensor.conf parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/strings.h"

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

// Runs statement(words) on every line of a config file that has words, keeping
// `where` at "NAME:LINE" for messages; an error gets that prefix. At the end, an
// open block (`block` non-empty) is an error naming it.
template <typename Statement>
Status ParseConfigLines(std::string_view text, const std::string& name, std::string& where,
                        const std::string& block, const std::string& block_name,
                        Statement statement) {
  int line_number = 0;
  std::vector<std::string> words;
  for (std::string_view line : Split(text, '\n')) {
    ++line_number;
    where = name + ":" + std::to_string(line_number);
    Status s = Tokenize(line, words);
    if (s.ok() && !words.empty()) s = statement(words);
    if (!s.ok()) return s.WithPrefix(where);
  }
  if (!block.empty())
    return Status::Invalid(name + ": end of file inside '" + block + " " + block_name +
                           "' (missing 'end " + block + "')");
  return Status::Ok();
}

}  // namespace weir
