#!/usr/bin/env bash
# weir eve, measured: import of EVE flow events (events/s) beside pandas reading the
# same JSON Lines (the notebook way), and correlation of alerts against a generated
# repository, beside pandas joining the same alerts to the flows exported as CSV.
#   bench/ids.sh [EVENTS] [FLOWS] [ALERTS]     defaults 1000000 10000000 100000
# (needs the release build: cmake --preset release && cmake --build --preset release)
set -euo pipefail
events=${1:-1000000} flows=${2:-10000000} alerts=${3:-100000}
src=$(cd "$(dirname "$0")/.." && pwd)
weir="$src/build/release/src/cli/weir"
python=/usr/bin/python3
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { /usr/bin/time -f %e -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; cat "$tmp/t"; }
ratio() { $python -c "print(f'{$2 / $1:.1f}')"; }

echo "generating $events EVE flow events..." >&2
$python "$src/bench/eve_events.py" flows "$events" >"$tmp/eve.json"
w=$(secs "$weir" eve import --root-directory="$tmp/repo" "$tmp/eve.json")
p=$(secs $python -c "import pandas; pandas.read_json('$tmp/eve.json', lines=True)")
echo "import of $events events: weir $w s ($($python -c "print(f'{$events / $w / 1e6:.2f}')") M events/s), pandas.read_json $p s: $(ratio "$w" "$p")x"

echo "generating $flows flows and $alerts alerts..." >&2
"$weir" gen --flows="$flows" --root-directory="$tmp/flows" --start-time=2026/11/26:10 --duration=1h --seed=3 >/dev/null
"$weir" cut --data-rootdir="$tmp/flows" --start-date=2026/11/26:10 --end-date=2026/11/26:10 --type=all \
  --fields=sip,dip,sport,dport,protocol,stime --delimited=, --no-titles --timestamp-format=iso |
  awk -v n=$((flows / alerts)) 'NR % n == 7' >"$tmp/sample.csv"
$python "$src/bench/eve_events.py" alerts "$tmp/sample.csv" "$alerts" >"$tmp/alerts.json"
w=$(secs "$weir" eve correlate --data-rootdir="$tmp/flows" --type=all --output="$tmp/out.json" "$tmp/alerts.json")
grep -o "[0-9]* matched.*skipped" "$tmp/err"
# pandas: the flows as CSV (weir cut), both directions of each alert's 5-tuple, a merge
cat >"$tmp/join.py" <<PY
import pandas as pd, json
f = pd.read_csv("$tmp/flows.csv", names=["sip", "dip", "sport", "dport", "protocol", "stime", "etime", "bytes"])
a = pd.DataFrame([json.loads(l) for l in open("$tmp/alerts.json")])
a = a.rename(columns={"src_ip": "sip", "dest_ip": "dip", "src_port": "sport", "dest_port": "dport"})
r = a.rename(columns={"sip": "dip", "dip": "sip", "sport": "dport", "dport": "sport"})
m = pd.concat([a.merge(f, on=["sip", "dip", "sport", "dport"]), r.merge(f, on=["sip", "dip", "sport", "dport"])])
print(len(m))
PY
p=$(secs bash -c "'$weir' cut --data-rootdir='$tmp/flows' --start-date=2026/11/26:10 --end-date=2026/11/26:10 --type=all \
  --fields=sip,dip,sport,dport,protocol,stime,etime,bytes --delimited=, --no-titles --timestamp-format=iso >'$tmp/flows.csv' &&
  $python '$tmp/join.py'")
echo "correlation of $alerts alerts over $flows flows: weir $w s (with host summaries), weir cut + pandas merge (5-tuple only) $p s: $(ratio "$w" "$p")x"
