#!/usr/bin/env bash
# End-to-end tests of `weir detect`: run as `detect_test.sh CASE WEIR_BINARY`.
#   captures  real attack captures, metered by weir meter, are reported with the
#             victim tshark sees and their real vector
#   gen       weir gen's SYN flood, among a day of traffic, through a repository
#   rules     the rules over real captures, metered by weir meter: each attack is an
#             incident of its real vector, with start and end events
#   history   a day of weir gen traffic with its SYN flood, through a repository:
#             the one incident is the flood; a learned rule stays quiet all day
#   collect   weir collect --detect on a capture exported by weir meter gives the
#             same incidents as weir detect over what it stored
#   follow    weir detect --follow behind a plain collector gives the incidents weir
#             detect finds over the repository; a restart resumes from the cursor
#   actions   a script gets each event; a hanging script and a webhook that is
#             down stop neither detection nor the other destinations
#   bgp       weir collect --detect with a real gobgpd: the victim's blackhole route
#             (and FlowSpec rule) is in its RIB while the incident lasts, gone after;
#             --bgp-never and --bgp-dry-run announce nothing
#   exabgp    the same through a real ExaBGP peering with a real gobgpd: weir writes
#             ExaBGP's API commands to contrib/exabgp's pipe; with ExaBGP down,
#             detection goes on and the failure is logged
#   bad_input switches and files that are wrong: one line, exit code
set -euo pipefail
case_name=$1
weir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
shared="${WEIR_SHARED_DIR:-$src/../shared}"  # optional; absent: the cases that need it skip
python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# shellcheck source=lib.sh
source "$src/tests/lib.sh"

# field FILE EXPR: a value of the first report, by a Python expression over `r`.
field() { $python -c "import json, sys; r = json.loads(open(sys.argv[1]).readline()); print($2)" "$1"; }
# events FILE EXPR: a Python expression over the list `e` of a file's events.
events() { $python -c "import json, sys; e = [json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"; }

# For the bgp and exabgp cases: the SYN rule and a sensor.conf on a free port ($port);
# rib FAMILY lists gobgpd's RIB (its API at $api).
bgp_setup() {
  printf '[[rule]]\nname = "syn"\nmetric = "syn_packets"\nthreshold = 5000\nclear = "2s"\n' >bgp.toml
  port=$(free_port)
  printf 'probe p netflow-v9\n  listen-on-port %s\n  protocol udp\nend probe\nsensor local\n  netflow-v9-probes p\n  internal-ipblocks 10.0.0.0/8\n  external-ipblocks remainder\nend sensor\n' \
    "$port" >sensor.conf
}
rib() { gobgp -p "$api" global rib -a "$1" 2>/dev/null; }
# bgp_run NAME SWITCHES...: collect --detect with those BGP switches, the SYN flood on
# 10.10.10.10 exported to it; the RIB is watched until the route has come and gone
# ($seen: whether it came; NAME.rib and NAME.flowspec: the RIBs while it was there).
bgp_run() {
  local name=$1
  shift
  "$weir" collect --sensor-configuration=sensor.conf --root-directory="repo-$name" --flush-timeout=0.2 \
    --detect=bgp.toml --alert-output="$name.json" --bgp-hold=1 "$@" 2>"$name.log" &
  local pid=$!
  for _ in $(seq 100); do grep -q listening "$name.log" && break; sleep 0.1; done
  "$weir" meter -r "$traffic/traffic_ddos_syn_flood_spoofed.pcap" --export=127.0.0.1:"$port" \
    --protocol=9 -o /dev/null 2>meter.err || fail "meter: $(cat meter.err)"
  seen=no
  for _ in $(seq 150); do
    rib ipv4 | grep -q "10.10.10.10/32.*blackhole" && seen=yes && rib ipv4 >"$name.rib" &&
      rib ipv4-flowspec >"$name.flowspec" && break
    grep -q '"event":"end"' "$name.json" 2>/dev/null && break
    sleep 0.1
  done
  for _ in $(seq 100); do grep -q '"event":"end"' "$name.json" 2>/dev/null && break; sleep 0.1; done
  # gone once the incident has ended and the hold (1 s) has passed
  for _ in $(seq 100); do rib ipv4 | grep -q 10.10.10.10 || break; sleep 0.1; done
  ! rib ipv4 | grep -q 10.10.10.10 || fail "$name: the route stayed after the incident: $(rib ipv4)"
  kill -TERM $pid
  wait $pid || fail "$name: collect: $(cat "$name.log")"
  grep -q '"event":"start"' "$name.json" || fail "$name: no incident: $(cat "$name.log")"
}

