#!/usr/bin/env bash
# Golden outputs: what weir prints for a fixed, generated repository (IPv4 and
# IPv6, ICMP and ICMPv6, a DDoS and a scan), compared byte for byte with the
# committed files in tests/golden/outputs/. They pin behaviour across refactoring:
# a change that alters any of them must be deliberate, and says so by updating the
# files in the same commit:
#   WEIR_PYTHONPATH=build/ci/python tests/golden_test.sh build/ci/src/cli/weir --update
# (ctest runs it as golden.outputs, with the Python module of its build).
#   golden_test.sh WEIR_BINARY [--update]
set -euo pipefail
weir=$(realpath "$1")
[ -n "${WEIR_PYTHONPATH:-}" ] && WEIR_PYTHONPATH=$(realpath "$WEIR_PYTHONPATH")
update=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
golden="$src/tests/golden/outputs"
python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# The input: 3,000 flows over 3 hours, 30% IPv6, into a repository and one file.
"$weir" gen --flows=3000 --seed=21 --ipv6-fraction=0.3 --ddos --scan --start-time=2026/11/26:10 \
  --duration=3h --root-directory=repo --threads=1 >/dev/null 2>&1
find repo -type f -not -path '*/.weir/*' -not -name silk.conf | LC_ALL=C sort |
  "$weir" cat --xargs=- --output-path=all.weir
sel=(--data-rootdir=repo --start-date=2026/11/26:10 --end-date=2026/11/26:12 --type=all)
# Per-record outputs are of a sample (120 records, then every ICMP and ICMPv6 flow)
# to keep the committed files small; the aggregates are of all 3,000.
"$weir" filter --max-pass-records=120 --pass=head.weir all.weir
"$weir" filter --protocol=1,58 --pass=icmp.weir all.weir
"$weir" cat head.weir icmp.weir --output-path=sample.weir

# NAME COMMAND...: one output file per name.
outputs=()
out() {
  local name=$1
  shift
  "$@" >"$name.txt" 2>&1 || echo "(exit $?)" >>"$name.txt"
  outputs+=("$name")
}

out cut_all_text "$weir" cut --all-fields sample.weir
out cut_all_csv "$weir" cut --all-fields --output-format=csv sample.weir
out cut_all_json "$weir" cut --all-fields --output-format=json sample.weir
out cut_times "$weir" cut --fields=stime,etime,duration --timestamp-format=iso --num-recs=50 all.weir
out cut_icmp sh -c "'$weir' filter --protocol=1,58 --pass=- all.weir | '$weir' cut --fields=sip,dip,protocol,sport,dport,icmp_type,icmp_code,icmp_type_code"
out cut_icmp_json sh -c "'$weir' filter --protocol=1,58 --pass=- all.weir | '$weir' cut --output-format=json --fields=protocol,dport,icmp_type,icmp_code,bpp"
out selection "$weir" cut --fields=sensor,type,stime,sip,dip --num-recs=40 "${sel[@]}"
out filter_stats "$weir" filter --protocol=6 --dport=443 --bytes=1000- --print-statistics "${sel[@]}"
out stats_dport "$weir" stats --fields=dport --values=bytes --count=15 all.weir
out stats_dip_v6 sh -c "'$weir' filter --ip-version=6 --pass=- all.weir | '$weir' stats --fields=dip --values=records --count=10"
out uniq "$weir" uniq --fields=protocol,type --values=records,packets,bytes,sip-distinct --sort-output all.weir
out count "$weir" count --bin-size=900 all.weir
out sort sh -c "'$weir' sort --fields=bytes,sip --reverse all.weir --output-path=- | '$weir' cut --fields=sip,dip,bytes --num-recs=40"
for schema in weir ecs eve; do
  out "export_$schema" "$weir" export --schema=$schema sample.weir
done
out export_csv "$weir" export --output-format=csv sample.weir
if [ -n "${WEIR_PYTHONPATH:-}" ]; then
  preload=()
  [ -n "${WEIR_PYTHON_PRELOAD:-}" ] && preload=(LD_PRELOAD="$WEIR_PYTHON_PRELOAD" ASAN_OPTIONS=detect_leaks=0)
  out python_frame env PYTHONPATH="$WEIR_PYTHONPATH" "${preload[@]}" $python -c '
import weir, sys
df = weir.read("sample.weir")
print(df.dtypes.to_string())
df.to_csv(sys.stdout, index=False)
'
fi

if [ "$update" = --update ]; then
  rm -f "$golden"/*.txt
  for name in "${outputs[@]}"; do cp "$name.txt" "$golden/"; done
  echo "updated ${#outputs[@]} golden outputs in $golden"
  exit 0
fi
failed=0
for name in "${outputs[@]}"; do
  if ! cmp -s "$golden/$name.txt" "$name.txt"; then
    echo "FAIL: $name differs from tests/golden/outputs/$name.txt:"
    diff -u "$golden/$name.txt" "$name.txt" | head -20
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
echo "ok: ${#outputs[@]} outputs equal their golden files"
