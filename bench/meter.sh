#!/usr/bin/env bash
# Meter throughput, pcap file to flows: weir meter side by side with softflowd -r
# on the same synthetic capture (weir gen --pcap: realistic packet sizes and flow
# lengths, header-only frames). Both export IPFIX to a loopback port nobody reads,
# with timeouts as equal as their switches allow. Prints packets/s of each, the
# ratio, and weir's memory per active flow.
#   bench/meter.sh [FLOWS] [DURATION]      (defaults: 1000000 flows over 5m)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
weir=$src/build/release/src/cli/weir
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
command -v softflowd >/dev/null || { echo "softflowd (Debian package) is needed" >&2; exit 2; }
flows=${1:-1000000}
duration=${2:-5m}
cache=${WEIR_BENCH_CACHE:-$src/build/bench-data}
mkdir -p "$cache"
pcap=$cache/meter-$flows-$duration.pcap
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

if [ ! -s "$pcap" ]; then
  "$weir" gen --flows="$flows" --duration="$duration" --start-time=2026/11/01 \
    --max-packets-per-flow=30 --pcap="$pcap.tmp" 2>"$tmp/gen.txt"
  mv "$pcap.tmp" "$pcap"
  cat "$tmp/gen.txt"
fi
packets=$("$weir" meter -r "$pcap" --output-path=/dev/null 2>&1 | sed -n 's/.*decode: \([0-9]*\) frames.*/\1/p')
echo "capture: $pcap, $packets packets of $flows generated flows, $(du -h "$pcap" | cut -f1)"

# A sink that never reads: datagrams are dropped by the kernel, senders see no error.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -c "import socket, time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $port)); time.sleep(3600)" &
sleep 0.3

cat "$pcap" >/dev/null  # both runs read from the page cache

timed() {  # timed OUT CMD...: wall seconds and peak RSS (KiB) of CMD into OUT
  /usr/bin/time -f '%e %M' -o "$1" "${@:2}" >/dev/null 2>"$1.err"
}
timed "$tmp/weir.t" "$weir" meter -r "$pcap" --export=127.0.0.1:"$port" --protocol=10 \
  --max-flows=4000000
timed "$tmp/sf.t" softflowd -d -r "$pcap" -n 127.0.0.1:"$port" -v 10 -m 4000000 \
  -t general=15 -t tcp=15 -t udp=15 -t icmp=15 -t tcp.rst=2 -t tcp.fin=2 -t maxlife=1800
# Baseline memory: the same meter on a one-packet capture.
"$weir" gen --flows=1 --duration=1m --start-time=2026/11/01 --pcap="$tmp/one.pcap" 2>/dev/null
timed "$tmp/base.t" "$weir" meter -r "$tmp/one.pcap" --export=127.0.0.1:"$port"

read -r weir_s weir_kb <"$tmp/weir.t"
read -r sf_s sf_kb <"$tmp/sf.t"
read -r _ base_kb <"$tmp/base.t"
peak=$(sed -n 's/.*active (peak \([0-9]*\)).*/\1/p' "$tmp/weir.t.err")
records=$(sed -n 's/.* \([0-9]*\) ended, .*/\1/p' "$tmp/weir.t.err")
awk -v p="$packets" -v ws="$weir_s" -v ss="$sf_s" -v wk="$weir_kb" -v sk="$sf_kb" \
  -v bk="$base_kb" -v peak="$peak" -v rec="$records" 'BEGIN {
  printf "weir meter:   %6.2f s  %6.2f M packets/s  %5.0f MiB peak RSS  %d flow records\n", ws, p / ws / 1e6, wk / 1024, rec
  printf "softflowd -r: %6.2f s  %6.2f M packets/s  %5.0f MiB peak RSS\n", ss, p / ss / 1e6, sk / 1024
  printf "ratio: weir is %.1fx softflowd (goal >= 3x)\n", ss / ws
  printf "memory: %d active flows at peak, %.0f bytes per active flow\n", peak, (wk - bk) * 1024 / peak
}'