case "$case_name" in
  captures)
    need tshark
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    # name|expected vector (first listed)|expected service|victim is tshark's top destination?
    for spec in "traffic_ddos_syn_flood_spoofed|syn_flood||yes" \
      "traffic_ddos_dns_amplification_fragmented|udp_amplification|dns|yes" \
      "traffic_udp_flood_dhcp|udp_flood||no"; do
      IFS='|' read -r name vector service top_is_victim <<<"$spec"
      "$weir" meter -r "$traffic/$name.pcap" -o "$name.weir" 2>/dev/null
      "$weir" detect --report "$name.weir" >"$name.json" 2>"$name.err" || fail "$name: $(cat "$name.err")"
      [ -s "$name.json" ] || fail "$name: no report: $(cat "$name.err")"
      vectors=$(field "$name.json" '",".join(v["vector"] for v in r["vectors"])')
      if [ "$top_is_victim" = yes ]; then
        want=$(tshark -r "$traffic/$name.pcap" -T fields -e ip.dst 2>/dev/null | sort | uniq -c | sort -rn |
          awk 'NR == 1 {print $2}')
        got=$(field "$name.json" 'r["victim"]')
        [ "$got" = "$want" ] || fail "$name: victim $got, tshark's top destination is $want"
        first=${vectors%%,*}
        [ "$first" = "$vector" ] || fail "$name: vectors $vectors, expected $vector first"
      else
        # a flood spread over many hosts: the vector is there, whoever the victim
        grep -q "\"vector\":\"$vector\"" "$name.json" || fail "$name: no $vector in $(cat "$name.json")"
      fi
      if [ -n "$service" ]; then
        got=$(field "$name.json" '[v.get("service", "") for v in r["vectors"] if v["vector"] == "udp_amplification"][0]')
        [ "$got" = "$service" ] || fail "$name: service $got, expected $service"
      fi
      echo "$name: victim $(field "$name.json" 'r["victim"]'), vectors $vectors," \
        "$(field "$name.json" 'r["packets"]') packets, peak $(field "$name.json" 'r["rates"]["peak_pps"]') pps"
    done
    # a stream (read twice, so kept aside) gives the same report as the file
    "$weir" meter -r "$traffic/traffic_ddos_syn_flood_spoofed.pcap" 2>/dev/null | "$weir" detect --report >piped.json
    cmp -s piped.json traffic_ddos_syn_flood_spoofed.json || fail "the report of a stream differs from the file's"
    # --victim reports that address even when it is not the largest
    "$weir" detect --report --victim=10.10.10.10 traffic_ddos_dns_amplification_fragmented.weir >v.json
    [ "$(wc -l <v.json)" -eq 1 ] && [ "$(field v.json 'r["victim"]')" = 10.10.10.10 ] || fail "--victim: $(cat v.json)"
    ;;
  gen)
    # A day of traffic with weir gen's SYN flood (10 minutes from 09:36 towards
    # 10.10.0.80, doc/gen.md) in a repository: over the day nothing dominates; the
    # attack's hour, selected as for weir filter, is reported.
    "$weir" gen --flows=200000 --seed=4 --start-time=2026/11/26 --duration=1d --ddos \
      --root-directory=repo >/dev/null
    day=(--data-rootdir=repo --start-date=2026/11/26 --end-date=2026/11/26:23 --type=all)
    "$weir" detect --report "${day[@]}" >day.json 2>day.err
    [ ! -s day.json ] && grep -q "no destination takes" day.err || fail "a report over the whole day: $(head -c 300 day.json)"
    hour=(--data-rootdir=repo --start-date=2026/11/26:09 --end-date=2026/11/26:09 --type=all)
    "$weir" detect --report "${hour[@]}" >all.json
    [ "$(field all.json 'r["victim"]')" = 10.10.0.80 ] || fail "victim: $(head -c 300 all.json)"
    [ "$(field all.json 'r["vectors"][0]["vector"]')" = syn_flood ] || fail "vector: $(head -c 600 all.json)"
    # the report's own filter finds the same flows
    filter=$(field all.json 'r["filter"]')
    # shellcheck disable=SC2086
    n=$("$weir" filter "${hour[@]}" $filter --print-statistics=stdout --pass=/dev/null |
      sed -n 's/.*Pass *\([0-9]*\).*/\1/p')
    [ "$n" = "$(field all.json 'r["flows"]')" ] || fail "the report's filter passes $n, the report counts $(field all.json 'r["flows"]')"
    # a filter narrows what is read: the web traffic of that hour has no victim
    "$weir" detect --report "${hour[@]}" --dport=443 >quiet.json 2>quiet.err
    [ ! -s quiet.json ] && grep -q "no destination takes" quiet.err || fail "a report on quiet traffic: $(head -c 300 quiet.json)"
    echo "gen: victim 10.10.0.80, syn_flood, $n flows in the attack's hour, the report's filter agrees"
    ;;
  rules)
    need tshark
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    # The default rules on the SYN flood (37,000 SYNs, 22,000 in its busiest second).
    name=traffic_ddos_syn_flood_spoofed
    "$weir" meter -r "$traffic/$name.pcap" -o syn.weir 2>/dev/null
    "$weir" detect --internal-ipblocks=10.0.0.0/8 syn.weir >syn.json
    want=$(tshark -r "$traffic/$name.pcap" -T fields -e ip.dst 2>/dev/null | sort | uniq -c | sort -rn |
      awk 'NR == 1 {print $2}')
    got=$(events syn.json '",".join(sorted(set(x["key"] for x in e if x["rule"] == "syn_flood")))')
    [ "$got" = "$want" ] || fail "syn_flood incidents for $got, tshark's top destination is $want"
    [ "$(events syn.json '[x["vector"] for x in e if x["rule"] == "syn_flood"][0]')" = syn_flood ] ||
      fail "vector: $(head -c 400 syn.json)"
    # one incident per rule and key, started, updated and ended under one id
    [ "$(events syn.json 'sorted(set((x["rule"], x["event"]) for x in e if x["event"] != "update"))')" = \
      "[('flow_flood', 'end'), ('flow_flood', 'start'), ('packet_flood', 'end'), ('packet_flood', 'start'), ('syn_flood', 'end'), ('syn_flood', 'start')]" ] ||
      fail "events: $(cut -c 1-120 syn.json)"
    [ "$(events syn.json 'len(set(x["incident"] for x in e))')" = 3 ] || fail "incident ids: $(cut -c 1-80 syn.json)"
    # The smaller captures with limits for their size: each incident has its real vector.
    cat >small.toml <<'RULES'
