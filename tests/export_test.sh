#!/usr/bin/env bash
# End-to-end tests of `weir export`: run as `export_test.sh CASE WEIR_BINARY`. Cases:
#   formats        JSON (weir, ECS, EVE) parses with a real JSON parser, and the weir
#                  layout and CSV equal weir cut's output byte for byte
#   community      the Community ID of every metered flow equals tshark's for the
#                  same packets (real captures)
#   follow_crash   weir meter -> weir collect -> weir export --follow to a file, with
#                  kill -9 of the exporter and of the collector in the middle: every
#                  stored record is exported exactly once
#   elasticsearch  _bulk wire format; 429s, item-level 429s, a stalled answer and a
#                  refused document: nothing lost, no duplicates, the refused one kept
#   splunk         HEC envelope, token, 503s, indexer acknowledgements
#   http_post      plain POST of JSON lines (Sumo Logic style), gzip, custom headers,
#                  a 500 retried
#   sink_down      --follow while Elasticsearch is down: the cursor waits, and once
#                  it is up every record arrives once, across an exporter restart
#   spool          a stream exported while the HTTP receiver is down goes to the
#                  spool, and is sent first (in order) once it answers
#   tls            HTTPS to a receiver with a certificate of a private CA (--ca-file);
#                  an untrusted certificate is refused with a clear message
#   final_only     a capture metered with a short active timeout: --final-only
#                  gives one record per flow with the same sums as metering it whole
#   latency        --follow with the defaults: a flow received by the collector is
#                  exported within 5 s
#   bad_input      damaged files, bad switches, a cursor of another repository
set -euo pipefail
case_name=$1
weir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
traffic="${WEIR_SHARED_DIR:-$src/../shared}/data/traffic"
python=/usr/bin/python3
helpers="$src/tests/export_helpers.py"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

# shellcheck source=lib.sh
source "$src/tests/lib.sh"

# A day of synthetic flows (IPv4 and IPv6, all protocols) in a repository. A
# failure says why (under set -e it would otherwise end the case without a word).
make_repo() {
  "$weir" gen --flows="${1:-20000}" --seed=7 --start-time=2026/11/26 --root-directory=repo \
    >/dev/null 2>gen.err || fail "weir gen exited $?: $(cat gen.err)"
}
sel=(--data-rootdir=repo --type=all --start-date=2026/11/26 --end-date=2026/11/27)

# receiver MODE OUT ARGS...: an HTTP receiver in the background; sets $port.
receiver() {
  rm -f "port.$2"
  $python "$helpers" receiver --mode "$1" --out "$2" --port-file "port.$2" "${@:3}" 2>"$2.err" &
  pids+=($!)
  disown $!
  for _ in $(seq 100); do
    [ -s "port.$2" ] && { port=$(cat "port.$2"); return 0; }
    sleep 0.05
  done
  fail "receiver did not start: $(cat "$2.err")"
}
no_violations() {
  sleep 0.3
  [ ! -s "$1.violations" ] || fail "wire format: $(cat "$1.violations")"
}
# The 5-tuple, counters and start time of every record of a JSON lines file (weir layout).
tuples() { $python "$helpers" tuples "$1" sip dip sport dport protocol packets bytes stime | LC_ALL=C sort; }

