#!/usr/bin/env bash
# Style check: every C++ file is formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
find src bench fuzz -name '*.cc' -o -name '*.h' | sort | xargs clang-format --dry-run -Werror
echo "ok: $(find src bench fuzz -name '*.cc' -o -name '*.h' | wc -l) files formatted"
