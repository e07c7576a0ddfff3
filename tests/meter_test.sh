#!/usr/bin/env bash
# End-to-end tests of `weir meter` against independent tools: run as
# `meter_test.sh CASE WEIR_BINARY`. Cases:
#   conversations  per-5-tuple packets and bytes of every traffic capture equal
#                  tshark's per-packet dissection (tests/meter_helpers.py tuples)
#   softflowd      flow counts equal softflowd's on every capture, once timeouts
#                  and softflowd's decoding limits are accounted for
#   tshark         tshark decodes the v5, v9 and IPFIX that weir exports (UDP and
#                  IPFIX over TCP) with nothing malformed, and shows weir's flows
#   collect        meter -> weir collect over UDP (v5, v9, IPFIX) stores what the
#                  meter stores straight into a repository
#   live           a veth pair between two network namespaces: ping, TCP and UDP
#                  metered on a promiscuous interface
#   bad_input      damaged captures: counted, reported, nothing lost, no crash
set -euo pipefail
case_name=$1
weir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
shared="${WEIR_SHARED_DIR:-$src/../shared}"  # optional; absent: the cases that need it skip
traffic="$shared/data/traffic"
python=/usr/bin/python3
helpers="$src/tests/meter_helpers.py"
tmp=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

# shellcheck source=lib.sh
source "$src/tests/lib.sh"
[ -d "$traffic" ] || skip "$traffic absent"

# Packets and bytes per 5-tuple of a flow stream (stdin), as tuples prints them.
per_tuple() {
  "$weir" cut --fields=sip,dip,sport,dport,protocol,packets,bytes --no-titles --delimited=' ' |
    awk '{k = $1" "$2" "$3" "$4" "$5; p[k] += $6; b[k] += $7} END {for (k in p) print k, p[k], b[k]}' |
    LC_ALL=C sort
}
no_timeouts=(--inactive-timeout=1e9 --active-timeout=1e9 --fin-timeout=1e9)

# ipfix_conf PORT PROBE-SETTING "KIND VALUES": a sensor.conf with one IPFIX probe
# `meter` and the sensor `local`, internal-KIND VALUES and external-KIND remainder.
ipfix_conf() {
  local kind=${3%% *}
  printf 'probe meter ipfix\n  listen-on-port %s\n  %s\nend probe\nsensor local\n  ipfix-probes meter\n  internal-%s\n  external-%s remainder\nend sensor\n' \
    "$1" "$2" "$3" "$kind"
}

# record PORT OUT [--tcp]: receives export messages into a pcap in the background.
record() {
  $python "$helpers" record --port "$1" --out "$2" --idle 1.5 "${@:3}" >rec.out &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q ready rec.out 2>/dev/null && return 0
    sleep 0.05
  done
  fail "recorder did not start"
}