[[rule]]
name = "udp"
metric = "packets"
filter = "proto udp"
threshold = 100
clear = "5s"

[[rule]]
name = "spread"
scope = "prefix"
prefix_length = 22
metric = "packets"
threshold = 50
min_sources = 2
RULES
    internal=--internal-ipblocks=10.0.0.0/8,128.2.0.0/16
    "$weir" detect --verify --rules=small.toml "$internal" >verify.out
    grep -q "^udp: host incoming packets where proto udp > 100 per 1s x 1" verify.out || fail "verify: $(cat verify.out)"
    for spec in "traffic_ddos_dns_amplification_fragmented|udp|udp_amplification|10.10.10.10" \
      "traffic_udp_flood_dhcp|spread|carpet_bombing|128.2.4.0/22"; do
      IFS='|' read -r name rule vector key <<<"$spec"
      "$weir" meter -r "$traffic/$name.pcap" -o "$name.weir" 2>/dev/null
      "$weir" detect --rules=small.toml "$internal" "$name.weir" >"$name.json"
      got=$(events "$name.json" "[(x['key'], x['vector']) for x in e if x['rule'] == '$rule' and x['event'] == 'start'][:1]")
      [ "$got" = "[('$key', '$vector')]" ] || fail "$name: $got, expected $key $vector: $(cut -c 1-200 "$name.json")"
      echo "$name: $rule incident on $key, vector $vector"
    done
    # amplification names its service
    dns=traffic_ddos_dns_amplification_fragmented.json
    [ "$(events $dns '[v.get("service") for v in e[0]["report"]["vectors"] if v["vector"] == "udp_amplification"][0]')" = dns ] ||
      fail "service: $(head -c 600 $dns)"
    ;;
  history)
    # 2 M flows over a day (its rhythm peaks at 15:00), with a 10-minute SYN flood
    # on 10.10.0.80 from 09:36 (doc/gen.md)
    "$weir" gen --flows=2000000 --seed=4 --start-time=2026/11/26 --duration=1d --ddos \
      --root-directory=repo >/dev/null
    cat >day.toml <<'RULES'
