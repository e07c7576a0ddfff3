#!/usr/bin/env bash
# weir serve over 10 M flows: the web UI's answer times in headless Chromium
# (Playwright; from pressing Run to the chart or table drawn) and over the bare
# API, side by side with the same answers from the command line (weir stats,
# cut) and from nfdump on the same flows. Best of 3; prints ratios.
#   bench/serve.sh [FLOWS]     (default 10000000)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
weir=$src/build/release/src/cli/weir
flows=${1:-10000000}
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
[ -d "$src/ui/node_modules/playwright-core" ] || { echo "run ./setup.sh first (ui/node_modules)" >&2; exit 2; }
command -v nfcapd >/dev/null || { echo "install nfdump (apt-get install nfdump)" >&2; exit 2; }
tmp=$(mktemp -d)
# shellcheck source=nfdump_load.sh
source "$src/bench/nfdump_load.sh"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
day=2026/11/26
repo=$src/build/bench-data/repo-serve-$flows
if [ ! -d "$repo" ]; then
  "$weir" gen --flows="$flows" --seed=1 --start-time=$day --ipv6-fraction=0 --root-directory="$repo" 2>/dev/null
fi
sel=(--data-rootdir="$repo" --type=all --start-date=$day:00 --end-date=$day:23)
nf=$(nfdump_load "$tmp" "$weir" "${sel[@]}")

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WEIR_PASSWORD=bench-password "$weir" user --database="$tmp/web.db" add bench >/dev/null
"$weir" serve --root-directory="$repo" --database="$tmp/web.db" --listen=127.0.0.1:$port 2>"$tmp/serve.log" &
pid=$!
sleep 1
base=http://127.0.0.1:$port

ms() { awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }'; }
best_cmd() {  # best wall time of 3 runs, in ms
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    local d=$(( (t1 - t0) / 1000000 ))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  echo "$best"
}
curl -s -c "$tmp/cj" -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench-password"}' "$base/api/login" >"$tmp/login"
csrf=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$tmp/login")
api() { curl -s -f -b "$tmp/cj" -H "X-CSRF-Token: $csrf" -d "$1" "$base/api/query"; }
q() { echo "{\"start\":\"${day//\//-}T00:00:00Z\",\"end\":\"2026-11-27T00:00:00Z\",\"type\":\"all\",$1}"; }

echo "== $flows flows (weir gen, IPv4), one day; weir serve on loopback; best of 3"
printf '%-34s %9s %9s %9s %s\n' "answer" "browser" "API" "CLI" "peer"
declare -A browser
while read -r name value; do browser[$name]=$value; done < <(node "$src/ui/bench/serve.mjs" "$base" bench bench-password $day 3)

a=$(best_cmd api "$(q '"view":"top","key":"dip","values":"bytes","count":10')")
c=$(best_cmd "$weir" stats "${sel[@]}" --fields=dip --values=bytes --count=10)
n=$(best_cmd nfdump -r "$nf" -q -s dstip/bytes -n 10)
printf '%-34s %7s ms %6s ms %6s ms  nfdump -s dstip/bytes %d ms (%.1fx the browser) | goal < 1000 ms\n' \
  "top 10 dIP by bytes" "${browser[top10_dip_bytes]}" "$a" "$c" "$n" "$(awk -v a="$n" -v b="${browser[top10_dip_bytes]}" 'BEGIN{print a/b}')"
a=$(best_cmd api "$(q '"view":"records","limit":100')")
c=$(best_cmd "$weir" cut "${sel[@]}" --num-recs=100)
n=$(best_cmd nfdump -r "$nf" -q -c 100)
printf '%-34s %7s ms %6s ms %6s ms  nfdump -c 100 %d ms | goal < 200 ms\n' "records, first page of 100" "${browser[records_first_page]}" "$a" "$c" "$n"
a=$(best_cmd api "$(q '"view":"records","limit":100,"offset":100')")
printf '%-34s %7s ms %6s ms %9s | goal < 200 ms\n' "records, next page" "${browser[records_next_page]}" "$a" "-"
a=$(best_cmd api "$(q '"view":"records","limit":100,"offset":99900')")
c=$(best_cmd "$weir" cut "${sel[@]}" --start-rec-num=99901 --num-recs=100)
printf '%-34s %7s ms %6s ms %6s ms | goal < 200 ms\n' "records, page 1000 (offset 99,900)" "${browser[records_page_1000]}" "$a" "$c"
a=$(best_cmd api "$(q '"view":"records","limit":100,"sort":"bytes","desc":true')")
c=$(best_cmd sh -c "'$weir' sort ${sel[*]} --fields=bytes --reverse | '$weir' cut --num-recs=100")
printf '%-34s %7s ms %6s ms %6s ms  (CLI: sort | cut)\n' "records sorted by bytes, page 1" "${browser[records_sorted_bytes]}" "$a" "$c"
a=$(best_cmd api "$(q '"view":"series","bin":300')")
c=$(best_cmd "$weir" count "${sel[@]}" --bin-size=300)
printf '%-34s %7s ms %6s ms %6s ms\n' "time series, 5-minute bins" "${browser[series_5min]}" "$a" "$c"

# Responsiveness: a small request while a long query runs.
api "$(q '"view":"group","key":"sip,dip,sport,dport","values":"records,bytes","count":10,"id":"long"')" >/dev/null &
long=$!
sleep 0.3
t0=$(date +%s%N); curl -s -f -b "$tmp/cj" "$base/api/site" >/dev/null; t1=$(date +%s%N)
t2=$(date +%s%N); curl -s -f -b "$tmp/cj" -X DELETE -H "X-CSRF-Token: $csrf" "$base/api/queries/long" >/dev/null || true
wait $long || true; t3=$(date +%s%N)
printf 'during a long group-by: /api/site answered in %d ms; cancelling it took %d ms to end the query\n' \
  $(( (t1 - t0) / 1000000 )) $(( (t3 - t2) / 1000000 ))
