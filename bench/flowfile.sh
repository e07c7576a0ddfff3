#!/usr/bin/env bash
# Storage and decode, weir's flow file side by side with nfdump (nfcapd's LZ4 files)
# on the same IPv4 flows, in one run; prints ratios. Needs a release build
# (cmake --preset release && cmake --build --preset release) and nfdump (Debian).
#   bench/flowfile.sh [FLOWS]     (default 1000000)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
weir=$src/build/release/src/cli/weir
bench=$src/build/release/bench/flowfile_bench
flows=${1:-1000000}
command -v nfcapd >/dev/null || { echo "install nfdump (apt-get install nfdump)" >&2; exit 2; }
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
tmp=$(mktemp -d)
# shellcheck source=nfdump_load.sh
source "$src/bench/nfdump_load.sh"
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "== weir flow file: encode/decode per core (Google Benchmark, 1 M flows in memory)"
"$bench" --benchmark_min_time=1 2>/dev/null | grep -E "^BM_"

echo
echo "== $flows IPv4 flows: weir gen -> weir file; the same flows as NetFlow v5 -> nfcapd -y (LZ4)"
t0=$(now)
"$weir" gen --flows="$flows" --seed=1 --start-time=2026/11/26 --ipv6-fraction=0 --output-path="$tmp/flows.weir"
t1=$(now)
gen_rate=$(awk -v n="$flows" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", n / (b - a) / 1e6}')
nffile=$(nfdump_load "$tmp" "$weir" "$tmp/flows.weir")
nf_flows=$(nfdump -r "$nffile" -q -o 'fmt:%sa' | wc -l)
weir_size=$(stat -c %s "$tmp/flows.weir")
nf_size=$(stat -c %s "$nffile")
weir_bpf=$(ratio "$weir_size" "$flows")
nf_bpf=$(ratio "$nf_size" "$nf_flows")
echo "generate + write: $gen_rate M flows/s (weir gen, all cores)"
echo "nfcapd stored $nf_flows of $flows flows sent"
echo "storage: weir $weir_bpf B/flow (zstd), nfdump $nf_bpf B/flow (lz4): nfdump/weir = $(ratio "$nf_bpf" "$weir_bpf")"

time_cmd() { local a b; a=$(now); "$@" >/dev/null; b=$(now); awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b - a}'; }
w_all=$(time_cmd "$weir" cut --output-format=csv --all-fields "$tmp/flows.weir")
n_all=$(time_cmd nfdump -r "$nffile" -q -o csv)
w_one=$(time_cmd "$weir" cut --fields=bytes --no-titles "$tmp/flows.weir")
n_one=$(time_cmd nfdump -r "$nffile" -q -o 'fmt:%byt')
w_info=$(time_cmd "$weir" info "$tmp/flows.weir")
n_info=$(time_cmd nfdump -r "$nffile" -q -I)
echo "read + print every field as CSV: weir ${w_all}s, nfdump ${n_all}s: nfdump/weir = $(ratio "$n_all" "$w_all")"
echo "read + print bytes only:          weir ${w_one}s, nfdump ${n_one}s: nfdump/weir = $(ratio "$n_one" "$w_one")"
echo "file summary (info / -I):         weir ${w_info}s, nfdump ${n_info}s: nfdump/weir = $(ratio "$n_info" "$w_info")"