[[rule]]
name = "syn"
metric = "syn_packets"
threshold = 300
clear = "10s"

[[rule]]
name = "learned"
metric = "packets"
window = "10s"
windows = 3
filter = "not (proto tcp and flags A and bpp >= 500)"
baseline = { k = 8, floor = 200, half_life = "1h", warmup = "1h" }
RULES
    day=(--data-rootdir=repo --start-date=2026/11/26 --end-date=2026/11/26:23 --type=all)
    "$weir" detect --rules=day.toml --internal-ipblocks=10.10.0.0/16 "${day[@]}" >day.json
    got=$(events day.json 'sorted(set((x["rule"], x["key"], x["vector"], x["start"][:16]) for x in e))')
    [ "$got" = "[('syn', '10.10.0.80', 'syn_flood', '2026-11-26T09:36')]" ] || fail "incidents: $got"
    duration=$(events day.json '[x["duration"] for x in e if x["event"] == "end"][0]')
    $python -c "import sys; sys.exit(not 590 <= $duration <= 630)" || fail "the incident lasted $duration s, the flood 600"
    # without the flood, nothing all day: not the afternoon peak, not the busiest hosts
    "$weir" gen --flows=2000000 --seed=4 --start-time=2026/11/26 --duration=1d --root-directory=quiet >/dev/null
    "$weir" detect --rules=day.toml --internal-ipblocks=10.10.0.0/16 --data-rootdir=quiet \
      --start-date=2026/11/26 --end-date=2026/11/26:23 --type=all >quiet.json
    [ ! -s quiet.json ] || fail "incidents on a normal day: $(cut -c 1-200 quiet.json)"
    # a selection narrows the flows: the web traffic alone has no SYN flood
    "$weir" detect --rules=day.toml --internal-ipblocks=10.10.0.0/16 "${day[@]}" --dport=443 >web.json
    [ ! -s web.json ] || fail "incidents in port 443 traffic: $(cut -c 1-200 web.json)"
    echo "history: one incident, syn on 10.10.0.80 at 09:36 for $duration s; a normal day raises nothing"
    ;;
  collect)
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    cat >live.toml <<'RULES'
[[rule]]
name = "syn"
metric = "syn_packets"
threshold = 5000
clear = "2s"

[[rule]]
name = "flows"
metric = "flows"
threshold = 5000
min_sources = 16
clear = "2s"
RULES
    port=$(free_port)
    cat >sensor.conf <<CONF
probe p netflow-v9
  listen-on-port $port
  protocol udp
end probe
sensor local
  netflow-v9-probes p
  internal-ipblocks 10.0.0.0/8
  external-ipblocks remainder
