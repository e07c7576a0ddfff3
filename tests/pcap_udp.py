#!/usr/bin/env python3
"""UDP payloads of classic pcap files: replay them to a collector, or cut them
into fuzz seeds. Used by weir's collector tests and benchmarks.

  pcap_udp.py send --port PORT [--host 127.0.0.1] [--repeat N] [--sources 127.0.N] [--tcp] FILE...
      --sources: send each original exporter's datagrams from its own loopback
      address (127.0.N.1, .2, ...) so exporters stay apart; --tcp: one TCP
      connection (IPFIX over TCP) instead of UDP.
  pcap_udp.py seeds --out DIR FILE...    (one seed per file: 2-byte length + datagram, ...)
  pcap_udp.py count FILE...              (datagrams per file)
"""
import argparse
import os
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    link = struct.unpack(end + "I", data[20:24])[0]
    at = 24
    while at + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[at:at + 16])
        yield link, data[at + 16:at + 16 + caplen]
        at += 16 + caplen


def udp_payload(link, frame):
    """The UDP payload of one frame, or None (Ethernet/VLAN, Linux SLL, raw IP)."""
    if link == 1:
        at, ether = 14, struct.unpack(">H", frame[12:14])[0]
        while ether in (0x8100, 0x88A8) and len(frame) >= at + 4:
            ether = struct.unpack(">H", frame[at + 2:at + 4])[0]
            at += 4
    elif link == 113:
        at, ether = 16, struct.unpack(">H", frame[14:16])[0]
    elif link in (101, 12, 14):
        at, ether = 0, 0x0800 if frame[0] >> 4 == 4 else 0x86DD
    else:
        return None
    if ether == 0x0800:
        source = frame[at + 12:at + 16]
        ihl = (frame[at] & 0x0F) * 4
        proto = frame[at + 9]
        flags = struct.unpack(">H", frame[at + 6:at + 8])[0]
        if flags & 0x3FFF:
            return None  # a fragment
        total = struct.unpack(">H", frame[at + 2:at + 4])[0]
        ip_end = at + total
        at += ihl
    elif ether == 0x86DD:
        source = frame[at + 8:at + 24]
        proto = frame[at + 6]
        ip_end = at + 40 + struct.unpack(">H", frame[at + 4:at + 6])[0]
        at += 40
    else:
        return None
    if proto != 17:
        return None
    length = struct.unpack(">H", frame[at + 4:at + 6])[0]
    return frame[at + 8:min(at + length, ip_end, len(frame))], source


def datagrams(path, with_source=False):
    for link, frame in frames(path):
        try:
            payload, source = udp_payload(link, frame)
        except (IndexError, struct.error, TypeError):
            payload = None
        if payload:
            yield (payload, source) if with_source else payload


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["send", "seeds", "count"])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2055)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out")
    parser.add_argument("--sources")
    parser.add_argument("--tcp", action="store_true")
    args = parser.parse_args()
    if args.mode == "count":
        for path in args.files:
            print(path, sum(1 for _ in datagrams(path)))
    elif args.mode == "seeds":
        os.makedirs(args.out, exist_ok=True)
        for path in args.files:
            seed = b"".join(struct.pack(">H", len(d)) + d for d in datagrams(path))
            name = os.path.splitext(os.path.basename(path))[0]
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(seed)
    else:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sockets = {}

        def sender(source):
            if args.tcp:
                if "tcp" not in sockets:
                    sockets["tcp"] = socket.create_connection((args.host, args.port))
                return sockets["tcp"]
            key = source if args.sources else None
            if key not in sockets:
                sock = socket.socket(family, socket.SOCK_DGRAM)
                if args.sources:
                    sock.bind((f"{args.sources}.{len(sockets) + 1}", 0))
                sockets[key] = sock
            return sockets[key]

        sent = 0
        for _ in range(args.repeat):
            for path in args.files:
                for d, source in datagrams(path, with_source=True):
                    s = sender(source)
                    if args.tcp:
                        s.sendall(d)
                    else:
                        s.sendto(d, (args.host, args.port))
                    sent += 1
                    if sent % 64 == 0:
                        time.sleep(0.001)
        for s in sockets.values():
            s.close()
        print(f"sent {sent} datagrams", file=sys.stderr)


if __name__ == "__main__":
    main()
