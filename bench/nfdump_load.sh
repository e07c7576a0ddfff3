# Sourced by the benchmarks and the differential test: gives nfdump the same flows
# as weir. The records (IPv4 only: NetFlow v5) are sent as NetFlow v5 over loopback
# to an nfcapd -y (LZ4) started here and stopped once it has written its file.
#   nf=$(nfdump_load DIR WEIR CUT-ARGS...)   # CUT-ARGS: the files or selection for weir cut
nfdump_load() {
  local dir=$1 weir=$2
  shift 2
  local fields=sip,dip,nhip,input,output,packets,bytes,stime,etime,sport,dport,flags,protocol,tos,src_as,dst_as,src_mask,dst_mask
  local port=$((20000 + RANDOM % 30000))
  mkdir -p "$dir/nfcapd"
  nfcapd -w "$dir/nfcapd" -p "$port" -b 127.0.0.1 -y -B 16000000 -t 86400 >"$dir/nfcapd.log" 2>&1 &
  local pid=$!
  sleep 1
  { echo "$fields"
    "$weir" cut --output-format=csv --timestamp-format=epoch-ms --integer-tcp-flags --no-titles \
      --fields="$fields" "$@"; } |
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/nfv5_send.py" 127.0.0.1 "$port" >/dev/null
  sleep 2
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  ls "$dir"/nfcapd/nfcapd.* | grep -v current | head -1
}