end sensor
CONF
    "$weir" collect --sensor-configuration=sensor.conf --root-directory=repo --flush-timeout=0.2 \
      --detect=live.toml --alert-output=alerts.json 2>collect.log &
    pid=$!
    trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.1; done
    "$weir" meter -r "$traffic/traffic_ddos_syn_flood_spoofed.pcap" --export=127.0.0.1:"$port" \
      --protocol=9 -o /dev/null 2>meter.err || fail "meter: $(cat meter.err)"
    # the incidents end 2 s after their traffic, on the clock once no records come
    for _ in $(seq 150); do [ -f alerts.json ] && [ "$(grep -c "\"event\":\"end\"" alerts.json)" -ge 2 ] && break; sleep 0.1; done
    # the running detector's state, rewritten every second
    sleep 1.5
    "$weir" detect --status --data-rootdir=repo >status.txt
    grep -q "^open incidents:" status.txt && grep -q "^  syn: host incoming syn_packets > 5000" status.txt ||
      fail "--status: $(cat status.txt)"
    "$weir" detect --status --json --data-rootdir=repo >status.json
    [ "$(field status.json '(r["detector"]["incidents"], len(r["open"]), r["alerts"][0]["delivered"], r["alerts"][0]["pending"])')" = "(2, 0, 4, 0)" ] ||
      fail "--status --json: $(cat status.json)"
    kill -TERM $pid
    wait $pid || fail "collect: $(cat collect.log)"
    grep -q "incident start .*: syn 10.10.10.10 (syn_flood)" collect.log || fail "log: $(cat collect.log)"
    # the same flows, read back from the repository, give the same incidents
    "$weir" detect --rules=live.toml --sensor-configuration=sensor.conf --data-rootdir=repo \
      --start-date=2021/04/28 --end-date=2021/04/28:23 --type=all >history.json
    live=$(events alerts.json 'sorted((x["incident"], x["rule"], x["key"], x["start"]) for x in e if x["event"] == "start")')
    hist=$(events history.json 'sorted((x["incident"], x["rule"], x["key"], x["start"]) for x in e if x["event"] == "start")')
    [ "$live" = "$hist" ] || fail "collect --detect: $live; detect over the repository: $hist"
    [ "$(events alerts.json 'len([x for x in e if x["event"] == "start"])')" = 2 ] || fail "starts: $live"
    echo "collect: $live, the same from the repository"
    ;;
  follow)
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    printf '[[rule]]\nname = "syn"\nmetric = "syn_packets"\nthreshold = 5000\nclear = "2s"\n' >f.toml
    port=$(free_port)
    printf 'probe p netflow-v9\n  listen-on-port %s\n  protocol udp\nend probe\nsensor local\n  netflow-v9-probes p\n  internal-ipblocks 10.0.0.0/8\n  external-ipblocks remainder\nend sensor\n' \
      "$port" >sensor.conf
    mkdir repo
    # weir detect follows the repository a plain collector fills
    "$weir" detect --follow --data-rootdir=repo --start=beginning --rules=f.toml \
      --sensor-configuration=sensor.conf --alert-output=follow.json --poll-interval=0.2 2>follow.log &
    follower=$!
    "$weir" collect --sensor-configuration=sensor.conf --root-directory=repo --flush-timeout=0.2 2>collect.log &
    collector=$!
    trap 'kill $follower $collector 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.1; done
    "$weir" meter -r "$traffic/traffic_ddos_syn_flood_spoofed.pcap" --export=127.0.0.1:"$port" \
      --protocol=9 -o /dev/null 2>meter.err || fail "meter: $(cat meter.err)"
    for _ in $(seq 200); do grep -q '"event":"end"' follow.json 2>/dev/null && break; sleep 0.1; done
    # the collector first (it stores what it holds as it stops), then the follower
    # once it has read that too
    kill -TERM $collector
    wait $collector || fail "collect: $(cat collect.log)"
    sleep 1
    kill -TERM $follower
    wait $follower || fail "detect --follow: $(cat follow.log)"
    grep -q "following repo from beginning (new cursor repo/.weir/detect.cursor)" follow.log ||
      fail "follow log: $(cat follow.log)"
    "$weir" detect --rules=f.toml --sensor-configuration=sensor.conf --data-rootdir=repo \
      --start-date=2021/04/28 --end-date=2021/04/28:23 --type=all >history.json
    followed=$(events follow.json 'sorted((x["incident"], x["event"], x["key"], x["start"]) for x in e if x["event"] != "update")')
    hist=$(events history.json 'sorted((x["incident"], x["event"], x["key"], x["start"]) for x in e if x["event"] != "update")')
    [ "$followed" = "$hist" ] || fail "detect --follow: $followed; detect over the repository: $hist"
    # a restart goes on from the cursor: nothing stored since, nothing new
    "$weir" detect --follow --data-rootdir=repo --rules=f.toml --sensor-configuration=sensor.conf \
      --alert-output=again.json --stop-after=1 2>again.log || fail "restart: $(cat again.log)"
    [ ! -s again.json ] || fail "a restart detected again: $(head -c 300 again.json)"
    echo "follow: $followed, as over the repository; a restart resumes from the cursor"
    ;;
  actions)
    "$weir" gen --flows=400000 --seed=4 --start-time=2026/11/26 --duration=1d --ddos --output-path=day.weir
    cat >r.toml <<'RULES'
[[rule]]
name = "syn"
metric = "syn_packets"
threshold = 10
clear = "10s"
RULES
    cat >script.sh <<'SCRIPT'
