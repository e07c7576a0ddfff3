#!/usr/bin/env bash
# End-to-end tests of `weir collect` with real exporters: run as
# `collect_test.sh CASE WEIR_BINARY`. Every case starts its own collector on free
# loopback ports, feeds it, and checks what landed in the repository.
set -euo pipefail
case_name=$1
weir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
shared="${WEIR_SHARED_DIR:-$src/../shared}"  # optional; absent: the cases that need it skip
python=/usr/bin/python3
tmp=$(mktemp -d)
collector_pid=
cleanup() {
  [ -n "$collector_pid" ] && kill -9 "$collector_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  [ -f collect.log ] && tail -20 collect.log >&2
  exit 1
}
skip() { echo "SKIP: $*"; exit 0; }
need() { command -v "$1" >/dev/null || fail "$1 is not installed (./setup.sh installs it)"; }
free_port() { $python -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 0)); print(s.getsockname()[1])'; }

# sensor_conf PORT TYPE [internal blocks]: one probe and one sensor.
sensor_conf() {
  cat <<CONF
probe p $2
  listen-on-port $1
  protocol ${PROTOCOL:-udp}
end probe
sensor local
  $2-probes p
  internal-ipblocks ${3:-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}
  external-ipblocks remainder
end sensor
CONF
}

# start_collector ROOT ARGS...: runs weir collect in the background until it listens.
start_collector() {
  local root=$1
  shift
  # The log collects every run of a case: wait for this run's own "listening" line.
  local before
  before=$(grep -c "listening:" collect.log 2>/dev/null || true)
  "$weir" collect --root-directory="$root" --flush-timeout=0.2 --stats-interval=0 "$@" \
    >>collect.log 2>&1 &
  collector_pid=$!
  for _ in $(seq 100); do
    [ "$(grep -c "listening:" collect.log 2>/dev/null || true)" -gt "${before:-0}" ] && return 0
    kill -0 "$collector_pid" 2>/dev/null || fail "weir collect exited at start"
    sleep 0.05
  done
  fail "weir collect did not start listening"
}
stored() {  # records stored by the running collector, from its status page
  { "$weir" collect --status --root-directory="$1" 2>/dev/null || true; } |
    sed -n 's/.*; \([0-9]*\) records stored.*/\1/p'
}
wait_stored() {  # wait_stored ROOT N: until N records are stored (30 s at most)
  local n=0
  for _ in $(seq 600); do
    n=$(stored "$1")
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.05
  done
  "$weir" collect --status --root-directory="$1" >&2 || true
  fail "stored ${n:-0} records, expected $2"
}
stop_collector() {
  kill -TERM "$collector_pid"
  local rc=0
  wait "$collector_pid" || rc=$?
  collector_pid=
  [ "$rc" -eq 0 ] || fail "weir collect exited $rc after SIGTERM"
}
flow_files() { find "$1" -type f -not -path '*/.weir/*' | sort; }
# v4_flows FLOWS SEED DURATION: weir gen's flows of this hour, the IPv4 ones (NetFlow
# v5 carries no IPv6) in g4.weir and as nfv5_send.py's CSV in flows.csv; sets $total.
v4_flows() {
  local fields=sip,dip,nhip,input,output,packets,bytes,stime,etime,sport,dport,flags,protocol,tos,src_as,dst_as,src_mask,dst_mask
  "$weir" gen --flows="$1" --seed="$2" --start-time="$(date -u +%Y/%m/%d:%H)" --duration="$3" \
    --output-path=g.weir >/dev/null
  "$weir" filter --ip-version=4 --pass=g4.weir g.weir
  total=$("$weir" info g4.weir | awk '/count-records/ {s += $2} END {print s}')
  { echo "$fields"; "$weir" cut --output-format=csv --timestamp-format=epoch-ms --integer-tcp-flags \
      --no-titles --fields="$fields" g4.weir; } >flows.csv
}
# send_v5 PORT: flows.csv as NetFlow v5 datagrams to 127.0.0.1:PORT.
send_v5() { $python "$src/bench/nfv5_send.py" 127.0.0.1 "$1" <flows.csv >/dev/null; }
# per_protocol ROOT: "protocol records packets bytes" lines from the stored files.
per_protocol() {
  flow_files "$1" | "$weir" uniq --xargs=- --fields=protocol --values=records,packets,bytes \
    --no-titles --delimited=' ' --sort-output
}