case "$case_name" in
  formats)
    make_repo
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    for schema in weir ecs eve; do
      "$weir" export "${sel[@]}" --schema=$schema >$schema.json
      got=$($python "$helpers" tuples $schema.json community_id | grep -c '^1:' || true)
      [ "$schema" = ecs ] && got=$($python "$helpers" tuples $schema.json network.community_id | grep -c '^1:' || true)
      [ "$got" = "$n" ] || fail "$schema: $got records with a Community ID, $n stored"
    done
    # One serializer: the weir layout is weir cut's JSON, and CSV is weir cut's CSV.
    f=sip,dip,sport,dport,protocol,packets,bytes,flags,stime,etime,duration,sensor,class,type,attributes,icmp_type,bpp
    "$weir" cut "${sel[@]}" --fields=$f --output-format=json --timestamp-format=iso >cut.json
    "$weir" export "${sel[@]}" --fields=$f --no-community-id --no-flow-id >export.json
    cmp -s cut.json export.json || fail "export JSON differs from cut's: $(diff cut.json export.json | head -3)"
    "$weir" cut "${sel[@]}" --fields=$f --output-format=csv --timestamp-format=iso >cut.csv
    "$weir" export "${sel[@]}" --fields=$f --output-format=csv >export.csv
    cmp -s cut.csv export.csv || fail "export CSV differs from cut's: $(diff cut.csv export.csv | head -3)"
    # One shot into a file that rotates: blocks are delivered in batch-size pieces,
    # in storage order, and the files together are what standard output got.
    "$weir" export "${sel[@]}" --batch-size=20K --rotate-size=100K --output-path=rot.json
    rotated=$(find . -maxdepth 1 -name 'rot.json.*' | wc -l)
    [ "$rotated" -ge 3 ] || fail "one-shot export rotated $rotated times at 100K"
    # shellcheck disable=SC2046
    cat $(find . -maxdepth 1 -name 'rot.json.*' | sort -V) rot.json | cmp -s - weir.json ||
      fail "rotated one-shot export differs from standard output's"
    # ECS: the fields a SIEM keys on.
    $python - ecs.json <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["event"]["duration"] % 1000000 == 0, r
    assert r["network"]["type"] in ("ipv4", "ipv6"), r
    assert r["network"]["iana_number"].isdigit(), r
    assert r["network"]["direction"] in ("inbound", "outbound", "internal", "external", "unknown"), r
    assert r["@timestamp"].endswith("Z") and len(r["@timestamp"]) == 24, r
    assert r["source"]["bytes"] == r["network"]["bytes"], r
PY
    echo "formats: $n records as weir, ECS and EVE JSON; weir layout and CSV equal weir cut's"
    ;;

  community)
    [ -d "$traffic" ] || skip "$traffic absent"
    command -v tshark >/dev/null || fail "tshark is not installed (./setup.sh installs it)"
    total=0
    for pcap in traffic_http_bro_org_13conns.pcap traffic_tls_ipv4_ipv6_334conns.pcap \
      traffic_dns_heavy_mdns_llmnr.pcap traffic_vlan_qinq_icmp.pcap traffic_lan_mixed_small_arp_stp_dns_http.pcap; do
      "$weir" meter -r "$traffic/$pcap" -o flows.rwf 2>/dev/null
      "$weir" export --fields=sip,dip,sport,dport,protocol,icmp_type flows.rwf >flows.json
      tshark -r "$traffic/$pcap" --enable-protocol communityid -T fields \
        -e ip.src -e ip.dst -e ip.proto -e tcp.srcport -e tcp.dstport -e icmp.type -e communityid \
        -Y 'ip and ip.flags.mf == 0 and ip.frag_offset == 0' 2>/dev/null |
        awk -F'\t' 'BEGIN{OFS="\t"} {print $1,$2,$3,$4,$5,$6,$7}' >t4.txt
      tshark -r "$traffic/$pcap" --enable-protocol communityid -T fields \
        -e ipv6.src -e ipv6.dst -e ipv6.nxt -e tcp.srcport -e tcp.dstport -e icmpv6.type -e communityid \
        -Y 'ipv6 and not ipv6.fragment' 2>/dev/null >t6.txt
      # UDP ports come from their own columns.
      tshark -r "$traffic/$pcap" --enable-protocol communityid -T fields \
        -e ip.src -e ip.dst -e ip.proto -e udp.srcport -e udp.dstport -e icmp.type -e communityid \
        -Y 'udp and ip and ip.flags.mf == 0 and ip.frag_offset == 0' 2>/dev/null >u4.txt
      tshark -r "$traffic/$pcap" --enable-protocol communityid -T fields \
        -e ipv6.src -e ipv6.dst -e ipv6.nxt -e udp.srcport -e udp.dstport -e icmpv6.type -e communityid \
        -Y 'udp and ipv6' 2>/dev/null >u6.txt
      cat t4.txt t6.txt u4.txt u6.txt >tshark.txt
      out=$($python "$helpers" community flows.json tshark.txt --min-checked=1) || fail "$pcap: $out"
      total=$((total + $(echo "$out" | awk '{print $1}')))
    done
    echo "community: $total flows carry tshark's Community ID"
    ;;

  follow_crash)
    [ -d "$traffic" ] || skip "$traffic absent"
    port=$(free_port)
    cat >s.conf <<CONF
