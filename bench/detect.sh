#!/usr/bin/env bash
# Detection latency, weir against FastNetMon, wall clock on loopback, the same
# traffic to both: bench/detect_latency.py sends NetFlow v5 in real time, 2,000
# background flows/s and rounds of a 10-second, 30,000 flows/s spoofed SYN flood
# on a new victim, and times each flood's first datagram to
#   weir:       the start event of `weir collect --detect` (default rules) in its
#               alert file, and (with gobgpd installed) the blackhole route in
#               gobgpd's RIB;
#   FastNetMon: the call of its ban script (Debian's fastnetmon 1.2.4 with its
#               shipped /etc/fastnetmon.conf, NetFlow input on, 10.0.0.0/16 watched).
# Then the ratio of the medians, and the incidents on background hosts (none expected).
#   bench/detect.sh [ROUNDS]        (needs the release build: cmake --preset release)
set -euo pipefail
rounds=${1:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
weir="$src/build/release/src/cli/weir"
python=/usr/bin/python3
[ -x "$weir" ] || { echo "build the release preset first" >&2; exit 2; }
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
free_port() { $python -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
median() { grep "^latency:" "$1" | sed 's/.*median \([0-9.]*\) s.*/\1/'; }
false_incidents() { grep -c "$2" "$1" | awk '{print $1}' || true; }

# weir
port=$(free_port)
cat >"$tmp/sensor.conf" <<EOF
probe p netflow-v5
  listen-on-port $port
  protocol udp
end probe
sensor local
  netflow-v5-probes p
  internal-ipblocks 10.0.0.0/16
  external-ipblocks remainder
end sensor
EOF
bgp=() api=""
if command -v gobgpd >/dev/null; then
  api=$(free_port)
  printf '[global.config]\n  as = 64512\n  router-id = "192.0.2.1"\n  port = -1\n' >"$tmp/gobgpd.toml"
  gobgpd -f "$tmp/gobgpd.toml" --api-hosts=127.0.0.1:"$api" -l warn >"$tmp/gobgpd.log" 2>&1 &
  pids+=($!)
  bgp=(--bgp-gobgp=127.0.0.1:"$api" --bgp-hold=1)
  sleep 1
fi
"$weir" collect --sensor-configuration="$tmp/sensor.conf" --root-directory="$tmp/repo" \
  --detect --alert-output="$tmp/alerts.json" "${bgp[@]}" 2>"$tmp/collect.log" &
pid=$!
pids+=($pid)
for _ in $(seq 100); do grep -q listening "$tmp/collect.log" && break; sleep 0.1; done
echo "== weir collect --detect (default rules)"
$python "$src/bench/detect_latency.py" 127.0.0.1 "$port" "$tmp/alerts.json" "$rounds" $api | tee "$tmp/weir.out"
kill -TERM "$pid"
wait "$pid" || true
weir_false=$(grep '"event":"start"' "$tmp/alerts.json" | grep -vc '"key":"10.0.10.' || true)
echo "weir: incidents on background hosts: $weir_false"

# FastNetMon
if command -v fastnetmon >/dev/null; then
  port=$(free_port)
  mkdir -p "$tmp/fnm"
  echo 10.0.0.0/16 >"$tmp/fnm/networks"
  : >"$tmp/fnm/whitelist"
  printf '#!/bin/sh\n[ "$4" = ban ] && echo "$1 $(date +%%s.%%N)" >>%s\nexit 0\n' "$tmp/fnm/bans" >"$tmp/fnm/notify.sh"
  chmod +x "$tmp/fnm/notify.sh"
  # the shipped configuration, with NetFlow input on and paths of its own
  sed -e 's/^netflow = off/netflow = on/' -e "s/^netflow_port = .*/netflow_port = $port/" \
    -e 's/^netflow_host = .*/netflow_host = 127.0.0.1/' \
    -e "s|^networks_list_path = .*|networks_list_path = $tmp/fnm/networks|" \
    -e "s|^white_list_path = .*|white_list_path = $tmp/fnm/whitelist|" \
    -e "s|^notify_script_path = .*|notify_script_path = $tmp/fnm/notify.sh|" \
    -e 's/^enable_api = on/enable_api = off/' -e 's/^prometheus = on/prometheus = off/' \
    -e "s|^cli_stats_file_path = .*|cli_stats_file_path = $tmp/fnm/stats.dat|" \
    -e "s|^cli_stats_ipv6_file_path = .*|cli_stats_ipv6_file_path = $tmp/fnm/stats6.dat|" \
    /etc/fastnetmon.conf >"$tmp/fnm/fastnetmon.conf"
  fastnetmon --configuration_file "$tmp/fnm/fastnetmon.conf" --log_to_console --disable_pid_logic \
    >"$tmp/fnm/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "netflow plugin will listen" "$tmp/fnm/log" && break; sleep 0.1; done
  echo "== FastNetMon $(fastnetmon --version 2>&1 | head -1 | awk '{print $NF}') (shipped thresholds)"
  $python "$src/bench/detect_latency.py" 127.0.0.1 "$port" "$tmp/fnm/bans" "$rounds" | tee "$tmp/fnm.out"
  fnm_false=$( { grep -v '^10.0.10.' "$tmp/fnm/bans" 2>/dev/null || true; } | wc -l)
  echo "FastNetMon: bans of background hosts: $fnm_false"
  w=$(median "$tmp/weir.out") f=$(median "$tmp/fnm.out")
  [ -n "$w" ] && [ -n "$f" ] &&
    $python -c "print(f'ratio: FastNetMon {float(\"$f\"):.2f} s / weir {float(\"$w\"):.2f} s = {float(\"$f\") / float(\"$w\"):.1f}x (median time to the first alert)')"
else
  echo "fastnetmon is not installed: no comparison (apt-get install fastnetmon)"
fi
