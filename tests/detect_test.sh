#!/usr/bin/env bash
# End-to-end tests of `weir detect`: run as `detect_test.sh CASE WEIR_BINARY`.
#   captures  real attack captures, metered by weir meter, are reported with the
#             victim tshark sees and their real vector
#   gen       weir gen's SYN flood, among a day of traffic, through a repository
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
  bad_input)
    "$weir" gen --flows=100 --seed=1 --start-time=2026/11/26 --output-path=g.weir
    set +e
    "$weir" detect g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "give --report" e || fail "no --report: exit $rc $(cat e)"
    "$weir" detect --report --victim=10.0.0.999 g.weir >o 2>e; rc=$?
    [ $rc -eq 2 ] && grep -q "not an IP address" e || fail "bad victim: exit $rc $(cat e)"
    head -c 100 g.weir >t.weir
    "$weir" detect --report t.weir >o 2>e; rc=$?
    [ $rc -eq 1 ] && [ "$(wc -l <e)" -eq 1 ] || fail "truncated file: exit $rc $(cat e)"
    set -e
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "ok: $case_name"