probe meter ipfix
  listen-on-port $port
  protocol udp
end probe
sensor local
  ipfix-probes meter
  internal-ipblocks 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7
  external-ipblocks remainder
end sensor
CONF
    # Many flows: a synthetic capture, metered in pieces.
    "$weir" gen --flows=6000 --seed=3 --start-time=2026/11/26 --pcap=all.pcap 2>/dev/null
    start_collector() {
      "$weir" collect --root-directory=repo --sensor-configuration=s.conf --flush-timeout=0.2 \
        --stats-interval=0 >>collect.log 2>&1 &
      collector=$!
      pids+=($collector)
      for _ in $(seq 100); do
        [ "$(grep -c listening collect.log)" -ge "$1" ] && return 0
        sleep 0.05
      done
      fail "collector did not start: $(cat collect.log)"
    }
    start_exporter() {
      "$weir" export --follow --cursor=cursor.db --data-rootdir=repo --start=beginning \
        --poll-interval=0.1 --batch-size=20K --output-path=out.json 2>>export.log &
      exporter=$!
      pids+=($exporter)
    }
    send() {  # send PACKETS-TO-SKIP PACKETS: meters part of the capture into the collector
      "$weir" meter -r all.pcap --export=127.0.0.1:$port --protocol=10 \
        --filter="$1" 2>meter.err || fail "meter: $(cat meter.err)"
    }
    start_collector 1
    start_exporter
    send 'tcp'
    sleep 0.3
    kill -9 "$exporter"           # the exporter dies mid-run ...
    send 'udp'
    start_exporter                # ... and comes back
    sleep 0.2
    kill -9 "$collector"          # the collector dies ...
    sleep 0.2
    start_collector 2             # ... and comes back
    send 'not tcp and not udp'
    sleep 0.3
    kill -9 "$exporter"
    start_exporter
    # Wait until everything stored has been exported, then stop both.
    find_files() { find repo -type f -not -path '*/.weir/*' -not -name silk.conf | sort; }
    for _ in $(seq 200); do
      stored=$(find_files | "$weir" cut --xargs=- --fields=sip --no-titles | wc -l)
      exported=$(wc -l <out.json)
      [ "$stored" -gt 0 ] && [ "$exported" -ge "$stored" ] && break
      sleep 0.1
    done
    kill -TERM "$exporter" "$collector"
    wait "$exporter" || fail "exporter exit status $?: $(cat export.log)"
    find_files | "$weir" cut --xargs=- --fields=sip,dip,sport,dport,protocol,packets,bytes,stime \
      --timestamp-format=iso --output-format=json | $python -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(" ".join(str(r[k]) for k in ("sip", "dip", "sport", "dport", "protocol", "packets", "bytes", "stime")))
