#!/usr/bin/env bash
# Collector ingest on loopback, weir collect side by side with nfdump's nfcapd (both
# with a 64 MiB socket buffer):
# the same NetFlow v9 datagrams (bench/flow_blast) replayed at rising rates; per
# rate, flows stored / flows sent for each, and the best lossless rate of each.
# Each rate sends 30 M flows by default: several seconds of traffic, so that the
# socket buffer (64 MiB, ~1.4 M flows) cannot hide a collector that falls behind.
# The sender runs on the same cores as the collector.
#   bench/collect.sh [FLOWS_PER_RATE] [RATES...]   (defaults: 30000000, 1M 2M 2500K 3M 4M 5M 6M 7M 8M;
#                                                   a rate is flows/s, K and M allowed)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
weir=$src/build/release/src/cli/weir
blast=$src/build/release/bench/flow_blast
[ -x "$weir" ] && [ -x "$blast" ] || { echo "build the release preset first" >&2; exit 2; }
command -v nfcapd >/dev/null || { echo "nfcapd (Debian package nfdump) is needed" >&2; exit 2; }
flows=${1:-30000000}
shift || true
rates=()
for r in "${@:-1M 2M 2500K 3M 4M 5M 6M 7M 8M}"; do
  for one in $r; do
    case $one in
      *M) rates+=($((${one%M} * 1000000))) ;;
      *K) rates+=($((${one%K} * 1000))) ;;
      *) rates+=("$one") ;;
    esac
  done
done
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$((20000 + RANDOM % 30000))

settle() {  # waits until the count printed by "$@" stops changing (3 s steady, 120 s at most)
  local last=-1 same=0 n
  for _ in $(seq 240); do
    n=$("$@")
    if [ "$n" = "$last" ]; then same=$((same + 1)); [ $same -ge 6 ] && break; else same=0; fi
    last=$n
    sleep 0.5
  done
  echo "${last:-0}"
}

run_weir() {  # run_weir RATE: prints flows stored
  local dir=$tmp/weir
  rm -rf "$dir"
  cat >"$tmp/sensor.conf" <<CONF
probe bench netflow-v9
  listen-on-port $port
end probe
sensor local
  netflow-v9-probes bench
  internal-ipblocks 10.0.0.0/8
  external-ipblocks remainder
end sensor
CONF
  "$weir" collect --sensor-configuration="$tmp/sensor.conf" --root-directory="$dir" \
    --stats-interval=0 --log-destination=none &
  local pid=$!
  sleep 1
  "$blast" 127.0.0.1 "$port" "$flows" "$1" 2>>"$tmp/blast.log"
  settle sh -c "'$weir' collect --status --root-directory='$dir' | sed -n 's/.*; \([0-9]*\) records stored.*/\1/p'"
  kill -TERM "$pid"
  wait "$pid" || true
}

run_nfcapd() {  # run_nfcapd RATE: prints flows stored
  local dir=$tmp/nfcapd
  rm -rf "$dir"
  mkdir -p "$dir"
  nfcapd -w "$dir" -p "$port" -b 127.0.0.1 -B $((64 << 20)) -t 3600 >"$tmp/nfcapd.log" 2>&1 &
  local pid=$!
  sleep 1
  "$blast" 127.0.0.1 "$port" "$flows" "$1" 2>>"$tmp/blast.log"
  sleep 3
  kill -TERM "$pid"
  wait "$pid" || true
  nfdump -R "$dir" -I 2>/dev/null | awk '/^Flows:/ {print $2; exit}'
}

echo "collector ingest, $flows NetFlow v9 flows per rate, loopback, $(nproc) cores"
printf '%12s %12s %14s %14s %10s %10s\n' "rate/s" "sent/s" "nfcapd stored" "weir stored" "nfcapd %" "weir %"
best_nf=0 best_weir=0
for rate in "${rates[@]}"; do
  nf=$(run_nfcapd "$rate")
  wr=$(run_weir "$rate")
  nf_pct=$(awk -v a="$nf" -v b="$flows" 'BEGIN {printf "%.1f", 100 * a / b}')
  wr_pct=$(awk -v a="$wr" -v b="$flows" 'BEGIN {printf "%.1f", 100 * a / b}')
  # What the sender reached (it shares the cores: at high rates it may fall short).
  sent=$(tail -1 "$tmp/blast.log" | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p')
  printf '%12s %12s %14s %14s %10s %10s\n' "$rate" "$sent" "$nf" "$wr" "$nf_pct" "$wr_pct"
  # The best lossless rate: the highest before the first loss (a lucky run above a
  # loss does not count).
  if [ "$nf" -ge "$flows" ] && [ -z "${nf_lost:-}" ]; then best_nf=$rate; else nf_lost=1; fi
  if [ "$wr" -ge "$flows" ] && [ -z "${wr_lost:-}" ]; then best_weir=$rate; else wr_lost=1; fi
done
echo "best lossless rate: nfcapd $best_nf/s, weir $best_weir/s" \
  "(ratio $(awk -v a="$best_weir" -v b="$best_nf" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else print "n/a"}'))"
echo "sender: $(tail -1 "$tmp/blast.log")"