#!/bin/sh
# arguments: EVENT KEY RULE INCIDENT; the event's JSON on standard input
{ echo "$1 $2 $3 $4 $WEIR_EVENT"; cat; } >>"$(dirname "$0")/script.out"
SCRIPT
    printf '#!/bin/sh\nsleep 100\n' >hang.sh
    chmod +x script.sh hang.sh
    common=(--rules=r.toml --internal-ipblocks=10.10.0.0/16 day.weir)
    "$weir" detect "${common[@]}" >plain.json
    starts=$(grep -c '"event":"start"' plain.json)
    [ "$starts" -ge 1 ] || fail "no incident: $(head -c 300 plain.json)"
    "$weir" detect "${common[@]}" --alert-output=script.json --alert-script="$tmp/script.sh" 2>script.err ||
      fail "with a script: $(cat script.err)"
    [ "$(grep -c '^start ' script.out)" -eq "$starts" ] && [ "$(grep -c '^end ' script.out)" -eq "$starts" ] ||
      fail "script runs: $(grep -c '^start ' script.out) starts for $starts: $(head -5 script.out)"
    grep -q '^start 10.10.0.80 syn [0-9a-f]\{16\} start$' script.out || fail "script arguments: $(head -3 script.out)"
    grep -q '^{"event":"start"' script.out || fail "script input: $(head -3 script.out)"
    cmp -s plain.json script.json || fail "--alert-output differs from standard output"
    # syslog (RFC 5424 over UDP): one message per event, severity by event kind
    port=$(free_port)
    $python -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
s.settimeout(30)
out = open(sys.argv[2], "w")
while True:
    try:
        data = s.recv(65535)
    except socket.timeout:
        break
    out.write(data.decode() + "\n")
    out.flush()
    s.settimeout(2)
