#!/usr/bin/env bash
# End-to-end tests of the weir binary: run as `cli_test.sh CASE WEIR_BINARY`.
# Each case builds what it needs in a fresh temporary directory and fails loudly.
set -euo pipefail
case_name=$1
weir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
shared="${WEIR_SHARED_DIR:-$src/../shared}"  # optional; absent: the cases that need it skip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE command...
  local want=$1; shift
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat err.txt >&2; fail "'$*' exited $got, expected $want"; }
}
records() { "$weir" info "$@" | awk '/count-records/ {s += $2} END {print s + 0}'; }

case "$case_name" in
  help)
    "$weir" help >/dev/null
    for c in bag cat collect count cut export fglob filter gen info meter netmask set site sort stats uniq; do
      "$weir" help "$c" >h.txt && grep -q -- "--help" h.txt || fail "weir help $c"
      "$weir" "$c" --help >/dev/null || fail "weir $c --help"
    done
    expect_exit 2 "$weir" nosuch
    expect_exit 2 "$weir"
    ;;
  filter)
    # Counts from weir filter must equal counts computed with awk from weir cut's text.
    "$weir" gen --flows=20000 --seed=11 --start-time=2026/11/26 --output-path=f.weir
    "$weir" cut --fields=protocol,dport,bytes,sip,flags --delimited=, --no-titles f.weir >all.csv
    want=$(awk -F, '$1 == 6 && $2 == 443' all.csv | wc -l)
    [ "$want" -gt 0 ] || fail "generator produced no HTTPS flows"
    stat_count() { sed -n 's/.*Pass *\([0-9]*\)\..*/\1/p' err.txt; }
    expect_exit 0 "$weir" filter --protocol=6 --dport=443 --print-statistics f.weir
    [ "$(stat_count)" -eq "$want" ] || fail "switch count $(stat_count) != awk $want"
    expect_exit 0 "$weir" filter --expr "proto tcp and dst port 443" --print-stat f.weir
    [ "$(stat_count)" -eq "$want" ] || fail "expr count $(stat_count) != awk $want"
    want=$(awk -F, '$3 > 1000000 && $4 !~ /^10\./' all.csv | wc -l)
    expect_exit 0 "$weir" filter --bytes=1000001- --not-scidr=10.0.0.0/8 --print-stat f.weir
    [ "$(stat_count)" -eq "$want" ] || fail "bytes/not-scidr count $(stat_count) != awk $want"
    expect_exit 0 "$weir" filter --expr "bytes > 1M and not src net 10.0.0.0/8" --print-stat --threads=1 f.weir
    [ "$(stat_count)" -eq "$want" ] || fail "expr bytes count $(stat_count) != awk $want"
    want=$(awk -F, '$5 ~ /S/ && $5 !~ /A/' all.csv | wc -l)
    expect_exit 0 "$weir" filter --flags-all=S/SA --print-stat f.weir
    [ "$(stat_count)" -eq "$want" ] || fail "flags count $(stat_count) != awk $want"
    # Pass and fail split the input; order is kept; the pipe form works.
    "$weir" filter --protocol=17 --pass=p.weir --fail=q.weir f.weir
    [ $(( $(records p.weir) + $(records q.weir) )) -eq 20000 ] || fail "pass + fail != input"
    "$weir" cut --fields=protocol --no-titles --delimited p.weir | sort -u | grep -qx 17 || fail "pass holds non-UDP"
    "$weir" filter --protocol=17 --pass=- f.weir | "$weir" cut --fields=sip,sTime --no-titles >piped.txt
    "$weir" cut --fields=sip,sTime --no-titles p.weir | diff -q - piped.txt >/dev/null || fail "pipe form differs"
    "$weir" filter --all-destination=all.weir --max-pass-records=5 --pass=five.weir f.weir
    [ "$(records five.weir)" -eq 5 ] || fail "max-pass-records"
    "$weir" filter --print-volume-statistics --protocol=6 f.weir 2>vol.txt
    grep -q '^Total|' vol.txt && grep -q '^ Pass|' vol.txt || fail "volume statistics: $(cat vol.txt)"
    # Every record and column of the input is in pass or fail, and the totals count
    # every record, though the filter reads one column (the others are decoded only
    # where a scan needs them).
    "$weir" cut --all-fields --delimited=, --no-titles f.weir | sort >every.csv
    "$weir" filter --dport=53 --pass=p53.weir --fail=q53.weir --print-volume-statistics f.weir 2>vol.txt
    cat <("$weir" cut --all-fields --delimited=, --no-titles p53.weir) \
      <("$weir" cut --all-fields --delimited=, --no-titles q53.weir) | sort | diff -q - every.csv >/dev/null ||
      fail "pass + fail records differ from the input"
    "$weir" filter --dport=53 --fail=- f.weir | "$weir" cut --all-fields --delimited=, --no-titles |
      diff -q - <("$weir" cut --all-fields --delimited=, --no-titles q53.weir) >/dev/null ||
      fail "fail to a pipe differs from fail to a file"
    total_bytes=$(awk -F, '{s += $3} END {printf "%d", s}' all.csv)
    grep -q "^Total| *20000| *[0-9]*| *$total_bytes|" vol.txt || fail "total bytes != $total_bytes: $(cat vol.txt)"
    # The direct form reads a repository selection.
    "$weir" gen --flows=5000 --seed=2 --start-time=2026/11/26 --root-directory=repo
    expect_exit 0 "$weir" filter --data-rootdir=repo --type=all --start-date=2026/11/26 --end-date=2026/11/27 --print-stat
    grep -q "Read       5000\." err.txt || fail "repository read: $(cat err.txt)"
    # Bad input: one line naming the switch, exit 2.
    expect_exit 2 "$weir" filter --dport=70000 --print-stat f.weir
    grep -q "dport" err.txt || fail "bad port message"
    expect_exit 2 "$weir" filter --scidr=10.0.0.0/8 --not-scidr=11.0.0.0/8 --print-stat f.weir
    expect_exit 2 "$weir" filter --expr "bytes >" --print-stat f.weir
    grep -q "expr" err.txt || fail "bad expression message"
    expect_exit 2 "$weir" filter --protocol=6 f.weir
    grep -q "no output" err.txt || fail "missing output message"
    expect_exit 2 "$weir" filter --type=all --print-stat f.weir
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "errors must be one line: $(cat err.txt)"
    ;;
  analysis)
    # stats, uniq, count and sort against answers computed with awk from weir cut.
    "$weir" gen --flows=20000 --seed=5 --start-time=2026/11/26 --output-path=f.weir
    "$weir" cut --fields=dip,dport,bytes,protocol,stime,sip --delimited=, --no-titles --timestamp-format=epoch-ms f.weir >all.csv
    # Top 5 destination addresses by bytes.
    awk -F, '{b[$1] += $3} END {for (k in b) print b[k] "," k}' all.csv | sort -t, -k1,1nr -k2,2 >ranked.txt
    head -5 ranked.txt >want.txt
    "$weir" stats --fields=dip --values=bytes --count=5 --delimited=, --no-titles f.weir | awk -F, '{print $2 "," $1}' >got.txt
    diff -u want.txt got.txt || fail "stats top-5 dip by bytes"
    "$weir" stats --fields=dip --values=bytes --count=5 f.weir >table.txt
    grep -q '^INPUT: 20000 Records for [0-9]* Bins and 20000 Total Records$' table.txt || fail "stats INPUT line: $(head -1 table.txt)"
    grep -q '^OUTPUT: Top 5 Bins by Bytes$' table.txt || fail "stats OUTPUT line"
    # Groups by (sip, dport): count and per-group records must match awk.
    awk -F, '{n[$6 "," $2]++} END {for (k in n) print k "," n[k]}' all.csv | sort >want.txt
    "$weir" uniq --fields=sip,dport --values=records --delimited=, --no-titles f.weir | sort >got.txt
    diff -q want.txt got.txt >/dev/null || fail "uniq sip,dport records differ from awk"
    "$weir" uniq --fields=protocol --values=records,bytes,dip-distinct --sort-output --delimited=, --no-titles f.weir >got.txt
    awk -F, '{n[$4]++; b[$4] += $3; if (!seen[$4 "," $1]++) d[$4]++} END {for (k in n) print k "," n[k] "," b[k] "," d[k]}' all.csv | sort -n >want.txt
    diff -u want.txt got.txt || fail "uniq protocol with distinct counts"
    "$weir" uniq --fields=protocol --values=records --flows=1000- --no-titles --delimited=, f.weir | awk -F, '$2 < 1000 {exit 1}' || fail "uniq --flows threshold"
    # Hourly counts with start-spike equal a histogram of start times.
    awk -F, '{h[int($5 / 3600000)]++} END {for (k in h) print k "," h[k]}' all.csv | sort -n >want.txt
    "$weir" count --bin-size=3600 --load-scheme=start-spike --epoch-slots --skip-zeroes --delimited=, --no-titles f.weir |
      awk -F, '{printf "%d,%d\n", $1 / 3600, $2}' >got.txt
    diff -u want.txt got.txt || fail "count start-spike hourly"
    # Every load scheme keeps the totals (maximum/minimum-volume bound them).
    for scheme in bin-uniform start-spike end-spike middle-spike time-proportional; do
      total=$("$weir" count --bin-size=300 --load-scheme=$scheme --delimited=, --no-titles f.weir | awk -F, '{r += $2} END {printf "%.0f", r}')
      [ "$total" -eq 20000 ] || fail "count $scheme total $total"
    done
    # Sort: in memory and through spilled runs, the same order, checked by sort(1).
    "$weir" sort --fields=bytes,sip --output-path=s1.weir f.weir
    "$weir" sort --fields=bytes,sip --memory-limit=1 --output-path=s2.weir f.weir
    "$weir" cut --fields=bytes,sip,stime --no-titles s1.weir >a.txt
    "$weir" cut --fields=bytes,sip,stime --no-titles s2.weir >b.txt
    cmp -s a.txt b.txt || fail "external sort differs from in-memory sort"
    [ "$(wc -l <a.txt)" -eq 20000 ] || fail "sort lost records"
    awk -F'|' '{print $1 + 0}' a.txt | sort -n -c || fail "sort order"
    # Direct form equals the pipe form.
    "$weir" stats --fields=dport --count=3 --protocol=17 f.weir >direct.txt
    "$weir" filter --protocol=17 --pass=- f.weir | "$weir" stats --fields=dport --count=3 >piped.txt
    diff -u <(tail -n +3 direct.txt) <(tail -n +3 piped.txt) || fail "direct and pipe forms differ"
    # Bad input.
    expect_exit 2 "$weir" stats --fields=nosuch f.weir
    expect_exit 2 "$weir" stats --fields=sip --values=frobs f.weir
    grep -q "frobs" err.txt || fail "bad value message"
    expect_exit 2 "$weir" count --load-scheme=9 f.weir
    # ~16,000 groups need more than these limits, packed keys or not.
    expect_exit 1 "$weir" uniq --fields=sip,dport --memory-limit=0.4 f.weir
    grep -q "memory-limit" err.txt || fail "memory limit message"
    expect_exit 1 "$weir" uniq --fields=sip,dip --memory-limit=1 f.weir
    grep -q "memory-limit" err.txt || fail "memory limit message (general layout)"
    expect_exit 2 "$weir" sort f.weir
    ;;
  nfdump_diff)
    # The same flows in weir and in nfdump (sent as NetFlow v5 to nfcapd over
    # loopback): filter counts, top-N and totals must agree.
    command -v nfcapd >/dev/null || fail "nfdump is not installed (setup.sh installs it)"
    "$weir" gen --flows=30000 --seed=21 --start-time=2026/11/26 --ipv6-fraction=0 --output-path=f.weir
    source "$src/bench/nfdump_load.sh"
    nf=$(nfdump_load "$PWD" "$weir" f.weir)
    [ "$(nfdump -r "$nf" -q -o 'fmt:%ts' | wc -l)" -eq 30000 ] || fail "nfcapd did not store every flow"
    for expr in 'proto tcp and dst port 443' 'src net 10.0.0.0/8 and bytes > 100000' \
                'proto udp and port 53' 'not proto tcp' 'packets > 100 or bytes < 100' \
                'dst net 193.0.0.0/8 and src port > 1023'; do
      want=$(nfdump -r "$nf" -q -o 'fmt:%ts' "$expr" | wc -l)
      got=$("$weir" filter --expr "$expr" --print-statistics f.weir 2>&1 | sed 's/.*Pass *\([0-9]*\)\..*/\1/')
      [ "$want" -eq "$got" ] || fail "'$expr': nfdump $want, weir $got"
    done
    # nfdump's -s rows: date time duration proto address flows(%) packets(%) bytes(%) ...
    nfdump -r "$nf" -q -N -s dstip/bytes -n 10 | sed 's/( *[0-9.]*)//g' | awk 'NF {print $5 "," $8}' >want.txt
    "$weir" stats --fields=dip --values=bytes --count=10 --no-titles --delimited=, f.weir | cut -d, -f1,2 >got.txt
    diff -u want.txt got.txt || fail "top 10 destinations by bytes differ from nfdump"
    nf_bytes=$(nfdump -r "$nf" -q -N -s proto/bytes | sed 's/( *[0-9.]*)//g' | awk '{s += $8} END {print s}')
    weir_bytes=$("$weir" uniq --fields=protocol --values=bytes --no-titles --delimited=, f.weir | awk -F, '{s += $2} END {print s}')
    [ "$nf_bytes" = "$weir_bytes" ] || fail "total bytes: nfdump $nf_bytes, weir $weir_bytes"
    ;;
  protocol_stats)
    # rwstats' protocol mode, against the same statistics worked out with awk
    # from weir cut: interval counts, minima, maxima and interpolated quartiles.
    "$weir" gen --flows=20000 --seed=9 --start-time=2026/11/26 --output-path=f.weir
    "$weir" cut --fields=protocol,bytes,packets --delimited=, --no-titles f.weir >all.csv
    awk -F, -v detail="1 6 17" '
      BEGIN {
        split("40 60 100 150 256 1000 10000 100000 1000000 4294967295", tcp_bytes, " ")
        split("20 40 80 130 256 1000 10000 100000 1000000 4294967295", udp_bytes, " ")
        split("3 4 10 20 50 100 500 1000 10000 4294967295", pkts, " ")
        split("40 44 60 100 200 400 600 800 1500 4294967295", tcp_bpp, " ")
        split("20 24 40 100 200 400 600 800 1500 4294967295", udp_bpp, " ")
        split("BYTES PACKETS BYTES/PACKET", title, " ")
        ng = split("all " detail, group, " ")
        for (g = 1; g <= ng; g++) is_group[group[g]] = 1
      }
      function bound(g, m, i) {
        if (m == 2) return pkts[i]
        if (group[g] == "all" || group[g] == 6) return m == 1 ? tcp_bytes[i] : tcp_bpp[i]
        return m == 1 ? udp_bytes[i] : udp_bpp[i]
      }
      function add(g, m, v,   i) {
        if (!((g, m) in lo) || v < lo[g, m]) lo[g, m] = v
        if (v > hi[g, m]) hi[g, m] = v
        for (i = 1; i < 10 && v > bound(g, m, i); i++) {}
        n[g, m, i]++
      }
      function flow(g, b, p) { records[g]++; add(g, 1, b); add(g, 2, p); add(g, 3, p ? int(b / p) : 0) }
      { flow(1, $2, $3); for (g = 2; g <= ng; g++) if ($1 == group[g]) flow(g, $2, $3) }
      function quartile(g, m, rank,   i, c, lc, lb) {
        c = 0
        for (i = 1; i <= 10; i++) { lc = c; c += n[g, m, i]; if (rank <= c) break }
        lb = i > 1 ? bound(g, m, i - 1) : 0
        if (c == lc) return lb
        return lb + (rank - lc) / (c - lc) * (bound(g, m, i) - lb)
      }
      function section(g,   m, i, q1, q2, q3, cum, pct) {
        if (group[g] == "all") printf "FLOW STATISTICS--ALL PROTOCOLS:  %d records\n", records[g]
        else printf "\nFLOW STATISTICS--PROTOCOL %d:  %d/%d records\n", group[g], records[g], records[1]
        if (!records[g]) return
        for (m = 1; m <= 3; m++) {
          printf "*%s min %s; max %s\n", title[m], lo[g, m], hi[g, m]
          q1 = quartile(g, m, int(records[g] / 4)); q2 = quartile(g, m, int(records[g] / 2))
          q3 = quartile(g, m, 3 * int(records[g] / 4))
          printf "  quartiles LQ %.5f Med %.5f UQ %.5f UQ-LQ %.5f\n", q1, q2, q3, q3 - q1
          printf "%15s|%10s|%10s|%10s|\n", "interval_max", "count<=max", g == 1 ? "%_of_input" : "%_of_proto", "cumul_%"
          cum = 0
          for (i = 1; i <= 10; i++) {
            pct = 100.0 * n[g, m, i] / records[g]; cum += pct
            printf "%15s|%10s|%10.6f|%10.6f|\n", bound(g, m, i), n[g, m, i] + 0, pct, cum
          }
        }
      }
      END { for (g = 1; g <= ng; g++) section(g) }' all.csv >want.txt
    [ "$(grep -c '^FLOW STATISTICS' want.txt)" -eq 4 ] || fail "awk reference is incomplete"
    "$weir" stats --detail-proto-stats=17,1,6 f.weir >got.txt
    diff -u want.txt got.txt || fail "--detail-proto-stats differs from the awk reference"
    "$weir" stats --overall-stats f.weir >overall.txt
    sed -n '1,/^$/p' want.txt | sed '/^$/d' | diff -u - overall.txt || fail "--overall-stats"
    # The pipe form, and a protocol holding every flow hides the all-protocols section.
    "$weir" filter --protocol=6 --pass=- f.weir | "$weir" stats --detail-proto-stats=6 >tcp.txt
    sed -n '/PROTOCOL 6:/,/PROTOCOL 17:/p' want.txt | sed '$d' | sed '$d' | sed '1d' >want_tcp_body.txt
    tcp=$(awk -F, '$1 == 6' all.csv | wc -l)
    [ "$(sed -n 2p tcp.txt)" = "FLOW STATISTICS--PROTOCOL 6:  $tcp/$tcp records" ] || fail "tcp section: $(head -2 tcp.txt)"
    tail -n +3 tcp.txt | diff -u want_tcp_body.txt - || fail "tcp section body"
    ! grep -q 'ALL PROTOCOLS' tcp.txt || fail "all-protocols section shown for a single protocol"
    # CSV: ten rows per measure and protocol, numbers matching the text.
    "$weir" stats --detail-proto-stats=17 --output-format=csv f.weir >p.csv
    [ "$(head -1 p.csv)" = "protocol,records,measure,min,max,lower_quartile,median,upper_quartile,interval_max,count,percent,cumulative_percent" ] || fail "csv header: $(head -1 p.csv)"
    [ "$(grep -c '^17,' p.csv)" -eq 30 ] && [ "$(grep -c '^all,' p.csv)" -eq 30 ] || fail "csv rows"
    want_udp=$(awk -F, '$1 == 17 && $2 > 80 && $2 <= 130' all.csv | wc -l)
    grep -q "^17,[0-9]*,bytes,.*,130,$want_udp," p.csv || fail "csv UDP (80,130] count, want $want_udp"
    # Bad input: one line, exit 2.
    expect_exit 2 "$weir" stats --overall-stats --fields=sip f.weir
    grep -q "cannot be combined" err.txt || fail "conflict message: $(cat err.txt)"
    expect_exit 2 "$weir" stats --detail-proto-stats=6,256 f.weir
    grep -q "detail-proto-stats" err.txt && [ "$(wc -l <err.txt)" -eq 1 ] || fail "bad protocol message: $(cat err.txt)"
    ;;
  sets_bags)
    "$weir" gen --flows=20000 --seed=8 --start-time=2026/11/26 --output-path=f.weir
    "$weir" cut --fields=sip,dip,dport,bytes,protocol --delimited=, --no-titles f.weir >all.csv
    # Sets from flows: as many addresses as awk finds; algebra; --sipset agrees with awk.
    "$weir" set build --sip-file=s.set --dip-file=d.set --any-file=a.set f.weir
    [ "$("$weir" set cat --count-ips s.set)" -eq "$(cut -d, -f1 all.csv | sort -u | wc -l)" ] || fail "sip set size"
    "$weir" set cat s.set | sort >got.txt
    cut -d, -f1 all.csv | sort -u >want.txt
    diff -q want.txt got.txt >/dev/null || fail "set cat lists other addresses than the flows hold"
    "$weir" set union --output-path=u.set s.set d.set
    "$weir" set difference --output-path=e.set a.set u.set
    [ "$("$weir" set cat --count-ips e.set)" -eq 0 ] || fail "any-set minus (sip union dip) is not empty"
    printf '# lab\n10.10.0.0/16\n193.x.x.x\n' | "$weir" set text --output-path=t.set
    "$weir" set cat --cidr-blocks t.set >cidr.txt
    printf '10.10.0.0/16\n193.0.0.0/8\n' | diff -u - cidr.txt || fail "set text / cat --cidr-blocks"
    want=$(awk -F, '$1 ~ /^10\.10\./ || $1 ~ /^193\./' all.csv | wc -l)
    "$weir" filter --sipset=t.set --print-statistics f.weir 2>st.txt
    grep -q "Pass *$want\." st.txt || fail "--sipset count (want $want): $(cat st.txt)"
    "$weir" filter --not-sipset=t.set --print-statistics f.weir 2>st.txt
    grep -q "Pass *$((20000 - want))\." st.txt || fail "--not-sipset count"
    addr=$(head -1 want.txt)
    [ "$("$weir" set member "$addr" s.set t.set d.set | head -1)" = s.set ] || fail "set member"
    expect_exit 1 "$weir" set member 203.0.113.1 s.set
    # Bags: bytes per destination port equal awk's sums; add doubles; subtract empties.
    "$weir" bag build --key=dport --counter=bytes --output-path=p.bag f.weir
    awk -F, '{b[$3] += $4} END {for (k in b) print k "," b[k]}' all.csv | sort -n >want.txt
    "$weir" bag cat --delimited=, --no-titles p.bag >got.txt
    diff -u want.txt got.txt || fail "bag of bytes per dport"
    "$weir" bag add --output-path=p2.bag p.bag p.bag
    "$weir" bag cat --delimited=, --no-titles p2.bag | awk -F, '{s += $2} END {print s}' >sum2.txt
    awk -F, '{s += $2} END {print s * 2}' got.txt | diff -q - sum2.txt >/dev/null || fail "bag add"
    "$weir" bag subtract --output-path=z.bag p.bag p.bag
    [ "$("$weir" bag cat --no-titles z.bag | wc -l)" -eq 0 ] || fail "bag subtract"
    "$weir" bag threshold --min-counter=1000000 --output-path=big.bag p.bag
    "$weir" bag cat --delimited=, --no-titles big.bag | awk -F, '$2 < 1000000 {exit 1}' || fail "bag threshold"
    # Netmask: every source ends in .0.0 after /16.
    "$weir" netmask --4sip-prefix-length=16 --ip-version=4 f.weir | "$weir" cut --fields=sip --no-titles --delimited >masked.txt
    grep -vq '\.0\.0$' masked.txt && fail "netmask left host bits"
    [ "$(wc -l <masked.txt)" -gt 0 ] || fail "netmask wrote nothing"
    # Damaged files are refused with the file's name.
    head -c 30 p.bag >bad.bag
    expect_exit 1 "$weir" bag cat bad.bag
    grep -q "bad.bag" err.txt || fail "bad bag message"
    printf 'WEIRIPST garbage' >bad.set
    expect_exit 1 "$weir" set cat bad.set
    grep -q "bad.set" err.txt || fail "bad set message"
    ;;
  cut_golden)
    # Deterministic generator + SiLK's column layout: compared with a committed file.
    "$weir" gen --flows=25 --seed=7 --start-time=2026/11/26 --output-path=- | "$weir" cut --all-fields >got.txt
    diff -u "$src/tests/golden/cut_all_fields.txt" got.txt || fail "cut --all-fields differs from golden"
    "$weir" gen --flows=25 --seed=7 --start-time=2026/11/26 --output-path=- | "$weir" cut >got.txt
    diff -u "$src/tests/golden/cut_default.txt" got.txt || fail "cut differs from golden"
    ;;
  cut_formats)
    "$weir" gen --flows=1000 --seed=3 --start-time=2026/11/26 --output-path=f.weir
    "$weir" cut --output-format=json --all-fields f.weir >j.txt
    [ "$(wc -l <j.txt)" -eq 1000 ] || fail "json line count"
    /usr/bin/python3 -c '
