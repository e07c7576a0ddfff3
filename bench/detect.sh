#!/usr/bin/env bash
# Detection latency of weir collect --detect (the default rules), wall clock:
# bench/detect_latency.py sends NetFlow v5 in real time, 2,000 background flows/s
# and rounds of a 30,000 flows/s SYN flood on a new victim, and times each flood's
# first datagram to its start event in the alert file, and (with gobgpd installed)
# to its blackhole route in gobgpd's RIB.
#   bench/detect.sh [ROUNDS]        (needs the release build: cmake --preset release)
set -euo pipefail
rounds=${1:-10}
src=$(cd "$(dirname "$0")/.." && pwd)
weir="$src/build/release/src/cli/weir"
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
tmp=$(mktemp -d)
gobgpd_pid=""
trap 'kill "$pid" $gobgpd_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/sensor.conf" <<EOF
probe p netflow-v5
  listen-on-port $port
  protocol udp
end probe
sensor local
  netflow-v5-probes p
  internal-ipblocks 10.0.0.0/8
  external-ipblocks remainder
end sensor
EOF
bgp=() api=""
if command -v gobgpd >/dev/null; then
  api=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '[global.config]\n  as = 64512\n  router-id = "192.0.2.1"\n  port = -1\n' >"$tmp/gobgpd.toml"
  gobgpd -f "$tmp/gobgpd.toml" --api-hosts=127.0.0.1:"$api" -l warn >"$tmp/gobgpd.log" 2>&1 &
  gobgpd_pid=$!
  bgp=(--bgp-gobgp=127.0.0.1:"$api" --bgp-hold=1)
  sleep 1
fi
"$weir" collect --sensor-configuration="$tmp/sensor.conf" --root-directory="$tmp/repo" \
  --detect --alert-output="$tmp/alerts.json" "${bgp[@]}" 2>"$tmp/collect.log" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/collect.log" && break; sleep 0.1; done
/usr/bin/python3 "$src/bench/detect_latency.py" 127.0.0.1 "$port" "$tmp/alerts.json" "$rounds" $api
kill -TERM "$pid"
wait "$pid" || true
echo "incidents: $(grep -c '"event":"start"' "$tmp/alerts.json") started (syn_flood and flow_flood per flood;" \
  "none expected on the background)"
grep '"event":"start"' "$tmp/alerts.json" | /usr/bin/python3 -c '
import collections, json, sys
print(dict(collections.Counter(json.loads(l)["rule"] for l in sys.stdin)))'