' "$port" syslog.txt >syslog.ready &
    listener=$!
    for _ in $(seq 50); do grep -q ready syslog.ready 2>/dev/null && break; sleep 0.1; done
    "$weir" detect "${common[@]}" --alert-output=sys.json --alert-syslog=127.0.0.1:"$port" 2>sys.err ||
      fail "syslog: $(cat sys.err)"
    wait $listener
    [ "$(wc -l <syslog.txt)" -eq "$(wc -l <plain.json)" ] || fail "syslog got $(wc -l <syslog.txt) of $(wc -l <plain.json)"
    grep -Eq '^<132>1 [0-9T:.-]+Z [^ ]+ weir [0-9]+ start \[weir@32473 incident="[0-9a-f]{16}" rule="syn" key="10.10.0.80" vector="syn_flood"\] \{"event":"start"' syslog.txt ||
      fail "syslog format: $(head -c 300 syslog.txt)"
    grep -q '^<133>1 .* end \[' syslog.txt || fail "syslog end: $(grep ' end ' syslog.txt | head -c 200)"
    # the ECS layout: the same events, each with the weir event inside
    "$weir" detect "${common[@]}" --alert-schema=ecs >ecs.json
    [ "$(events ecs.json '[(x["event"]["id"], x["event"]["action"], x["weir"]["time"]) for x in e]')" = \
      "$(events plain.json '[(x["incident"], "incident-" + x["event"], x["time"]) for x in e]')" ] ||
      fail "ECS events: $(head -c 300 ecs.json)"
    # a hanging script is killed and retried; the file still gets every event
    set +e
    timeout 60 "$weir" detect "${common[@]}" --alert-output=hang.json --alert-script="$tmp/hang.sh" \
      --alert-script-timeout=0.5 --alert-timeout=3 2>hang.err
    rc=$?
    set -e
    [ $rc -eq 1 ] && grep -q "killed after" hang.err && grep -q "alerts not delivered to script" hang.err ||
      fail "hanging script: exit $rc: $(cat hang.err)"
    cmp -s plain.json hang.json || fail "a hanging script cost events: $(wc -l <hang.json) of $(wc -l <plain.json)"
    # a webhook that is down: one line says so, the file gets every event
    port=$(free_port)
    set +e
    timeout 60 "$weir" detect "${common[@]}" --alert-output=down.json --alert-timeout=3 \
      --alert-webhook=http://127.0.0.1:"$port"/alerts 2>down.err
    rc=$?
    set -e
    [ $rc -eq 1 ] && grep -q "retrying" down.err && [ "$(grep -c . down.err)" -le 3 ] ||
      fail "webhook down: exit $rc: $(cat down.err)"
    cmp -s plain.json down.json || fail "a webhook that is down cost events"
    # a webhook that refuses its first two requests (429) gets every event, once
    $python "$src/tests/export_helpers.py" receiver --mode post --out posted.json --port-file port.txt \
      --fail-first 2 2>recv.err &
    recv=$!
    for _ in $(seq 100); do [ -f port.txt ] && break; sleep 0.1; done
    "$weir" detect "${common[@]}" --alert-output=/dev/null --alert-webhook=http://127.0.0.1:"$(cat port.txt)"/ \
      2>up.err || fail "webhook: $(cat up.err)"
    kill $recv
    [ "$(events posted.json 'sorted((x["incident"], x["event"], x["time"]) for x in e)')" = \
      "$(events plain.json 'sorted((x["incident"], x["event"], x["time"]) for x in e)')" ] ||
      fail "the webhook got $(wc -l <posted.json) events of $(wc -l <plain.json)"
    echo "actions: $starts incidents; the script ran at each start and end; a hanging script and a dead webhook lost nothing; a refusing webhook got every event"
    ;;
  bgp)
    need gobgpd
    need gobgp
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    api=$(free_port)
    printf '[global.config]\n  as = 64512\n  router-id = "192.0.2.1"\n  port = -1\n' >gobgpd.toml
    gobgpd -f gobgpd.toml --api-hosts=127.0.0.1:"$api" -l warn >gobgpd.log 2>&1 &
    gobgpd_pid=$!
    trap 'kill $gobgpd_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do gobgp -p "$api" global >/dev/null 2>&1 && break; sleep 0.1; done
    bgp_setup
    bgp_run plain --bgp-gobgp=127.0.0.1:"$api" --bgp-flowspec
    [ $seen = yes ] || fail "no blackhole route in gobgpd's RIB during the incident: $(cat plain.log)"
    grep -q "\[destination: 10.10.10.10/32\]\[protocol: ==tcp\].*discard" plain.flowspec ||
      fail "flowspec rule: $(cat plain.flowspec)"
    grep -q "bgp: announced 10.10.10.10/32 community 65535:666" plain.log &&
      grep -q "bgp: withdrew 10.10.10.10/32" plain.log || fail "log: $(cat plain.log)"
    # a victim in --bgp-never: the incident is raised, nothing is announced
    bgp_run never --bgp-gobgp=127.0.0.1:"$api" --bgp-never=10.10.0.0/16
    [ $seen = no ] || fail "--bgp-never: announced anyway: $(cat never.rib)"
    grep -q "not announcing 10.10.10.10/32 .*--bgp-never" never.log || fail "never: $(cat never.log)"
    # dry run: logged, not sent
    bgp_run dry --bgp-gobgp=127.0.0.1:"$api" --bgp-dry-run
    [ $seen = no ] || fail "--bgp-dry-run announced"
    grep -q "would announce 10.10.10.10/32" dry.log || fail "dry run: $(cat dry.log)"
    echo "bgp: 10.10.10.10/32 blackholed (community 65535:666) and a flowspec rule while the incident lasted, withdrawn 1 s after; --bgp-never and --bgp-dry-run announce nothing"
    ;;
  exabgp)
    need gobgpd
    need gobgp
    need exabgp
    traffic="$shared/data/traffic"
    [ -d "$traffic" ] || skip "$traffic absent"
    # gobgpd listens for BGP on loopback and peers with ExaBGP (127.0.0.2), whose
    # process is contrib/exabgp's pipe reader; the route reaches gobgpd's RIB over BGP
    bgp=$(free_port)
    api=$(free_port)
    cat >gobgpd.toml <<CONF