import json, sys
for line in open("j.txt"):
    r = json.loads(line)
    assert r["stime"].endswith("Z") and "T" in r["stime"], r["stime"]
    assert isinstance(r["bytes"], int) and isinstance(r["sip"], str)
' || fail "json is not valid JSON Lines"
    "$weir" cut --output-format=csv --fields=sip,dport,bytes f.weir >c.txt
    [ "$(head -1 c.txt)" = "sip,dport,bytes" ] || fail "csv header"
    [ "$(wc -l <c.txt)" -eq 1001 ] || fail "csv line count"
    # SiLK switches: --delimited, --no-titles, --num-recs, --start-rec-num, prefixes.
    "$weir" cut --fields=1,2 --delimited=, --no-titles --num-recs=2 --start-rec-num=3 f.weir >d.txt
    [ "$(wc -l <d.txt)" -eq 2 ] || fail "num-recs"
    grep -q '^[0-9a-f.:]*,[0-9a-f.:]*$' d.txt || fail "delimited output: $(cat d.txt)"
    "$weir" cut --fie=sport --no-ti --num=1 f.weir | grep -qE '^ *[0-9]+\|$' || fail "prefix switches"
    expect_exit 2 "$weir" cut --no f.weir
    grep -q "ambiguous" err.txt || fail "ambiguous prefix message"
    expect_exit 2 "$weir" cut --fields=nosuch f.weir
    grep -q "nosuch" err.txt || fail "bad field message"
    "$weir" cut --help-fields | grep -q "initialFlags" || fail "help-fields"
    # Blocks formatted ahead on workers (no record limits) come out exactly as
    # records formatted one by one in order (--num-recs), in every format.
    "$weir" gen --flows=30000 --seed=5 --start-time=2026/11/26 --root-directory=repo >/dev/null
    sel=(--data-rootdir=repo --type=all --start-date=2026/11/26 --end-date=2026/11/27 --protocol=6,17)
    for format in "" "--delimited=," "--output-format=json"; do
      # shellcheck disable=SC2086
      "$weir" cut "${sel[@]}" --all-fields $format --threads=3 >ahead.txt
      # shellcheck disable=SC2086
      "$weir" cut "${sel[@]}" --all-fields $format --threads=3 --num-recs=1000000 >inorder.txt
      [ "$(wc -l <ahead.txt)" -gt 20000 ] || fail "cut $format printed $(wc -l <ahead.txt) lines"
      cmp -s ahead.txt inorder.txt || fail "cut $format: blocks formatted ahead differ from in order"
    done
    ;;
  cat_info)
    "$weir" gen --flows=3000 --seed=1 --start-time=2026/11/26 --output-path=a.weir
    "$weir" gen --flows=2000 --seed=2 --start-time=2026/11/26 --output-path=b.weir --compression-method=lz4
    "$weir" cat a.weir b.weir --output-path=ab.weir
    [ "$(records ab.weir)" -eq 5000 ] || fail "cat record count"
    cat a.weir b.weir | "$weir" cut --no-titles --fields=sip | wc -l | grep -qx 5000 || fail "concatenated stream"
    "$weir" cut --no-titles a.weir b.weir >x.txt
    "$weir" cut --no-titles ab.weir >y.txt
    cmp -s x.txt y.txt || fail "cat changed records"
    "$weir" info b.weir | grep -q "compression *lz4" || fail "info compression"
    "$weir" info --columns a.weir | grep -q "column sip" || fail "info columns"
    ;;
  corruption)
    "$weir" gen --flows=300000 --seed=1 --start-time=2026/11/26 --output-path=f.weir
    size=$(stat -c %s f.weir)
    # A flipped byte in the middle: one block lost, the rest read, exit 1, one-line error.
    # (Every column is read here; a query that reads other columns of that block
    # verifies only those, each by its own checksum.)
    cp f.weir c.weir
    printf '\xff' | dd of=c.weir bs=1 seek=$((size / 2)) conv=notrunc status=none
    expect_exit 1 "$weir" cut --no-titles --all-fields c.weir
    [ "$(wc -l <err.txt)" -ge 1 ] || fail "no error line"
    grep -q "c.weir: block [0-9]* at offset [0-9]*" err.txt || fail "error names file and block: $(cat err.txt)"
    [ "$(wc -l <out.txt)" -gt 0 ] || fail "intact blocks not read"
    # Truncated, empty, foreign files.
    head -c $((size - 100)) f.weir >t.weir
    expect_exit 1 "$weir" cut t.weir
    grep -q "torn tail" err.txt || fail "truncation message"
    : >empty.weir
    expect_exit 1 "$weir" cut empty.weir
    grep -q "empty.weir: empty file" err.txt || fail "empty file message"
    echo "hello" >text.weir
    expect_exit 1 "$weir" cut text.weir
    grep -q "bad magic" err.txt || fail "bad magic message"
    expect_exit 1 "$weir" cut nonexistent.weir
    grep -q "nonexistent.weir: No such file" err.txt || fail "missing file message"
    ;;
  repository)
    "$weir" gen --root-directory=repo --flows=20000 --seed=5 --start-time=2026/11/26 \
        --site-config-file="$src/tests/data/silk-twoway.conf" >summary.txt
    grep -q "20000 flows" summary.txt || fail "summary"
    [ -f repo/silk.conf ] || fail "repository keeps its silk.conf"
    "$weir" fglob --data-rootdir=repo --start-date=2026/11/26 --type=all >files.txt 2>fglob.err
    grep -q "globbed" fglob.err || fail "fglob summary"
    [ "$(records $(cat files.txt))" -eq 20000 ] || fail "repository holds every flow"
    grep -q "^repo/in/2026/11/26/in-S[0-9]*_20261126.[0-9][0-9]$" files.txt || fail "path-format layout"
    "$weir" fglob --data-rootdir=repo --start-date=2026/11/26:13 --sensors=S3 --type=inweb >one.txt
    [ "$(wc -l <one.txt)" -eq 1 ] || fail "one sensor, one type, one hour: $(cat one.txt)"
    "$weir" cut --data-rootdir=repo --fields=sensor,type,stime --no-titles --delimited $(cat one.txt) |
      awk -F'|' '$1 != "S3" || $2 != "inweb" || $3 !~ /^2026\/11\/26T13/ {bad=1} END {exit bad}' ||
      fail "records in the file match its path"
    expect_exit 2 "$weir" fglob --data-rootdir=repo --type=nosuch
    grep -q "unknown type 'nosuch'" err.txt || fail "fglob bad type"
    ;;
  site)
    # weir's own files with the write-up's quirks; the write-up's verbatim when present
    for conf in "$src/tests/data/site/silk.conf" "$shared/silk/silk.conf"; do
      [ -f "$conf" ] || { echo "skipped: $conf absent"; continue; }
      "$weir" site --site-config-file="$conf" >s.txt 2>w.txt
      [ "$(grep -c '|' s.txt)" -eq 12 ] || fail "$conf: 11 flowtypes and a title"
      grep -q "packing-logic is empty" w.txt || fail "$conf: warning for the empty packing-logic"
    done
    "$weir" site --site-config-file="$src/tests/data/silk-twoway.conf" --fields=sensor,id-sensor --no-titles --delimited >s.txt
    [ "$(wc -l <s.txt)" -eq 15 ] || fail "15 sensors"
    printf 'sensor 0 a\nclass c\n  type 0 in\n  bogus\nend class\n' >bad.conf
    expect_exit 1 "$weir" site --site-config-file=bad.conf
    grep -q "bad.conf:4: unexpected 'bogus' in class block" err.txt || fail "FILE:LINE error: $(cat err.txt)"
    ;;
  gen_determinism)
    "$weir" gen --flows=50000 --seed=9 --start-time=2026/11/26 --ddos --scan --output-path=a.weir
    "$weir" gen --flows=50000 --seed=9 --start-time=2026/11/26 --ddos --scan --output-path=b.weir
    cmp -s a.weir b.weir || fail "same seed, different files"
    "$weir" gen --flows=600000 --seed=9 --start-time=2026/11/26 --threads=1 --output-path=t1.weir
    "$weir" gen --flows=600000 --seed=9 --start-time=2026/11/26 --threads=2 --output-path=t2.weir
    cmp -s t1.weir t2.weir || fail "thread count changed the generated file"
    "$weir" cat --threads=3 --block-records=1000 t1.weir --output-path=t3.weir
    "$weir" cut --no-titles t1.weir | md5sum >s1
    "$weir" cut --no-titles t3.weir | md5sum >s3
    cmp -s s1 s3 || fail "threaded cat changed records"
    "$weir" cut --fields=dip,flags --no-titles --delimited a.weir | grep -c '^10.10.0.80|S$' |
      awk '$1 < 1000 {exit 1}' || fail "DDoS burst missing"
    expect_exit 2 "$weir" gen --flows=5
    expect_exit 2 "$weir" gen --flows=5 --output-path=x --duration=0
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
echo "ok $case_name"
