#!/usr/bin/env bash
# Analysis queries, weir side by side with nfdump on the same flows, in one run.
# Needs a release build and nfdump (Debian). Prints times, peak memory and ratios.
#   bench/query.sh [FLOWS]     (default 10000000)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
weir=$src/build/release/src/cli/weir
flows=${1:-10000000}
command -v nfcapd >/dev/null || { echo "install nfdump (apt-get install nfdump)" >&2; exit 2; }
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
tmp=$(mktemp -d)
# shellcheck source=nfdump_load.sh
source "$src/bench/nfdump_load.sh"
trap 'rm -rf "$tmp"' EXIT
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
# run NAME COMMAND...: best wall time of 3 runs and the peak RSS of the best, as "SECONDS MIB".
run() {
  local best="" mem=0 t m
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }
    read -r t m <"$tmp/time"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$t; mem=$m; fi
  done
  echo "$best $((mem / 1024))"
}

echo "== $flows IPv4 flows from weir gen: a weir repository, and the same flows in nfdump (NetFlow v5 -> nfcapd -y)"
day=2026/11/26
"$weir" gen --flows="$flows" --seed=1 --start-time=$day --ipv6-fraction=0 --root-directory="$tmp/repo" 2>/dev/null
nf=$(nfdump_load "$tmp" "$weir" --data-rootdir="$tmp/repo" --type=all --start-date=$day --end-date=2026/11/27)
nf_flows=$(nfdump -r "$nf" -q -o 'fmt:%sa' | wc -l)
echo "nfcapd stored $nf_flows of $flows flows"
sel=(--data-rootdir="$tmp/repo" --type=all --start-date=$day --end-date=2026/11/27)

report() {  # report NAME GOAL WEIR_RESULT NFDUMP_RESULT
  read -r wt wm <<<"$3"
  if [ -n "$4" ]; then
    read -r nt nm <<<"$4"
    printf '%-46s weir %6.2f s %5d MiB | nfdump %6.2f s %5d MiB | nfdump/weir %5sx | goal %s\n' \
      "$1" "$wt" "$wm" "$nt" "$nm" "$(ratio "$nt" "$wt")" "$2"
  else
    printf '%-46s weir %6.2f s %5d MiB | goal %s\n' "$1" "$wt" "$wm" "$2"
  fi
}

echo
expr='proto tcp and dst port 443 and bytes > 1000000'
w=$(run "$weir" filter "${sel[@]}" --expr "$expr" --print-statistics)
n=$(run nfdump -r "$nf" -q -o 'fmt:%ts' "$expr")
report "filter, count only" "<= 0.1 s" "$w" "$n"
w=$(run "$weir" filter "${sel[@]}" --protocol=6 --dport=443 --bytes=1000001- --print-statistics)
report "filter, rwfilter switches" "<= 0.1 s" "$w" ""
wc=$("$weir" filter "${sel[@]}" --expr "$expr" --print-statistics 2>&1 | sed 's/.*Pass *\([0-9]*\).*/\1/')
nc=$(nfdump -r "$nf" -q -o 'fmt:%ts' "$expr" | wc -l)
echo "   (passed: weir $wc, nfdump $nc)"

w=$(run "$weir" stats "${sel[@]}" --fields=dip --values=bytes --count=10)
n=$(run nfdump -r "$nf" -q -s dstip/bytes -n 10)
report "top 10 destination IPs by bytes" "<= 0.3 s" "$w" "$n"
w=$(run sh -c "'$weir' filter ${sel[*]} --all-destination=- | '$weir' stats --fields=dip --values=bytes --count=10")
report "  same, pipe form (filter | stats)" "within 2x" "$w" ""

w=$(run "$weir" uniq "${sel[@]}" --fields=sip,dport --values=records,bytes)
n=$(run nfdump -r "$nf" -q -A srcip,dstport -o 'fmt:%sa %dp %fl %byt')
groups=$("$weir" uniq "${sel[@]}" --fields=sip,dport --values=records --no-titles | wc -l)
report "group by (sip, dport): $groups groups" "<= 1 s, <= 250 MiB" "$w" "$n"

w=$(run "$weir" count "${sel[@]}" --bin-size=300)
report "5-minute time series of bytes" "<= 0.2 s" "$w" ""