case "$case_name" in
  softflowd)
    # softflowd meters every traffic capture and exports v5, v9 and IPFIX; what is
    # stored must be every record it exported, with its packets and bytes.
    need softflowd
    [ -d "$shared/data/traffic" ] || skip "$shared/data/traffic absent"
    for version in 5 9 10; do
      port=$(free_port)
      root=r$version
      sensor_conf "$port" netflow-v9 >s$version.conf
      start_collector "$root" --sensor-configuration=s$version.conf
      expected=0
      : >want$version.txt
      for pcap in "$shared"/data/traffic/*.pcap; do
        softflowd -r "$pcap" -n 127.0.0.1:"$port" -v $version -d >sf.txt 2>&1 ||
          fail "softflowd -v $version $pcap"
        records=$(sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records).*/\1/p' sf.txt)
        failures=$(sed -n 's/.*packets (\([0-9]*\) failures).*/\1/p' sf.txt)
        [ -n "$records" ] && [ "$failures" = 0 ] || fail "softflowd output: $(cat sf.txt)"
        expected=$((expected + records))
        wait_stored "$root" "$expected"
        # softflowd's per-protocol totals (v5 cannot carry IPv6 flows: no totals then)
        sed -n 's/^ *[a-z0-9-]* (\([0-9]*\)): *\([0-9]*\) *\([0-9]*\) .*/\1 \2 \3/p' sf.txt >>want$version.txt
      done
      stop_collector
      [ "$(stored "$root")" -eq "$expected" ] || fail "v$version: stored $(stored "$root") != exported $expected"
      flow_files "$root" | "$weir" cat --xargs=- --output-path=all$version.weir
      got=$("$weir" info all$version.weir | awk '/count-records/ {s += $2} END {print s}')
      [ "$got" -eq "$expected" ] || fail "v$version: files hold $got records, softflowd exported $expected"
      if [ $version != 5 ]; then
        awk '{o[$1] += $2; p[$1] += $3} END {for (k in o) print k, p[k], o[k]}' want$version.txt | sort -n >want.txt
        per_protocol "$root" | awk '{print $1, $3, $4}' | sort -n >got.txt
        diff want.txt got.txt || fail "v$version: per-protocol packets/bytes differ from softflowd's"
      fi
      echo "softflowd v$version: $expected records stored, per-protocol totals equal"
    done
    ;;
  captures)
    # Every export capture, each exporter from its own loopback address.
    [ -d "$shared/data/export" ] || skip "$shared/data/export absent"
    port=$(free_port)
    sensor_conf "$port" netflow-v9 >s.conf
    start_collector r --sensor-configuration=s.conf
    i=0
    for pcap in "$shared"/data/export/*.pcap; do
      i=$((i + 1))
      $python "$src/tests/pcap_udp.py" send --port="$port" --sources=127.0.$i "$pcap" 2>/dev/null
    done
    # The records tshark shows for these captures (src/wire/wire_test.cc pins them per file).
    wait_stored r 2368
    sleep 0.5
    [ "$(stored r)" -eq 2368 ] || fail "stored $(stored r), expected 2368"
    # The status page is rewritten every second: wait for the last exporters to show
    # (captures without flow records add no records to wait for).
    for _ in $(seq 100); do
      "$weir" collect --status --root-directory=r >status.txt
      [ "$(awk '$1 ~ /^127\.0\./ && NF == 12' status.txt | wc -l)" -ge 26 ] && break
      sleep 0.1
    done
    # Exporter lines (12 columns; interface lines follow them) with malformed datagrams:
    awk '$1 ~ /^127\.0\./ && NF == 12 && $9 != 0 {bad = 1} END {exit bad}' status.txt ||
      fail "malformed datagrams counted: $(cat status.txt)"
    [ "$(awk '$1 ~ /^127\.0\./ && NF == 12' status.txt | wc -l)" -ge 26 ] ||
      fail "fewer exporters than captures: $(cat status.txt)"
    grep -q "^interface of exporter" status.txt || fail "no interface names or sFlow counters shown"
    stop_collector
    ;;
  tcp)
    # IPFIX over TCP (RFC 7011 section 10.4): one connection carrying a capture's messages.
    [ -d "$shared/data/export" ] || skip "$shared/data/export absent"
    port=$(free_port)
    PROTOCOL=tcp sensor_conf "$port" ipfix >s.conf
    start_collector r --sensor-configuration=s.conf
    $python "$src/tests/pcap_udp.py" send --tcp --port="$port" \
      "$shared/data/export/ipfix_cisco_ipv6_transport_mpls_options_varlen.pcap" 2>/dev/null
    wait_stored r 748
    stop_collector
    ;;
  writeup)
    # Files with the write-up's quirks: weir's own (always) and the write-up's
    # sensors.conf and silk.conf verbatim (port 2055) when present. The empty group
    # makes every address external, so every flow is ext2ext, in SiLK's directory
    # and file names.
    v4_flows 3000 5 600
    # writeup_run NAME SENSOR_CONF SILK_CONF SENSOR GROUP PORT
    writeup_run() {
      local r=r_$1 conf=$2 silk=$3 sensor=$4 group=$5 port=$6
      start_collector "$r" --sensor-configuration="$conf" --site-config-file="$silk"
      grep -q "group '$group' is empty" collect.log || fail "$1: no warning about the empty group"
      send_v5 "$port"
      wait_stored "$r" "$total"
      stop_collector
      files=$(flow_files "$r")
      echo "$files" | grep -qv "^$r/$sensor/ext2ext/" && fail "$1: a flow outside ext2ext: $files"
      echo "$files" | grep -Eq "^$r/$sensor/ext2ext/[0-9]{4}/[0-9]{2}/[0-9]{2}/ext2ext-${sensor}_[0-9]{8}\.[0-9]{2}$" ||
        fail "$1: not SiLK's path-format names: $files"
      # With the group filled in, flows split by direction exactly as an awk
      # reimplementation of the twoway rules says.
      sed "s/^group $group\$/group $group\n ipblocks 10.0.0.0\/8/" "$conf" >filled.conf
      start_collector "${r}2" --sensor-configuration=filled.conf --site-config-file="$silk"
      send_v5 "$port"
      wait_stored "${r}2" "$total"
      stop_collector
      "$weir" cut --fields=sip,dip,protocol,sport,dport --no-titles --delimited=' ' g4.weir |
        awk '{ i = ($1 ~ /^10\./); o = ($2 ~ /^10\./);
               web = ($3 == 6 && ($4 == 80 || $4 == 443 || $4 == 8080 || $5 == 80 || $5 == 443 || $5 == 8080));
               t = !i && o ? (web ? "inweb" : "in") : i && !o ? (web ? "outweb" : "out") : i ? "int2int" : "ext2ext";
               n[t]++ } END { for (t in n) print t, n[t] }' | sort >want.txt
      for d in "${r}2/$sensor"/*; do
        echo "$(basename "$d") $(flow_files "$d" | "$weir" cat --xargs=- | "$weir" info - | awk '/count-records/ {s += $2} END {print s}')"
      done | sort >got.txt
      diff want.txt got.txt || fail "$1: twoway classification differs"
      echo "$1: $total flows, ext2ext with the empty group, twoway with it filled"
    }
    port=$(free_port)
    sed "s/listen-on-port 2055/listen-on-port $port/" "$src/tests/data/site/sensor.conf" >own.conf
    writeup_run own own.conf "$src/tests/data/site/silk.conf" edge home-nets "$port"
    if [ -f "$shared/silk/sensors.conf" ]; then
      writeup_run verbatim "$shared/silk/sensors.conf" "$shared/silk/silk.conf" local my-network 2055
    else
      echo "skipped the write-up's own files: $shared/silk absent"
    fi
    ;;
  repeated)
    # sensor.conf(5) allows several sensor blocks of one name; each attaches its own
    # probes and deciders (tests/data/site/sensor-repeated.conf: a v9 probe whose
    # block has an empty internal group, a v5 probe whose block says 10/8). softflowd
    # exports one capture as v9 and as v5: what is stored must be what each block,
    # run alone, stores.
    need softflowd
    pcap="$shared/data/traffic/traffic_mixed_many_protocols_vlan_ipv6.pcap"
    [ -f "$pcap" ] || skip "$pcap absent"
    site="$src/tests/data/site"
    v9=$(free_port)
    v5=$(free_port)
    sed "s/listen-on-port 2055/listen-on-port $v9/" "$site/sensor.conf" >sensor.conf
    sed "s/listen-on-port 9996/listen-on-port $v5/;s/listen-on-port 2055/listen-on-port $v9/;s|^include .*|include $tmp/sensor.conf|" \
      "$site/sensor-repeated.conf" >repeated.conf
    sensor_conf "$v5" netflow-v5 "10.0.0.0/8" | sed 's/^sensor local/sensor edge/' >v5only.conf
    export_as() {  # export_as VERSION PORT: softflowd's record count
      softflowd -r "$pcap" -n 127.0.0.1:"$2" -v "$1" -d >sf.txt 2>&1 || fail "softflowd -v $1"
      sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records).*/\1/p' sf.txt
    }
    per_type() {  # per_type ROOT: "type records" lines
      for d in "$1"/edge/*; do
        echo "$(basename "$d") $(flow_files "$d" | "$weir" cat --xargs=- | "$weir" info - | awk '/count-records/ {s += $2} END {print s}')"
      done
    }
    # each block alone
    start_collector alone9 --sensor-configuration=sensor.conf --site-config-file="$site/silk.conf"
    n9=$(export_as 9 "$v9")
    wait_stored alone9 "$n9"
    stop_collector
    start_collector alone5 --sensor-configuration=v5only.conf --site-config-file="$site/silk.conf"
    n5=$(export_as 5 "$v5")
    wait_stored alone5 "$n5"
    stop_collector
    [ "$(per_type alone9)" = "ext2ext $n9" ] || fail "v9 alone: $(per_type alone9)"
    alone5=$(per_type alone5)
    grep -qv '^ext2ext' <<<"$alone5" || fail "v5 alone: no flow classified by 10/8: $alone5"
    # both blocks in one file, both exporters at once
    start_collector both --sensor-configuration=repeated.conf --site-config-file="$site/silk.conf"
    export_as 9 "$v9" >/dev/null
    export_as 5 "$v5" >/dev/null
    wait_stored both $((n9 + n5))
    sleep 0.3
    stop_collector
    { per_type alone9; per_type alone5; } | awk '{n[$1] += $2} END {for (t in n) print t, n[t]}' | sort >want.txt
    per_type both | sort >got.txt
    diff want.txt got.txt || fail "repeated blocks store differently from each block alone"
    echo "repeated sensor blocks: $n9 v9 + $n5 v5 records, per type as each block alone: $(tr '\n' ' ' <got.txt)"
    ;;
  signals)
    # SIGTERM flushes; kill -9 loses at most the flush interval and never a file;
    # a restart appends to the same hour's files; --pidfile; --daemon.
    port=$(free_port)
    sensor_conf "$port" netflow-v9 >s.conf
    v4_flows 2000 3 60
    start_collector r --sensor-configuration=s.conf --pidfile=c.pid
    [ "$(cat c.pid)" = "$collector_pid" ] || fail "pidfile holds $(cat c.pid), not $collector_pid"
    send_v5 "$port"
    wait_stored r "$total"
    sleep 0.5  # one flush interval and more: everything is on disk
    kill -9 "$collector_pid"
    wait "$collector_pid" 2>/dev/null || true
    collector_pid=
    n=$(flow_files r | "$weir" cat --xargs=- | "$weir" info - | awk '/count-records/ {s += $2} END {print s}')
    [ "$n" -eq "$total" ] || fail "after kill -9 the files hold $n of $total records"
    : >collect.log
    start_collector r --sensor-configuration=s.conf
    send_v5 "$port"
    wait_stored r "$total"
    stop_collector
    grep -q "received SIGTERM; flushing and stopping" collect.log || fail "no SIGTERM message"
    n=$(flow_files r | "$weir" cat --xargs=- | "$weir" info - | awk '/count-records/ {s += $2} END {print s}')
    [ "$n" -eq $((2 * total)) ] || fail "after a restart the files hold $n, expected $((2 * total))"
    # --daemon detaches and logs to a file; SIGTERM through the pidfile stops it.
    "$weir" collect --daemon --root-directory=r3 --sensor-configuration=s.conf \
      --log-destination="$tmp/d.log" --pidfile="$tmp/d.pid" --stats-interval=0
    for _ in $(seq 100); do [ -s d.pid ] && grep -q listening d.log && break; sleep 0.05; done
    kill -TERM "$(cat d.pid)"
    for _ in $(seq 100); do [ -e d.pid ] || break; sleep 0.05; done
    [ -e d.pid ] && fail "daemon did not remove its pidfile on SIGTERM"
    grep -q "stopped;" d.log || fail "daemon log: $(cat d.log)"
    ;;
  nfreplay)
    # nfreplay sends an nfdump file as NetFlow v9; weir stores every flow nfdump reads.
    need nfcapd
    need nfreplay
    . "$src/bench/nfdump_load.sh"
    "$weir" gen --flows=5000 --seed=9 --start-time="$(date -u +%Y/%m/%d:%H)" --duration=60 --output-path=g.weir
    "$weir" filter --ip-version=4 --pass=g4.weir g.weir
    nf=$(nfdump_load nf "$weir" g4.weir)
    [ -n "$nf" ] || fail "nfcapd wrote no file"
    want=$(nfdump -r "$nf" -q -N -o 'fmt:%pkt %byt' | awk '{n++; p += $1; b += $2} END {printf "%d %d %d\n", n, p, b}')
    port=$(free_port)
    sensor_conf "$port" netflow-v9 >s.conf
    start_collector r --sensor-configuration=s.conf
    nfreplay -r "$nf" -H 127.0.0.1 -p "$port" -v 9 -d 100 >nfreplay.log 2>&1 || fail "nfreplay: $(cat nfreplay.log)"
    wait_stored r "${want%% *}"
    stop_collector
    got=$(flow_files r | "$weir" cat --xargs=- | "$weir" cut --fields=packets,bytes --no-titles --delimited=' ' |
      awk '{n++; p += $1; b += $2} END {printf "%d %d %d\n", n, p, b}')
    [ "$got" = "$want" ] || fail "nfreplay: weir stored '$got', nfdump reads '$want' (records packets bytes)"
    ;;
  sflow)
    # pmacctd's sfprobe plugin samples a capture 1 in 1 and sends sFlow v5 through a
    # relay here that counts the flow samples (and their sampled IP bytes) it passes
    # on: every sample must become one stored record of one packet.
    need pmacctd
    pcap="$shared/data/traffic/traffic_http_bro_org_13conns.pcap"
    [ -f "$pcap" ] || skip "$pcap absent"
    port=$(free_port)
    relay_port=$(free_port)
    sensor_conf "$port" sflow >s.conf
    start_collector r --sensor-configuration=s.conf
    $python - "$relay_port" "$port" >relay.txt <<'PY' &
import socket, struct, sys
listen, target = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", listen))
s.settimeout(3)
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
samples = ip_bytes = 0
try:
    while True:
        d = s.recv(65536)
        out.sendto(d, ("127.0.0.1", target))
        at = 8 + (4 if struct.unpack(">I", d[4:8])[0] == 1 else 16) + 16
        for _ in range(struct.unpack(">I", d[at - 4:at])[0]):
            fmt, length = struct.unpack(">II", d[at:at + 8])
            body = d[at + 8:at + 8 + length]
            if fmt in (1, 3):
                samples += 1
                rec = 32 if fmt == 1 else 44
                for _ in range(struct.unpack(">I", body[rec - 4:rec])[0]):
                    rfmt, rlen = struct.unpack(">II", body[rec:rec + 8])
                    if rfmt == 1:  # raw packet header: Ethernet (1) or IPv4 (11)
                        proto, flen, strip, hlen = struct.unpack(">IIII", body[rec + 8:rec + 24])
                        hdr = body[rec + 24:rec + 24 + hlen]
                        if proto == 1 and hdr[12:14] == b"\x08\x00":
                            ip_bytes += struct.unpack(">H", hdr[16:18])[0]
                        elif proto == 11:
                            ip_bytes += struct.unpack(">H", hdr[2:4])[0]
                    rec += 8 + rlen
            at += 8 + length
except socket.timeout:
    pass
print(samples, ip_bytes)
PY
    relay=$!
    sleep 0.3
    cat >pmacctd.conf <<CONF
daemonize: false
pcap_savefile: $pcap
pcap_savefile_wait: false
plugins: sfprobe
sfprobe_receiver: 127.0.0.1:$relay_port
sfprobe_agentip: 127.0.0.1
sampling_rate: 1
CONF
    timeout 30 pmacctd -f pmacctd.conf >pmacctd.log 2>&1 || true
    wait "$relay"
    read -r samples ip_bytes <relay.txt
    [ "${samples:-0}" -gt 700 ] || fail "pmacctd sent ${samples:-0} flow samples: $(tail -3 pmacctd.log)"
    wait_stored r "$samples"
    stop_collector
    got=$(flow_files r | "$weir" cat --xargs=- | "$weir" cut --fields=packets,bytes --no-titles --delimited=' ' |
      awk '{n++; p += $1; b += $2} END {printf "%d %d %d\n", n, p, b}')
    [ "$got" = "$samples $samples $ip_bytes" ] ||
      fail "sFlow: weir stored '$got', pmacctd sent '$samples $samples $ip_bytes' (records packets bytes)"
    ;;
  tshark)
    # tshark's decode of each capture (its flow records, packets and bytes) against
    # what weir stores from the same capture replayed over UDP.
    need tshark
    [ -d "$shared/data/export" ] || skip "$shared/data/export absent"
    for spec in netflow_v5_freebsd_ng_netflow_120rec:2055 netflow_v5_pmacctd_42rec:2055 \
      netflow_v5_akvorado_29rec:9990 netflow_v9_nprobe_options_template_898rec:2055 \
      netflow_v9_cisco_ipv6_flows:9991 netflow_v9_cisco_ipv4_ipv6_template_refresh:9991 \
      ipfix_cisco_ipv6_transport_mpls_options_varlen:9991 ipfix_stormshield_enterprise_trailing_padding:4739; do
      name=${spec%%:*}
      pcap="$shared/data/export/$name.pcap"
      want=$(tshark -r "$pcap" -d "udp.port==${spec##*:},cflow" -T fields -E occurrence=a -E aggregator=' ' \
          -e cflow.packets -e cflow.octets 2>/dev/null |
        awk -F '\t' '{ n += split($1, p, " "); for (i in p) pk += p[i];
                        split($2, o, " "); for (i in o) by += o[i] }
                      END { printf "%d %d %d\n", n, pk, by }')
      port=$(free_port)
      sensor_conf "$port" netflow-v9 >s.conf
      : >collect.log
      start_collector "r_$name" --sensor-configuration=s.conf
      $python "$src/tests/pcap_udp.py" send --port="$port" --sources=127.0.9 "$pcap" 2>/dev/null
      wait_stored "r_$name" "${want%% *}"
      sleep 0.3
      stop_collector
      got=$(flow_files "r_$name" | "$weir" cat --xargs=- | "$weir" cut --fields=packets,bytes --no-titles \
        --delimited=' ' | awk '{n++; p += $1; b += $2} END {printf "%d %d %d\n", n, p, b}')
      [ "$got" = "$want" ] || fail "$name: weir stored '$got', tshark decodes '$want' (records packets bytes)"
      echo "$name: $got"
    done
    ;;
  faults)
    # No silent death: an allocation failure injected into each of the collector's
    # threads (WEIR_FAILPOINTS, src/base/failpoint.h) is reported in one line naming
    # the thread, the collector exits 1, and every record it counted as stored is in
    # the files, which read back whole.
    port=$(free_port)
    sensor_conf "$port" netflow-v9 >s.conf
    v4_flows 20000 11 60
    for spec in collect.decode@4:weir-decode collect.write@2:weir-write collect.receive@30:weir-udp; do
      point=${spec%%:*}
      thread=${spec##*:}
      root=r_${point%%@*}
      : >collect.log
      WEIR_FAILPOINTS=$point start_collector "$root" --sensor-configuration=s.conf
      # send in slices until the collector has died (it must, within the first slices)
      for _ in $(seq 20); do
        kill -0 "$collector_pid" 2>/dev/null || break
        send_v5 "$port" 2>/dev/null || true
        sleep 0.2
      done
      rc=0
      for _ in $(seq 100); do kill -0 "$collector_pid" 2>/dev/null || break; sleep 0.1; done
      wait "$collector_pid" || rc=$?
      collector_pid=
      [ "$rc" -eq 1 ] || fail "$point: exit $rc, not 1"
      grep -q "error: thread $thread failed: out of memory (std::bad_alloc); flushing and stopping" collect.log ||
        fail "$point: no report naming the thread"
      grep -q "weir collect: thread $thread failed: out of memory" collect.log ||
        fail "$point: no one-line error at exit"
      grep -qi "terminate called\|Aborted\|core dumped" collect.log && fail "$point: the process aborted"
      counted=$(sed -n 's/.*stopped; \([0-9]*\) records stored in this run/\1/p' collect.log)
      not_stored=$(sed -n 's/.*error: \([0-9]*\) decoded records were not stored/\1/p' collect.log)
      on_disk=$(flow_files "$root" | "$weir" cat --xargs=- | "$weir" info - | awk '/count-records/ {s += $2} END {print s + 0}')
      [ "$on_disk" -ge $((counted - ${not_stored:-0})) ] && [ "$on_disk" -le "$counted" ] ||
        fail "$point: $on_disk records in the files, the collector counted $counted stored and ${not_stored:-0} lost"
      [ "$on_disk" -gt 0 ] || [ "$point" = collect.receive@30 ] || fail "$point: nothing was stored before the failure"
      echo "$point: exit 1, reported, $on_disk records on disk = $counted counted - ${not_stored:-0} reported lost"
    done
    ;;
  metrics)
    # --metrics-listen: Debian's prometheus, started here on loopback, scrapes weir
    # collect every second; its query API must show the records this test sent as
    # stored, and promtool must find the exposition well formed.
    need prometheus
    need promtool
    port=$(free_port)
    mport=$(free_port)
    pport=$(free_port)
    sensor_conf "$port" netflow-v9 >s.conf
    v4_flows 3000 8 60
    start_collector r --sensor-configuration=s.conf --metrics-listen=127.0.0.1:"$mport" \
      --detect --alert-output=alerts.json
    cat >prometheus.yml <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: weir-collect
    static_configs:
      - targets: ['127.0.0.1:$mport']
CONF
    prometheus --config.file=prometheus.yml --storage.tsdb.path=tsdb \
      --web.listen-address=127.0.0.1:"$pport" >prometheus.log 2>&1 &
    prometheus_pid=$!
    trap 'kill -9 $prometheus_pid 2>/dev/null || true; cleanup' EXIT
    for _ in $(seq 200); do
      curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
    curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null || fail "prometheus did not start: $(tail -5 prometheus.log)"
    send_v5 "$port"
    wait_stored r "$total"
    curl -sf "http://127.0.0.1:$mport/metrics" >metrics.txt || fail "no /metrics"
    promtool check metrics <metrics.txt || fail "promtool finds the exposition malformed"
    grep -q '^weir_collect_exporter_records_total{exporter="127.0.0.1",probe="p"} ' metrics.txt ||
      fail "no per-exporter counter: $(grep exporter_records metrics.txt)"
    # detection (--detect) counts every record stored, and says so too
    for _ in $(seq 50); do
      grep -q "^weir_detect_records_total $total\$" metrics.txt && break
      sleep 0.1
      curl -sf "http://127.0.0.1:$mport/metrics" >metrics.txt
    done
    grep -q "^weir_detect_records_total $total\$" metrics.txt ||
      fail "detection counted $(grep '^weir_detect_records_total' metrics.txt), $total were stored"
    grep -q '^weir_detect_alerts_delivered_total{destination="file alerts.json"} 0$' metrics.txt ||
      fail "alert destination counters: $(grep alerts_delivered metrics.txt)"
    promtool check metrics <metrics.txt || fail "promtool finds the detection metrics malformed"
    got=
    for _ in $(seq 300); do
      got=$(curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=sum(weir_collect_stored_total)' |
        $python -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')
      [ "$got" = "$total" ] && break
      sleep 0.1
    done
    [ "$got" = "$total" ] || fail "prometheus sees ${got:-nothing} stored, the test sent $total"
    up=$(curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="weir-collect"}' |
      $python -c 'import json, sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
    [ "$up" = 1 ] || fail "the scrape target is not up"
    stop_collector
    echo "metrics: prometheus scraped weir collect and counts $got records stored"
    ;;
  config_errors)
    # Bad configuration: one line naming file:line and the reason, exit 1.
    printf 'probe p netflow-v9\n listen-on-port 70000\nend probe\n' >bad.conf
    set +e
    "$weir" collect --sensor-configuration=bad.conf --root-directory=r >out.txt 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || fail "exit $rc for a bad sensor.conf"
    grep -q "bad.conf:2: invalid port '70000'" err.txt || fail "message: $(cat err.txt)"
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "more than one line: $(cat err.txt)"
    site="$src/tests/data/site"
    "$weir" collect --verify-sensor-config --sensor-configuration="$site/sensor.conf" \
      --site-config-file="$site/silk.conf" >v.txt 2>/dev/null || fail "verify of the test site's files"
    grep -q "probe edge *netflow-v9 *udp/2055" v.txt || fail "verify output: $(cat v.txt)"
    if [ -f "$shared/silk/sensors.conf" ]; then
      "$weir" collect --verify-sensor-config --sensor-configuration="$shared/silk/sensors.conf" \
        --site-config-file="$shared/silk/silk.conf" >v.txt 2>/dev/null || fail "verify of the write-up's files"
      grep -q "probe local *netflow-v9 *udp/2055" v.txt || fail "verify output: $(cat v.txt)"
    fi
    # sensor.conf(5) allows several blocks for one sensor: both are listed
    "$weir" collect --verify-sensor-config --sensor-configuration="$site/sensor-repeated.conf" \
      --site-config-file="$site/silk.conf" >v.txt 2>/dev/null || fail "repeated sensor blocks refused"
    [ "$(grep -c '^sensor edge ' v.txt)" -eq 2 ] || fail "verify output: $(cat v.txt)"
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "ok: $case_name"