case "$case_name" in
  conversations)
    need tshark
    for pcap in "$traffic"/*.pcap; do
      name=$(basename "$pcap" .pcap)
      $python "$helpers" tuples "$pcap" | LC_ALL=C sort >want.txt
      "$weir" meter -r "$pcap" -o - 2>meter.err | per_tuple >got.txt
      [ -s want.txt ] || fail "$name: tshark saw no IP packets"
      cmp -s want.txt got.txt ||
        fail "$name: per-5-tuple packets/bytes differ from tshark's:
$(diff want.txt got.txt | head -10)"
      echo "$name: $(wc -l <got.txt) 5-tuples agree"
    done
    ;;

  softflowd)
    # softflowd -r ends flows only at the end of the file (its timeouts run on the
    # wall clock, which barely moves while a file is read), it skips frames with
    # two VLAN tags, and it puts later IP fragments in a flow of their own with
    # ports 0. weir with timeouts off must then make exactly as many flows as the
    # independent count under softflowd's decoding; weir's default timeouts only
    # split flows further (every extra record is a continuation of a 5-tuple).
    need softflowd
    need tshark
    port=$(free_port)
    for pcap in "$traffic"/*.pcap; do
      name=$(basename "$pcap" .pcap)
      record "$port" sf.pcap
      softflowd -d -r "$pcap" -n 127.0.0.1:"$port" -v 10 -T vlan -m 1000000 >sf.txt 2>&1 ||
        fail "softflowd $name: $(cat sf.txt)"
      wait "${pids[-1]}"
      softflowd_flows=$(tshark -r sf.pcap -d "udp.port==$port,cflow" -T fields -e cflow.packets \
        -E occurrence=a -E aggregator=' ' 2>/dev/null | awk '{n += NF} END {print n + 0}')
      expected=$($python "$helpers" tuples --softflowd "$pcap" | wc -l)
      [ "$softflowd_flows" -eq "$expected" ] ||
        fail "$name: softflowd exported $softflowd_flows flows, its decoding gives $expected"
      weir_flat=$("$weir" meter "${no_timeouts[@]}" -r "$pcap" -o - 2>/dev/null |
        "$weir" cut --fields=sip --no-titles | wc -l)
      tuples=$($python "$helpers" tuples "$pcap" | wc -l)
      [ "$weir_flat" -eq "$tuples" ] || fail "$name: weir without timeouts made $weir_flat flows for $tuples 5-tuples"
      "$weir" meter -r "$pcap" -o split.rwf 2>/dev/null
      weir_flows=$("$weir" cut --fields=sip --no-titles split.rwf | wc -l)
      split=$("$weir" cut --fields=sip,dip,sport,dport,protocol --no-titles split.rwf | LC_ALL=C sort |
        uniq -d -c | awk '{n += $1 - 1} END {print n + 0}')
      [ $((weir_flows - split)) -eq "$weir_flat" ] ||
        fail "$name: $weir_flows flows with timeouts, $split of them splits, $weir_flat without"
      echo "$name: softflowd $softflowd_flows, weir $weir_flat without timeouts" \
        "($((softflowd_flows - weir_flat)) from softflowd's decoding), $weir_flows with (+$split by timeouts)"
    done
    ;;

  tshark)
    need tshark
    pcap="$traffic/traffic_tls_ipv4_ipv6_334conns.pcap"
    for spec in 5:udp 9:udp 10:udp 10:tcp; do
      version=${spec%%:*}
      transport=${spec##*:}
      port=$(free_port)
      record "$port" export.pcap $([ "$transport" = tcp ] && echo --tcp)
      "$weir" meter -r "$pcap" --export=127.0.0.1:"$port" --protocol="$version" \
        --transport="$transport" -o flows.rwf 2>meter.err || fail "meter v$version: $(cat meter.err)"
      wait "${pids[-1]}"
      bad=$(tshark -r export.pcap -d "udp.port==$port,cflow" -Y '_ws.malformed || _ws.expert.severity == error' \
        2>/dev/null | wc -l)
      [ "$bad" -eq 0 ] || fail "v$version/$transport: tshark finds $bad malformed messages"
      # tshark's flows from its verbose dissection: one line per flow record
      # ("Flow N" in v9/IPFIX data sets, "pdu N/M" in v5).
      tshark -r export.pcap -d "udp.port==$port,cflow" -V 2>/dev/null | awk '
        function flush() { if (n) print sa, da, sp, dp, pr, pk, oc; n = 0 }
        ($1 == "Flow" && $2 ~ /^[0-9]+$/ && NF == 2) || ($1 == "pdu" && NF == 2) {
          flush(); n = 1; sa = da = sp = dp = pr = pk = oc = "" }
        n && $1 == "SrcAddr:" { sa = $2 }
        n && $1 == "DstAddr:" { da = $2 }
        n && $1 == "SrcPort:" { sp = $2 }
        n && $1 == "DstPort:" { dp = $2 }
        n && $1 == "Protocol:" { pr = $NF; gsub(/[()]/, "", pr) }
        n && $1 == "Packets:" { pk = $2 }
        n && $1 == "Octets:" { oc = $2 }
        /^Frame / { flush() }
        END { flush() }' | LC_ALL=C sort >tshark.txt
      filter=()
      [ "$version" = 5 ] && filter=(--ip-version=4)
      "$weir" filter "${filter[@]}" --pass=- flows.rwf |
        "$weir" cut --fields=sip,dip,sport,dport,protocol,packets,bytes --no-titles --delimited=' ' |
        LC_ALL=C sort >weir.txt
      [ -s weir.txt ] || fail "v$version: weir made no flows"
      cmp -s tshark.txt weir.txt ||
        fail "v$version/$transport: tshark shows other flows than weir made:
$(diff tshark.txt weir.txt | head -10)"
      echo "v$version/$transport: tshark decodes $(wc -l <tshark.txt) flows, none malformed, all weir's"
    done
    ;;

  collect)
    # Stored through the collector or straight from the meter: the same records.
    ipfix_conf PORT "protocol udp" "ipblocks 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7" >s.conf
    fields=sip,dip,sport,dport,protocol,packets,bytes,stime,etime,flags,sensor,type
    for version in 5 9 10; do
      port=$(free_port)
      sed "s/PORT/$port/" s.conf >s$version.conf
      "$weir" collect --root-directory=c$version --sensor-configuration=s$version.conf \
        --flush-timeout=0.2 --stats-interval=0 >collect.log 2>&1 &
      pids+=($!)
      for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.05; done
      for pcap in "$traffic"/traffic_http_bro_org_13conns.pcap "$traffic"/traffic_tls_ipv4_ipv6_334conns.pcap \
        "$traffic"/traffic_vlan_qinq_icmp.pcap; do
        "$weir" meter -r "$pcap" --export=127.0.0.1:"$port" --protocol=$version \
          --root-directory=d$version --sensor-configuration=s$version.conf 2>meter.err ||
          fail "meter: $(cat meter.err)"
      done
      # Every stored file (listing files beats a selection spanning the captures' years).
      stored() { find "$1" -type f -not -path '*/.weir/*' -not -name silk.conf | sort |
        "$weir" filter --xargs=- "${@:2}" --pass=-; }
      filter=()
      [ "$version" = 5 ] && filter=(--ip-version=4)
      want=$(stored d$version "${filter[@]}" | "$weir" cut --fields=sip --no-titles | wc -l)
      for _ in $(seq 100); do
        got=$(stored c$version | "$weir" cut --fields=sip --no-titles | wc -l)
        [ "$got" -ge "$want" ] && break
        sleep 0.1
      done
      kill -TERM "${pids[-1]}"
      wait "${pids[-1]}" || true
      stored d$version "${filter[@]}" |
        "$weir" cut --fields=$fields --no-titles --delimited=' ' | LC_ALL=C sort >direct.txt
      stored c$version |
        "$weir" cut --fields=$fields --no-titles --delimited=' ' | LC_ALL=C sort >collected.txt
      [ -s direct.txt ] || fail "v$version: nothing stored directly"
      cmp -s direct.txt collected.txt ||
        fail "v$version: collected records differ from the meter's own:
$(diff direct.txt collected.txt | head -10)"
      echo "v$version: $(wc -l <collected.txt) records, collected = stored directly"
    done
    ;;

  vlan)
    # A probe with interface-values vlan, as sensor.conf(5) has it: the VLAN id is
    # the input interface, and the sensor classifies by it. The meter storing
    # straight into a repository and weir collect receiving the meter's v9 and IPFIX
    # exports store the same records; the VLAN ids and their packets are tshark's.
    need tshark
    captures=("$traffic"/traffic_vlan_qinq_icmp.pcap "$traffic"/traffic_mixed_many_protocols_vlan_ipv6.pcap
      "$traffic"/traffic_vlan_mpls_mixed.pcap)
    ipfix_conf PORT "interface-values vlan" "interfaces 118 209" >vlan.conf
    # tshark: IP packets per outer VLAN id
    for pcap in "${captures[@]}"; do
      tshark -r "$pcap" -Y "ip or ipv6" -T fields -e vlan.id 2>/dev/null
    done | awk -F, '$1 != "" {n[$1]++} END {for (k in n) print k, n[k]}' | sort >want_vlans.txt
    fields=sip,dip,sport,dport,protocol,packets,bytes,stime,etime,input,output,sensor,type
    for version in 10 9; do
      port=$(free_port)
      sed "s/PORT/$port/" vlan.conf >v$version.conf
      "$weir" collect --root-directory=c$version --sensor-configuration=v$version.conf \
        --flush-timeout=0.2 --stats-interval=0 >collect.log 2>&1 &
      pids+=($!)
      for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.05; done
      for pcap in "${captures[@]}"; do
        "$weir" meter -r "$pcap" --export=127.0.0.1:"$port" --protocol=$version \
          --root-directory=d$version --sensor-configuration=v$version.conf 2>meter.err ||
          fail "meter: $(cat meter.err)"
      done
      stored() { find "$1" -type f -not -path '*/.weir/*' -not -name silk.conf | sort |
        "$weir" cat --xargs=- | "$weir" cut --fields=$fields --no-titles --delimited=' ' | LC_ALL=C sort; }
      stored d$version >direct.txt
      for _ in $(seq 100); do
        stored c$version >collected.txt
        [ "$(wc -l <collected.txt)" -ge "$(wc -l <direct.txt)" ] && break
        sleep 0.1
      done
      kill -TERM "${pids[-1]}"
      wait "${pids[-1]}" || true
      [ -s direct.txt ] || fail "v$version: nothing stored directly"
      cmp -s direct.txt collected.txt ||
        fail "v$version: collected records differ from the meter's own:
$(diff direct.txt collected.txt | head -10)"
      # input is the VLAN id: packets per VLAN as tshark counts them
      awk '$10 != 0 {n[$10] += $6} END {for (k in n) print k, n[k]}' direct.txt | sort >got_vlans.txt
      diff want_vlans.txt got_vlans.txt || fail "v$version: packets per VLAN (input) differ from tshark's"
      # classified by VLAN: 118 and 209 are internal, everything else external
      awk '($10 == 118 || $10 == 209) != ($13 ~ /^out/) {print; bad = 1} END {exit bad}' direct.txt >wrong.txt ||
        fail "v$version: classified against the VLAN: $(head -3 wrong.txt)"
      echo "v$version: $(wc -l <direct.txt) records, collected = stored directly; per VLAN: $(tr '\n' ' ' <got_vlans.txt)"
    done
    ;;

  pacing)
    # Exports a collector can take: a capture file's flows go out paced (by
    # default 1000 messages a second per destination), so that nfcapd (with its
    # default socket buffer) and weir collect, fed at once while three busy loops
    # load the machine, store every flow in 10 runs out of 10.
    need nfcapd
    need nfdump
    pcap="$traffic/traffic_ddos_syn_flood_spoofed.pcap"
    want=$("$weir" meter -r "$pcap" -o - | "$weir" cut --fields=sip --no-titles | wc -l)
    [ "$want" -gt 30000 ] || fail "the capture meters to $want flows"
    c_port=$(free_port)
    n_port=$(free_port)
    ipfix_conf "$c_port" "protocol udp" "ipblocks 10.0.0.0/8" >p.conf
    "$weir" collect --root-directory=c --sensor-configuration=p.conf --flush-timeout=0.2 \
      --stats-interval=0 >collect.log 2>&1 &
    pids+=($!)
    collector=$!
    mkdir nf
    nfcapd -w nf -p "$n_port" -b 127.0.0.1 -t 3600 >nfcapd.log 2>&1 &
    pids+=($!)
    nfcapd_pid=$!
    for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.05; done
    sleep 0.5
    for _ in 1 2 3; do
      bash -c 'while :; do :; done' &
      pids+=($!)
    done
    start=$(date +%s.%N)
    for run in $(seq 10); do
      "$weir" meter -r "$pcap" --export=127.0.0.1:"$c_port" --export=127.0.0.1:"$n_port" 2>meter$run.err ||
        fail "meter run $run: $(cat meter$run.err)"
      grep -q " 0 errors" meter$run.err || fail "run $run: export errors: $(grep export meter$run.err)"
    done
    elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    for p in "${pids[@]: -3}"; do kill -9 "$p" 2>/dev/null || true; done
    sleep 1
    kill -TERM "$collector" "$nfcapd_pid"
    wait "$collector" || fail "weir collect exited non-zero"
    wait "$nfcapd_pid" || true
    got_weir=$(find c -type f -not -path '*/.weir/*' | "$weir" cat --xargs=- | "$weir" cut --fields=sip --no-titles | wc -l)
    got_nf=$(nfdump -R nf -q -o 'fmt:%sa' 2>/dev/null | wc -l)
    echo "10 paced runs of $want flows in ${elapsed} s on a busy machine: weir collect stored $got_weir, nfcapd $got_nf"
    [ "$got_weir" -eq $((10 * want)) ] || fail "weir collect stored $got_weir of $((10 * want))"
    [ "$got_nf" -eq $((10 * want)) ] || fail "nfcapd stored $got_nf of $((10 * want))"
    # --replay-speed: the capture's own pace, ten times faster
    span=$("$weir" meter -r "$traffic/traffic_http_bro_org_13conns.pcap" -o - |
      "$weir" cut --fields=stime,etime --timestamp-format=epoch-ms --no-titles --delimited=' ' |
      awk 'NR == 1 || $1 < lo {lo = $1} $2 > hi {hi = $2} END {print (hi - lo) / 1000}')
    t0=$(date +%s.%N)
    "$weir" meter -r "$traffic/traffic_http_bro_org_13conns.pcap" --replay-speed=10 -o r.weir 2>/dev/null
    took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
    awk -v took="$took" -v span="$span" 'BEGIN {exit !(took >= span / 10 * 0.9 && took < span / 10 + 3)}' ||
      fail "--replay-speed=10 took $took s for a capture of $span s"
    echo "--replay-speed=10: a $span s capture in $took s"
    ;;

  tcp_outage)
    # IPFIX over TCP while the collector restarts: the meter holds the flows that
    # end meanwhile and sends them once it has reconnected. TCP has no
    # acknowledgement a sender can see, so what was in flight when the connection
    # broke (the slice of 64 flows being sent, and the message before it, which
    # went into a socket already closed) is all that may be lost.
    pcap="$traffic/traffic_port_scan_syn_1994ports.pcap"
    port=$(free_port)
    ipfix_conf "$port" "protocol tcp" "ipblocks 10.0.0.0/8" >t.conf
    collect_on() {
      "$weir" collect --root-directory=c --sensor-configuration=t.conf --flush-timeout=0.2 \
        --stats-interval=0 >>collect.log 2>&1 &
      collector=$!
      pids+=($collector)
      for _ in $(seq 100); do [ "$(grep -c listening collect.log)" -ge "$1" ] && return; sleep 0.05; done
      fail "weir collect did not start"
    }
    collect_on 1
    # 23 s of capture at 4 times its pace: flows end all along the run
    "$weir" meter -r "$pcap" --replay-speed=4 --transport=tcp --export=127.0.0.1:"$port" \
      -o direct.weir 2>meter.err &
    meter=$!
    pids+=($meter)
    sleep 2
    kill -TERM "$collector"
    wait "$collector" || fail "weir collect exited non-zero"
    sleep 1.5
    collect_on 2
    wait "$meter" || fail "meter: $(cat meter.err)"
    sleep 0.5
    kill -TERM "$collector"
    wait "$collector" || fail "weir collect exited non-zero"
    want=$("$weir" cut --fields=sip --no-titles direct.weir | wc -l)
    got=$(find c -type f -not -path '*/.weir/*' | "$weir" cat --xargs=- | "$weir" cut --fields=sip --no-titles | wc -l)
    errors=$(sed -n 's/.*export .*tcp: [0-9]* messages, [0-9]* records, \([0-9]*\) errors.*/\1/p' meter.err)
    grep -q "holding flows until it is back" meter.err || fail "no word of the lost connection: $(cat meter.err)"
    held=$(sed -n 's/.*connected again; sending \([0-9]*\) held flows.*/\1/p' meter.err | head -1)
    [ "${held:-0}" -gt 0 ] || fail "no held flows were sent after the reconnection: $(cat meter.err)"
    [ "${errors:-9}" -le 3 ] || fail "$errors messages lost, expected at most 3"
    [ "$got" -le "$want" ] && [ "$got" -ge $((want - 64 - 60)) ] ||
      fail "collected $got of $want flows with $errors messages in error"
    echo "collector restarted mid-export: $got of $want flows stored, $held held and sent after, $errors message(s) lost in flight"
    ;;

  metrics)
    # --metrics-listen: while a capture is metered at its own pace (5x), the page
    # is well formed for promtool and counts what has been read so far.
    need promtool
    mport=$(free_port)
    eport=$(free_port)
    "$weir" meter -r "$traffic/traffic_port_scan_syn_1994ports.pcap" --replay-speed=5 \
      --metrics-listen=127.0.0.1:"$mport" --export=127.0.0.1:"$eport" -o m.weir 2>meter.err &
    pids+=($!)
    meter=$!
    sleep 2.5
    $python -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
      "http://127.0.0.1:$mport/metrics" >metrics.txt || fail "no /metrics: $(cat meter.err)"
    promtool check metrics <metrics.txt || fail "promtool finds the exposition malformed"
    frames=$(sed -n 's/^weir_meter_frames_total \([0-9]*\)$/\1/p' metrics.txt)
    [ "${frames:-0}" -gt 0 ] || fail "no frames counted yet: $(grep frames metrics.txt)"
    grep -q "^weir_meter_export_messages_total{destination=\"127.0.0.1:$eport/udp\"} " metrics.txt ||
      fail "no per-destination counter: $(grep export_messages metrics.txt)"
    wait "$meter" || fail "meter: $(cat meter.err)"
    echo "metrics: $frames frames counted while metering, promtool agrees"
    ;;

  live)
    [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
    command -v ip >/dev/null || skip "iproute2 absent"
    a=weir-meter-a-$$
    b=weir-meter-b-$$
    ip netns add $a || skip "cannot create network namespaces here"
    namespaces+=($a)
    ip netns add $b
    namespaces+=($b)
    ip link add veth-a netns $a type veth peer name veth-b netns $b
    ip -n $a addr add 10.99.0.1/24 dev veth-a
    ip -n $b addr add 10.99.0.2/24 dev veth-b
    ip -n $a link set veth-a up
    ip -n $b link set veth-b up
    ip -n $a link set lo up
    ip -n $b link set lo up
    ip netns exec $a "$weir" meter -i veth-a --duration=6 --inactive-timeout=60 \
      --status-file=status.txt -o live.rwf 2>meter.err &
    pids+=($!)
    meter_pid=${pids[-1]}
    for _ in $(seq 100); do grep -q capturing meter.err 2>/dev/null && break; sleep 0.05; done
    sleep 0.5
    ip netns exec $b ping -c 3 -i 0.2 -q 10.99.0.1 >/dev/null
    # A 200 kB TCP transfer from b to a, and 5 UDP datagrams.
    ip netns exec $a $python -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.1", 5001)); s.listen(1); c, _ = s.accept()
n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.close(); print(n)' >received.txt &
    server=$!
    sleep 0.3
    ip netns exec $b $python -c '
import socket
c = socket.create_connection(("10.99.0.1", 5001)); c.sendall(b"x" * 200000); c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): u.sendto(b"y" * 100, ("10.99.0.1", 5002))'
    wait $server
    [ "$(cat received.txt)" = 200000 ] || fail "the TCP transfer failed"
    sleep 1.2
    grep -q "packets" status.txt || fail "no status file while running"
    kill -USR1 "$meter_pid"
    sleep 0.5
    [ "$(grep -c "capture veth-a" meter.err)" -eq 1 ] || fail "no statistics on SIGUSR1: $(cat meter.err)"
    wait "$meter_pid" || fail "meter exited non-zero: $(cat meter.err)"
    [ "$(grep -c "capture veth-a" meter.err)" -eq 2 ] || fail "no statistics at the end: $(cat meter.err)"
    "$weir" cut --fields=sip,dip,sport,dport,protocol,packets,bytes,flags,input --no-titles \
      --delimited=, live.rwf >flows.txt
    cat flows.txt
    grep -q '^10.99.0.2,10.99.0.1,0,2048,1,3,252,' flows.txt || fail "no echo request flow (3 packets)"
    grep -q '^10.99.0.1,10.99.0.2,0,0,1,3,252,' flows.txt || fail "no echo reply flow"
    awk -F, '$1 == "10.99.0.2" && $4 == 5001 && $5 == 6 && $7 > 200000 && $8 ~ /F/ && $8 ~ /S/ {ok = 1}
         END {exit !ok}' flows.txt || fail "no TCP flow of the transfer with SYN and FIN"
    grep -q '^10.99.0.2,10.99.0.1,[0-9]*,5002,17,5,640,' flows.txt || fail "no UDP flow (5 x 128 bytes)"
    index=$(ip netns exec $a cat /sys/class/net/veth-a/ifindex)
    awk -F, -v i="$index" '$9 != i {exit 1}' flows.txt || fail "input is not veth-a's ifindex $index"
    echo "live: $(wc -l <flows.txt) flows on veth-a"
    ;;

  bad_input)
    pcap="$traffic/traffic_http_bro_org_13conns.pcap"
    "$weir" meter -r "$pcap" -o whole.rwf 2>/dev/null
    # Truncated: a warning naming the file, exit 1, every packet before the cut metered.
    $python "$helpers" damage --kind=truncated "$pcap" cut.pcap
    set +e
    "$weir" meter -r cut.pcap -o cut.rwf 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || fail "exit $rc for a truncated capture"
    grep -q "warning: cut.pcap: truncated dump file" err.txt || fail "message: $(cat err.txt)"
    packets=$( (tshark -r cut.pcap 2>/dev/null || true) | wc -l)
    got=$("$weir" cut --fields=packets --no-titles cut.rwf | awk '{n += $1} END {print n}')
    [ "$got" -eq "$packets" ] || fail "truncated capture: $got packets metered, $packets readable"
    # Not a capture: one line, exit 1.
    $python "$helpers" damage --kind=bad-header "$pcap" bad.pcap
    set +e
    "$weir" meter -r bad.pcap -o bad.rwf 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 1 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "^weir meter: bad.pcap: " err.txt ||
      fail "bad header: exit $rc, $(cat err.txt)"
    # Frames of random bytes: counted as not IP (or decoded as whatever they say), no crash.
    $python "$helpers" damage --kind=garbage-frames "$pcap" noise.pcap
    "$weir" meter -r noise.pcap -o noise.rwf 2>err.txt || fail "noise: $(cat err.txt)"
    grep -q "decode: 751 frames" err.txt || fail "frames not counted: $(cat err.txt)"
    # Cut by the snaplen: the IP header's length still counts, so bytes are unchanged.
    need editcap
    editcap -s 54 "$pcap" snap.pcap
    "$weir" meter -r snap.pcap -o snap.rwf 2>/dev/null
    cmp -s <("$weir" cut --no-titles whole.rwf) <("$weir" cut --no-titles snap.rwf) ||
      fail "a 54-byte snaplen changed the flows"
    editcap -s 30 "$pcap" short.pcap
    "$weir" meter -r short.pcap -o short.rwf 2>err.txt
    grep -q "751 truncated" err.txt || fail "30-byte frames not counted as truncated: $(cat err.txt)"
    # Usage errors.
    set +e
    "$weir" meter -r "$pcap" -i lo -o x.rwf 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "exit $rc for -r with -i"
    set +e
    "$weir" meter -i no-such-interface0 -o x.rwf 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 1 ] && grep -q "no-such-interface0" err.txt || fail "missing interface: $rc $(cat err.txt)"
    echo "bad input: truncated, bad header, noise, snaplen and usage errors handled"
    ;;

  *)
    fail "unknown case $case_name"
    ;;
esac