[global.config]
  as = 64512
  router-id = "192.0.2.1"
  port = $bgp
  local-address-list = ["127.0.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.2"
    peer-as = 64513
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"
CONF
    cat >exabgp.conf <<CONF
process weir {
  run $src/contrib/exabgp/weir-exabgp-pipe $tmp/exabgp.cmd;
  encoder text;
}
neighbor 127.0.0.1 {
  router-id 192.0.2.2;
  local-address 127.0.0.2;
  local-as 64513;
  peer-as 64512;
  connect $bgp;
  api { processes [ weir ]; }
  family { ipv4 unicast; ipv4 flow; }
}
CONF
    gobgpd -f gobgpd.toml --api-hosts=127.0.0.1:"$api" -l warn >gobgpd.log 2>&1 &
    gobgpd_pid=$!
    exabgp_pid=
    trap 'kill $gobgpd_pid $exabgp_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do gobgp -p "$api" global >/dev/null 2>&1 && break; sleep 0.1; done
    env exabgp.daemon.drop=false exabgp.daemon.user="$(id -un)" exabgp.api.cli=false \
      exabgp.log.destination=stdout exabgp.log.level=INFO exabgp exabgp.conf >exabgp.log 2>&1 &
    exabgp_pid=$!
    for _ in $(seq 200); do gobgp -p "$api" neighbor 2>/dev/null | grep -q Establ && break; sleep 0.1; done
    gobgp -p "$api" neighbor | grep -q Establ || fail "ExaBGP did not peer with gobgpd: $(tail -5 exabgp.log)"
    bgp_setup
    bgp_run up --bgp-exabgp="$tmp/exabgp.cmd" --bgp-flowspec
    [ $seen = yes ] || fail "no blackhole route from ExaBGP in gobgpd's RIB: $(cat up.log; tail -5 exabgp.log)"
    grep -q "\[destination: 10.10.10.10/32\]\[protocol: ==tcp\].*discard" up.flowspec ||
      fail "flowspec rule: $(cat up.flowspec)"
    grep -q "bgp: withdrew 10.10.10.10/32" up.log || fail "log: $(cat up.log)"
    # ExaBGP down: nothing reads the pipe; the incident is still raised and alerted,
    # the failure logged and counted, and the collector stops at once (nothing to withdraw)
    kill $exabgp_pid
    wait $exabgp_pid 2>/dev/null || true
    exabgp_pid=
    bgp_run down --bgp-exabgp="$tmp/exabgp.cmd" --bgp-flowspec
    [ $seen = no ] || fail "a route with ExaBGP down"
    grep -q "error: bgp: announce 10.10.10.10/32 .*nothing reads it (is ExaBGP running?); retrying" down.log ||
      fail "down: $(cat down.log)"
    [ "$(events down.json 'len([x for x in e if x["event"] in ("start", "end")])')" = 2 ] || fail "down: events $(cat down.json)"
    echo "exabgp: 10.10.10.10/32 blackholed and a flowspec rule through ExaBGP into gobgpd's RIB, withdrawn after; with ExaBGP down the incident is alerted and the failure logged"
    ;;
  bad_input)
    "$weir" gen --flows=100 --seed=1 --start-time=2026/11/26 --output-path=g.weir
    set +e
    printf '[[rule]]\nname = "a"\nmetric = "packets"\nthreshold = "1Q"\n' >bad.toml
    "$weir" detect --rules=bad.toml g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && [ "$(cat e)" = 'weir detect: bad.toml:4: threshold: not a number (or a string with k, M, G, T: "1G")' ] ||
      fail "bad rule file: exit $rc $(cat e)"
    "$weir" detect --verify --rules=bad.toml >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "bad.toml:4:" e || fail "--verify of a bad file: exit $rc $(cat e)"
    "$weir" detect --rules=missing.toml g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "missing.toml" e || fail "missing rule file: exit $rc $(cat e)"
    "$weir" detect --internal-ipblocks=10.0.0.0/99 g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "not a CIDR block" e || fail "bad --internal-ipblocks: exit $rc $(cat e)"
    "$weir" collect --detect=bad.toml --root-directory=r >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "bad.toml:4:" e || fail "collect with a bad rule file: exit $rc $(cat e)"
    "$weir" detect --print-default-rules >default.toml
    "$weir" detect --verify --rules=default.toml >o || fail "the printed default rules do not verify"
    "$weir" detect --report --victim=10.0.0.999 g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "not an IP address" e || fail "bad victim: exit $rc $(cat e)"
    head -c 100 g.weir >t.weir
    "$weir" detect --report t.weir >o 2>e; rc=$?
    [ $rc -eq 1 ] && [ "$(wc -l <e)" -eq 1 ] || fail "truncated file: exit $rc $(cat e)"
    "$weir" detect --internal-ipblocks=10.0.0.0/8 t.weir >o 2>e; rc=$?
    [ $rc -eq 1 ] && [ "$(wc -l <e)" -eq 1 ] || fail "detect, truncated file: exit $rc $(cat e)"
    set -e
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "ok: $case_name"