' | LC_ALL=C sort >stored.txt
    tuples out.json >exported.txt
    [ -s stored.txt ] || fail "nothing stored: $(cat collect.log)"
    if ! cmp -s stored.txt exported.txt; then
      echo "stored $(wc -l <stored.txt), exported $(wc -l <exported.txt)" >&2
      diff stored.txt exported.txt | head -5 >&2
      fail "exported records differ from the stored ones"
    fi
    echo "follow_crash: $(wc -l <stored.txt) stored records exported exactly once across kill -9 of both"
    ;;

  elasticsearch)
    make_repo 5000
    # The receiver refuses for good every record with the first record's source port.
    refused_port=$("$weir" cut "${sel[@]}" --fields=sport --no-titles --num-recs=1 --delimited)
    receiver es docs.json --fail-first=2 --fail-status=429 --item-429-first=1 \
      --reject-marker="\"sport\":$refused_port,"
    "$weir" export "${sel[@]}" --sink=elasticsearch --url="http://127.0.0.1:$port" \
      --batch-size=64K --rejected-path=rejected.jsonl 2>export.err || fail "export: $(cat export.err)"
    no_violations docs.json
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    refused=$("$weir" cut "${sel[@]}" --sport="$refused_port" --fields=sip --no-titles | wc -l)
    [ "$refused" -gt 0 ] || fail "no record to refuse" 
    got=$(wc -l <docs.json)
    [ "$got" -eq $((n - refused)) ] || fail "stored $got of $n records ($refused refused)"
    [ "$(wc -l <rejected.jsonl 2>/dev/null || echo 0)" -eq "$refused" ] || fail "rejected file: $(cat rejected.jsonl)"
    grep -q "HTTP 429" export.err || fail "no log line for the 429s: $(cat export.err)"
    # Sending everything again stores nothing twice (409 = already there).
    "$weir" export "${sel[@]}" --sink=elasticsearch --url="http://127.0.0.1:$port" \
      --rejected-path=rejected2.jsonl 2>export2.err || fail "second export: $(cat export2.err)"
    [ "$(wc -l <docs.json)" -eq "$got" ] || fail "a second export duplicated records"
    ids=$($python "$helpers" tuples docs.json _id | sort -u | wc -l)
    [ "$ids" -eq "$got" ] || fail "$ids distinct ids for $got documents"
    idx=$($python "$helpers" tuples docs.json _index | sort -u | tr '\n' ' ')
    [ "$idx" = "weir-flows-2026.11.26 " ] || fail "indexes: $idx"
    # A stalled answer: the request times out and is retried.
    receiver es stalled.json --stall-first=1 --stall-seconds=4
    "$weir" export "${sel[@]}" --sink=elasticsearch --url="http://127.0.0.1:$port" --timeout=1 \
      2>stall.err || fail "export with a stall: $(cat stall.err)"
    [ "$(wc -l <stalled.json)" -eq "$n" ] || fail "after a stall: $(wc -l <stalled.json) of $n"
    echo "elasticsearch: $got stored once through 429s, item 429s and a stall; $refused refused and kept"
    ;;

  splunk)
    make_repo 3000
    receiver hec events.json --token=secret-token --fail-first=2 --fail-status=503 --ack
    WEIR_HEC_TOKEN=secret-token "$weir" export "${sel[@]}" --sink=splunk --url="http://127.0.0.1:$port" \
      --splunk-ack --schema=ecs --batch-size=256K 2>export.err || fail "export: $(cat export.err)"
    no_violations events.json
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    [ "$(wc -l <events.json)" -eq "$n" ] || fail "HEC received $(wc -l <events.json) of $n"
    srcs=$($python "$helpers" tuples events.json sourcetype | sort -u)
    [ "$srcs" = "weir:flow" ] || fail "sourcetype $srcs"
    # A wrong token is refused at once, with a clear message.
    if "$weir" export "${sel[@]}" --sink=splunk --url="http://127.0.0.1:$port" --token=wrong \
      2>wrong.err; then fail "a refused token succeeded"; fi
    grep -q "HTTP 401" wrong.err || fail "wrong token message: $(cat wrong.err)"
    echo "splunk: $n events through 503s with acknowledgements; a wrong token is refused"
    ;;

  http_post)
    make_repo 2000
    receiver post posted.json --header='X-Source: weir-test' --fail-first=1 --fail-status=500
    "$weir" export "${sel[@]}" --sink=http --url="http://127.0.0.1:$port/receiver/v1" --compress \
      --header='X-Source: weir-test' --schema=eve 2>export.err || fail "export: $(cat export.err)"
    no_violations posted.json
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    [ "$(wc -l <posted.json)" -eq "$n" ] || fail "received $(wc -l <posted.json) of $n"
    grep -q "HTTP 500" export.err || fail "no log line for the 500: $(cat export.err)"
    types=$($python "$helpers" tuples posted.json event_type | sort -u)
    [ "$types" = netflow ] || fail "event_type $types"
    echo "http_post: $n EVE events posted through a 500, gzip and custom header"
    ;;

  sink_down)
    make_repo 4000
    port=$(free_port)  # nobody listens yet
    "$weir" export --follow --cursor=c.db --data-rootdir=repo --start=beginning --poll-interval=0.1 \
      --sink=elasticsearch --url="http://127.0.0.1:$port" --batch-size=16K 2>export.log &
    exporter=$!
    pids+=($exporter)
    sleep 2
    grep -q "cannot connect.*retrying" export.log || fail "no retry message: $(cat export.log)"
    kill -TERM "$exporter"
    wait "$exporter" || true
    # A receiver comes up; the exporter restarts from its cursor.
    rm -f port.docs.json
    $python "$helpers" receiver --mode es --out docs.json --port-file port.docs.json 2>recv.err &
    pids+=($!)
    for _ in $(seq 100); do [ -s port.docs.json ] && break; sleep 0.05; done
    port=$(cat port.docs.json)
    "$weir" export --follow --cursor=c.db --data-rootdir=repo --poll-interval=0.1 \
      --sink=elasticsearch --url="http://127.0.0.1:$port" --batch-size=16K --stop-after=3 \
      2>>export.log || fail "exporter: $(cat export.log)"
    no_violations docs.json
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    [ "$(wc -l <docs.json)" -eq "$n" ] || fail "delivered $(wc -l <docs.json) of $n"
    echo "sink_down: the cursor waited for a down sink; then all $n records arrived once"
    ;;

  spool)
    make_repo 3000
    files=$(find repo -type f -not -name silk.conf -not -path '*/.weir/*' | sort)
    first=$(echo "$files" | head -3)
    rest=$(echo "$files" | tail -n +4)
    port=$(free_port)  # nobody listens yet: a stream goes to the spool
    if cat $first | "$weir" export --sink=http --url="http://127.0.0.1:$port/in" --spool-dir=spool \
      --batch-size=8K --max-attempts=2 2>first.err; then fail "an export to a down sink exited 0"; fi
    grep -q "stay spooled in spool" first.err || fail "spool message: $(cat first.err)"
    spooled=$(ls spool | wc -l)
    [ "$spooled" -gt 0 ] || fail "nothing spooled: $(cat first.err)"
    # The receiver comes up: the next run sends the spooled batches first, then its own.
    receiver post got.json --port="$port"
    "$weir" export $rest --sink=http --url="http://127.0.0.1:$port/in" --spool-dir=spool \
      --fields=sip,dip,sport,dport,protocol,packets,bytes,stime 2>second.err ||
      fail "second run: $(cat second.err)"
    [ "$(ls spool | wc -l)" -eq 0 ] || fail "spool not emptied"
    "$weir" cut $first $rest --fields=sip --no-titles | wc -l >want.txt
    [ "$(wc -l <got.json)" -eq "$(cat want.txt)" ] || fail "received $(wc -l <got.json) of $(cat want.txt)"
    # Order: the first run's records come first.
    "$weir" cut $first --fields=sip,dport --no-titles --delimited=' ' >first.txt
    $python "$helpers" tuples got.json sip dport >all.txt
    head -n "$(wc -l <first.txt)" all.txt >head.txt
    cmp -s first.txt head.txt || fail "spooled records did not go first"
    # A full spool is an error that says so, not a silent loss.
    port2=$(free_port)
    if cat $files | "$weir" export --sink=http --url="http://127.0.0.1:$port2/in" --spool-dir=spool2 \
      --spool-size=100K --batch-size=8K --max-attempts=1 2>full.err; then fail "a full spool exited 0"; fi
    grep -q "is full" full.err || fail "full-spool message: $(cat full.err)"
    echo "spool: $spooled batches kept while the sink was down, sent first when it came back"
    ;;

  tls)
    make_repo 1000
    command -v openssl >/dev/null || fail "openssl is not installed (./setup.sh installs it)"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj /CN=weir-test-ca >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj /CN=127.0.0.1 >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
      -days 2 -extfile san.ext >/dev/null 2>&1
    receiver post tls.json --tls-cert=server.pem --tls-key=server.key
    n=$("$weir" cut "${sel[@]}" --fields=sip --no-titles | wc -l)
    "$weir" export "${sel[@]}" --sink=http --url="https://127.0.0.1:$port/in" --ca-file=ca.pem \
      2>export.err || fail "export over TLS: $(cat export.err)"
    [ "$(wc -l <tls.json)" -eq "$n" ] || fail "received $(wc -l <tls.json) of $n over TLS"
    if "$weir" export "${sel[@]}" --sink=http --url="https://127.0.0.1:$port/in" --max-attempts=1 \
      2>untrusted.err; then fail "an untrusted certificate was accepted"; fi
    grep -q "certificate" untrusted.err || fail "untrusted message: $(cat untrusted.err)"
    "$weir" export "${sel[@]}" --sink=http --url="https://127.0.0.1:$port/in" --insecure \
      2>insecure.err || fail "--insecure: $(cat insecure.err)"
    echo "tls: $n records over HTTPS with a private CA; an untrusted server refused"
    ;;

  final_only)
    [ -d "$traffic" ] || skip "$traffic absent"
    pcap="$traffic/traffic_tls_ipv4_ipv6_334conns.pcap"
    "$weir" meter -r "$pcap" --active-timeout=1e9 --inactive-timeout=1e9 -o whole.rwf 2>/dev/null
    "$weir" meter -r "$pcap" --active-timeout=2 --inactive-timeout=1e9 -o parts.rwf 2>/dev/null
    whole=$("$weir" cut whole.rwf --fields=sip --no-titles | wc -l)
    parts=$("$weir" cut parts.rwf --fields=sip --no-titles | wc -l)
    [ "$parts" -gt "$whole" ] || fail "the active timeout split nothing ($parts records, $whole flows)"
    f=sip,dip,sport,dport,protocol
    sums() { $python -c '
import json, sys, collections
t = collections.defaultdict(lambda: [0, 0, 0])
for line in open(sys.argv[1]):
    r = json.loads(line)
    k = (r["sip"], r["dip"], r["sport"], r["dport"], r["protocol"], r.get("flow_id", 0) if len(sys.argv) > 2 else 0)
    t[k][0] += r["packets"]; t[k][1] += r["bytes"]; t[k][2] += 1
for k in sorted(t, key=str):
    print(*k[:5], *t[k][:2])
' "$@" | LC_ALL=C sort; }
    "$weir" export --fields=$f,packets,bytes,attributes --final-only parts.rwf >final.json
    "$weir" export --fields=$f,packets,bytes whole.rwf >whole.json
    [ "$(wc -l <final.json)" -eq "$whole" ] || fail "--final-only gave $(wc -l <final.json) records for $whole flows"
    sums final.json >final.txt
    sums whole.json >whole.txt
    cmp -s final.txt whole.txt || fail "merged sums differ: $(diff whole.txt final.txt | head -3)"
    # Without --final-only the parts of a flow share one flow_id.
    "$weir" export --fields=$f,packets,bytes parts.rwf >parts.json
    ids=$($python "$helpers" tuples parts.json flow_id | sort -u | wc -l)
    [ "$ids" -eq "$whole" ] || fail "$ids flow ids for $whole flows in $parts records"
    echo "final_only: $parts records of $whole flows merged back; parts share $ids flow ids"
    ;;

  latency)
    [ -d "$traffic" ] || skip "$traffic absent"
    port=$(free_port)
    cat >s.conf <<CONF
