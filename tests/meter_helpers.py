#!/usr/bin/env python3
"""Helpers for weir meter's end-to-end tests (tests/meter_test.sh).

  meter_helpers.py record --port P --out FILE [--idle S] [--first S] [--tcp]
      Receives NetFlow/IPFIX datagrams (or an IPFIX TCP stream, split into
      messages) on 127.0.0.1:P and writes them to a classic pcap (raw IPv4 + UDP
      headers to port P) for tshark; prints "ready" once listening and stops
      after S seconds (default 2) without data.
  meter_helpers.py tuples FILE
      Packets and IP bytes per (src, dst, sport, dport, protocol) of a traffic
      capture, computed from tshark's per-packet dissection with IP reassembly
      off (later fragments take the ports of their datagram's first fragment),
      one "src dst sport dport proto packets bytes" line each, sorted.
      With --softflowd: softflowd's decoding instead (frames with two VLAN tags
      are skipped; later fragments get ports 0), for comparing its flow counts.
  meter_helpers.py damage --kind truncated|garbage-frames|bad-header IN OUT
      Writes a damaged copy of a capture.
"""
import argparse
import collections
import random
import socket
import struct
import subprocess
import sys
import time


def pcap_header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)


def raw_udp(payload, port):
    ip_len = 20 + 8 + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0, 64, 17, 0,
                     socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"))
    udp = struct.pack(">HHHH", 40000, port, 8 + len(payload), 0)
    return ip + udp + payload


def record(args):
    out = open(args.out, "wb")
    out.write(pcap_header())

    def write(payload):
        frame = raw_udp(payload, args.port)
        now = time.time()
        out.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6), len(frame), len(frame)))
        out.write(frame)

    if args.tcp:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", args.port))
        server.listen(1)
        print("ready", flush=True)
        server.settimeout(30)
        conn, _ = server.accept()
        conn.settimeout(args.first)
        data = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            conn.settimeout(args.idle)
            data += chunk
            while len(data) >= 4:
                length = struct.unpack(">H", data[2:4])[0]
                if length < 16 or len(data) < length:
                    break
                write(data[:length])
                data = data[length:]
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        sock.bind(("127.0.0.1", args.port))
        print("ready", flush=True)
        # The exporter may take a while to start on a loaded machine: wait long
        # for the first datagram, then end after --idle seconds of silence.
        sock.settimeout(args.first)
        while True:
            try:
                payload = sock.recv(65535)
            except socket.timeout:
                break
            sock.settimeout(args.idle)
            write(payload)
    out.close()


PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "sctp": 132, "gre": 47, "esp": 50,
             "ah": 51, "igmp": 2, "ospf": 89, "pim": 103, "vrrp": 112}


def tuples(args):
    fields = ["frame.protocols", "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.id",
              "ip.frag_offset", "ip.flags.mf", "ipv6.src", "ipv6.dst", "ipv6.plen",
              "ipv6.fraghdr.ident", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "sctp.srcport",
              "sctp.dstport", "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
              "ipv6.nxt", "ipv6.fraghdr.nxt"]
    command = ["tshark", "-r", args.file, "-n", "-o", "ip.defragment:FALSE",
               "-o", "ipv6.defragment:FALSE", "-o", "ip.check_checksum:FALSE",
               "-T", "fields", "-E", "occurrence=f", "-E", "separator=\t"]
    for f in fields:
        command += ["-e", f]
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    totals = collections.defaultdict(lambda: [0, 0])
    first_ports = {}
    for line in text.splitlines():
        v = dict(zip(fields, line.split("\t")))
        layers = v["frame.protocols"].split(":")
        ip_layers = [i for i, name in enumerate(layers) if name in ("ip", "ipv6")]
        if not ip_layers:
            continue
        at = ip_layers[0]
        if args.softflowd and layers[:at].count("vlan") > 1:
            continue
        if layers[at] == "ip":
            src, dst, size = v["ip.src"], v["ip.dst"], int(v["ip.len"])
            proto = int(v["ip.proto"])
            frag_id = v["ip.id"]
            offset = int(v["ip.frag_offset"] or 0)
            fragment = offset > 0 or v["ip.flags.mf"] in ("1", "True")
        else:
            src, dst, size = v["ipv6.src"], v["ipv6.dst"], int(v["ipv6.plen"]) + 40
            nxt = v["ipv6.fraghdr.nxt"] or v["ipv6.nxt"]
            proto = int(nxt) if nxt else 0
            # Extension headers: the transport is the next layer tshark names.
            for name in layers[at + 1:]:
                if name.startswith("ipv6."):
                    continue
                proto = PROTOCOLS.get(name, proto)
                break
            frag_id = v["ipv6.fraghdr.ident"]
            offset = int(v["ipv6.fraghdr.offset"] or 0)
            fragment = bool(frag_id)
        sport = dport = 0
        if fragment and offset > 0:
            if not args.softflowd:
                sport, dport = first_ports.get((src, dst, proto, frag_id), (0, 0))
        elif proto in (6, 17, 132):
            name = {6: "tcp", 17: "udp", 132: "sctp"}[proto]
            sport = int(v[name + ".srcport"] or 0)
            dport = int(v[name + ".dstport"] or 0)
        elif proto in (1, 58):
            name = "icmp" if proto == 1 else "icmpv6"
            if v[name + ".type"]:
                dport = int(v[name + ".type"]) << 8 | int(v[name + ".code"] or 0)
        if fragment and offset == 0:
            first_ports[(src, dst, proto, frag_id)] = (sport, dport)
        t = totals[(src, dst, sport, dport, proto)]
        t[0] += 1
        t[1] += size
    for key in sorted(totals):
        print(*key, *totals[key])


def damage(args):
    data = bytearray(open(args.input, "rb").read())
    if args.kind == "truncated":
        data = data[:len(data) * 2 // 3]
    elif args.kind == "bad-header":
        data[0:4] = b"\x00\x01\x02\x03"
    elif args.kind == "garbage-frames":
        # Keep the file header; replace every frame's bytes with random ones of the
        # same length, so the records stay well formed but their contents are noise.
        rng = random.Random(7)
        at = 24
        while at + 16 <= len(data):
            caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
            for i in range(at + 16, min(at + 16 + caplen, len(data))):
                data[i] = rng.randrange(256)
            at += 16 + caplen
    open(args.output, "wb").write(bytes(data))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("record")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--idle", type=float, default=2)
    p.add_argument("--first", type=float, default=30)
    p.add_argument("--tcp", action="store_true")
    p = sub.add_parser("tuples")
    p.add_argument("--softflowd", action="store_true")
    p.add_argument("file")
    p = sub.add_parser("damage")
    p.add_argument("--kind", required=True, choices=["truncated", "garbage-frames", "bad-header"])
    p.add_argument("input")
    p.add_argument("output")
    args = parser.parse_args()
    {"record": record, "tuples": tuples, "damage": damage}[args.command](args)


if __name__ == "__main__":
    main()
