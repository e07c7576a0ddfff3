#!/usr/bin/env bash
# weir.read of 10 M flows into a pandas DataFrame (the Python issue's goal: < 2 s),
# with the default columns and with a few, and weir.query's top 10 against
# pandas' own groupby on the DataFrame. Best of 3 runs each.
#   bench/python_read.sh [FLOWS]        (default 10000000)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build/release
[ -x "$build/src/cli/weir" ] && [ -d "$build/python/weir" ] ||
  { echo "build the release preset first (it builds the Python module)" >&2; exit 2; }
flows=${1:-10000000}
cache=${WEIR_BENCH_CACHE:-$src/build/bench-data}
mkdir -p "$cache"
file=$cache/python-$flows.rwf
[ -s "$file" ] || "$build/src/cli/weir" gen --flows="$flows" --start-time=2026/11/01 --output-path="$file"
PYTHONPATH=$build/python /usr/bin/python3 - "$file" <<'PY'
import sys, time
import weir
path = sys.argv[1]

def best(f, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter(); result = f(); times.append(time.perf_counter() - t)
    return min(times), result

t, df = best(lambda: weir.read(path))
print("weir.read, %d columns: %.2f s for %d rows (%.1f M rows/s), %.0f MiB in the DataFrame"
      % (df.shape[1], t, len(df), len(df) / t / 1e6, df.memory_usage(deep=False).sum() / 2**20))
t4, small = best(lambda: weir.read(path, columns=["dip", "dport", "bytes", "stime"]))
print("weir.read, 4 columns: %.2f s" % t4)
tq, top = best(lambda: weir.query("stats", path, keys=["dip"], values=["bytes"], top=10))
tp, ptop = best(lambda: small.groupby("dip", observed=True)["bytes"].sum().nlargest(10))
print("top 10 dIP by bytes: weir.query %.2f s, pandas groupby on the loaded frame %.2f s" % (tq, tp))
assert list(top["Bytes"]) == list(ptop.values), "weir.query and pandas disagree"
print("goal: weir.read of 10 M flows < 2 s: %s" % ("met" if t < 2 else "NOT met"))
PY
