#!/usr/bin/env bash
# JSON export, weir side by side with nfdump on the same flows, in one run:
# every destination-port-53 flow of 10 M as JSON (weir export, nfdump -o json),
# and weir's CSV and ECS for comparison, and the CPU time of two workers and of one
# thread (records per CPU-second: the per-core goal). Prints times, records and ratios.
#   bench/export.sh [FLOWS]     (default 10000000)
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
# best COMMAND...: wall time of the fastest of 3 runs, output to /dev/null; that run's
# CPU time (user + system, all threads) goes to $tmp/cpu.
best() {
  local b="" t
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }
    t=$(cut -d' ' -f1 "$tmp/time")
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN {exit !(a < b)}'; then
      b=$t
      awk '{print $2 + $3}' "$tmp/time" >"$tmp/cpu"
    fi
  done
  echo "$b"
}

echo "== $flows IPv4 flows from weir gen; the same flows in nfdump (NetFlow v5 -> nfcapd -y)"
day=2026/11/26
"$weir" gen --flows="$flows" --seed=1 --start-time=$day --ipv6-fraction=0 --root-directory="$tmp/repo" >/dev/null 2>&1
sel=(--data-rootdir="$tmp/repo" --type=all --start-date=$day --end-date=2026/11/27)
nf=$(nfdump_load "$tmp" "$weir" "${sel[@]}")

weir_json=$(best "$weir" export "${sel[@]}" --dport=53)
weir_json_cpu=$(cat "$tmp/cpu")
best "$weir" export "${sel[@]}" --dport=53 --threads=1 >/dev/null
weir_one_cpu=$(cat "$tmp/cpu")
weir_ecs=$(best "$weir" export "${sel[@]}" --dport=53 --schema=ecs)
weir_csv=$(best "$weir" export "${sel[@]}" --dport=53 --output-format=csv)
nfdump_json=$(best nfdump -r "$nf" -o json 'dst port 53')
weir_records=$("$weir" export "${sel[@]}" --dport=53 | wc -l)
nfdump_records=$(nfdump -r "$nf" -o json 'dst port 53' | grep -c '"type"' || true)
weir_bytes=$("$weir" export "${sel[@]}" --dport=53 | wc -c)
nfdump_bytes=$(nfdump -r "$nf" -o json 'dst port 53' | wc -c)

printf 'records: weir %s, nfdump %s\n' "$weir_records" "$nfdump_records"
printf '%-40s %6.2f s  %5.2f M records/s  %4d B/record\n' "weir export (JSON, weir fields)" \
  "$weir_json" "$(awk -v n="$weir_records" -v t="$weir_json" 'BEGIN{print n/t/1e6}')" \
  "$((weir_bytes / (weir_records > 0 ? weir_records : 1)))"
printf '%-40s %6.2f s  %5.2f M records/s per core (CPU time, all threads)\n' "  the same" "$weir_json_cpu" \
  "$(awk -v n="$weir_records" -v t="$weir_json_cpu" 'BEGIN{print (t > 0 ? n/t/1e6 : 0)}')"
printf '%-40s %6.2f s  %5.2f M records/s per core\n' "  the same, one thread (CPU time)" "$weir_one_cpu" \
  "$(awk -v n="$weir_records" -v t="$weir_one_cpu" 'BEGIN{print (t > 0 ? n/t/1e6 : 0)}')"
printf '%-40s %6.2f s\n' "weir export --schema=ecs" "$weir_ecs"
printf '%-40s %6.2f s\n' "weir export --output-format=csv" "$weir_csv"
printf '%-40s %6.2f s  %5.2f M records/s  %4d B/record\n' "nfdump -o json 'dst port 53'" \
  "$nfdump_json" "$(awk -v n="$nfdump_records" -v t="$nfdump_json" 'BEGIN{print n/t/1e6}')" \
  "$((nfdump_bytes / (nfdump_records > 0 ? nfdump_records : 1)))"
echo "nfdump/weir (JSON): $(ratio "$nfdump_json" "$weir_json")x   goal: weir <= 0.4 s, >= 3 M records/s per core"