probe meter netflow-v9
  listen-on-port $port
  protocol udp
end probe
sensor local
  netflow-v9-probes meter
  internal-ipblocks 10.0.0.0/8
  external-ipblocks remainder
end sensor
CONF
    "$weir" collect --root-directory=repo --sensor-configuration=s.conf --stats-interval=0 \
      >collect.log 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q listening collect.log && break; sleep 0.05; done
    "$weir" export --follow --cursor=c.db --data-rootdir=repo --output-path=out.json 2>export.log &
    pids+=($!)
    # The cursor starts "now": flows stored before the export has committed it count
    # as old. Wait for its word that it follows (a loaded machine may take seconds).
    for _ in $(seq 400); do grep -q following export.log && break; sleep 0.05; done
    grep -q "following repo from now (new cursor c.db)" export.log ||
      fail "export did not start following in 20 s: $(cat export.log)"
    start=$(date +%s.%N)
    "$weir" meter -r "$traffic/traffic_http_bro_org_13conns.pcap" --export=127.0.0.1:$port \
      --protocol=9 2>/dev/null
    while [ ! -s out.json ]; do
      sleep 0.05
      awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {exit !(n - s > 10)}' && fail "nothing exported in 10 s; stored: $("$weir" collect --status --root-directory=repo 2>&1 | head -1); export: $(tail -2 export.log)"
    done
    took=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}')
    awk -v t="$took" 'BEGIN {exit !(t <= 5)}' || fail "first record exported after $took s (goal 5 s)"
    echo "latency: stored flows exported $took s after they were sent (defaults: 1 s flush, 1 s poll)"
    ;;

  bad_input)
    make_repo 3000
    f=$(find repo -type f -not -name silk.conf -not -path '*/.weir/*' -print -quit)
    cp "$f" damaged.rwf
    # Damage a byte in the middle of the first block's payload.
    size=$(stat -c %s damaged.rwf)
    printf 'X' | dd of=damaged.rwf bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    if "$weir" export damaged.rwf "$f" >out.json 2>err.txt; then fail "damaged input exited 0"; fi
    grep -q "damaged.rwf: block" err.txt || fail "damage message: $(cat err.txt)"
    [ -s out.json ] || fail "the intact file was not exported"
    [ "$(grep -vc 'weir export' err.txt)" -eq 0 ] || fail "messages not prefixed: $(cat err.txt)"
    expect_usage() {
      local rc=0
      "$weir" export "$@" >/dev/null 2>msg.txt || rc=$?
      [ "$rc" -eq 2 ] || fail "weir export $*: exit $rc, want 2 ($(cat msg.txt))"
      [ "$(wc -l <msg.txt)" -eq 1 ] || fail "weir export $*: not one line: $(cat msg.txt)"
    }
    expect_usage --follow --data-rootdir=repo
    expect_usage --schema=xml "$f"
    expect_usage --sink=kafka --url=http://127.0.0.1:1 "$f"
    expect_usage --sink=elasticsearch --url=ftp://x "$f"
    expect_usage --sink=splunk --url=http://127.0.0.1:1 "$f"
    expect_usage --batch-size=lots "$f"
    "$weir" export --follow --cursor=c.db --data-rootdir=repo --start=yesterday-ish \
      --stop-after=0.1 2>msg.txt && fail "a bad --start was taken"
    grep -q "invalid --start" msg.txt || fail "bad --start message: $(cat msg.txt)"
    rm -f c.db
    mkdir other
    "$weir" export --follow --cursor=c.db --data-rootdir=repo --stop-after=0.1 >/dev/null 2>&1
    if "$weir" export --follow --cursor=c.db --data-rootdir=other --stop-after=0.1 2>msg.txt; then
      fail "a cursor of another repository was taken"
    fi
    grep -q "follows" msg.txt || fail "other-repository message: $(cat msg.txt)"
    echo "bad_input: damage reported with its place and the rest exported; bad switches refused in one line"
    ;;

  *)
    fail "unknown case $case_name"
    ;;
esac
