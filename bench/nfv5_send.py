#!/usr/bin/python3
"""Reads `weir cut --output-format=csv` of IPv4 flows on stdin and sends them as
NetFlow v5 datagrams (30 records each) to HOST:PORT, paced so a collector on the
same machine keeps up. Used by bench/flowfile.sh to give nfdump the same flows."""
import socket
import struct
import sys
import time

FIELDS = "sip,dip,nhip,input,output,packets,bytes,stime,etime,sport,dport,flags,protocol,tos,src_as,dst_as,src_mask,dst_mask"


def ip(text):
    return struct.unpack("!I", socket.inet_aton(text))[0]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    header = sys.stdin.readline().strip()
    assert header == FIELDS, header
    records, sequence, sent, boot = [], 0, 0, None

    def flush():
        nonlocal records, sequence, sent
        if not records:
            return
        last = max(r[1] for r in records)
        uptime = last - boot
        secs, ms = divmod(last, 1000)
        out = [struct.pack("!HHIIIIBBH", 5, len(records), uptime, secs, ms * 1000000, sequence, 0, 0, 0)]
        out += [r[2] for r in records]
        sock.sendto(b"".join(out), (host, port))
        sequence += len(records)
        sent += 1
        records = []
        if sent % 50 == 0:
            time.sleep(0.001)

    for line in sys.stdin:
        f = line.rstrip("\n").split(",")
        stime, etime = int(f[7]), int(f[8])
        if boot is None:
            boot = stime - 3600 * 1000
        rec = struct.pack(
            "!IIIHHIIIIHHBBBBHHBBH",
            ip(f[0]), ip(f[1]), ip(f[2]), int(f[3]) & 0xFFFF, int(f[4]) & 0xFFFF,
            min(int(f[5]), 0xFFFFFFFF), min(int(f[6]), 0xFFFFFFFF),
            stime - boot, etime - boot, int(f[9]), int(f[10]), 0, int(f[11]), int(f[12]),
            int(f[13]), int(f[14]) & 0xFFFF, int(f[15]) & 0xFFFF, int(f[16]), int(f[17]), 0)
        records.append((stime, etime, rec))
        if len(records) == 30:
            flush()
    flush()
    print(sent, file=sys.stderr)


if __name__ == "__main__":
    main()
