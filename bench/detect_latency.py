#!/usr/bin/python3
"""Detection latency of `weir collect --detect`, wall clock, on loopback.

Sends NetFlow v5 to HOST:PORT in real time: background traffic (2,000 flows/s to
256 internal hosts, ordinary web flows), then for each round a SYN flood of
30,000 single-packet flows/s from spoofed sources on a new victim for 10 seconds.
Records carry the current time, as a router's would. For each round, prints the
time from the flood's first datagram to its `start` event appearing in ALERTS
(the collector's --alert-output; or, for a peer, lines "VICTIM UNIX_TIME" its ban
script appends), and at the end the median and the largest.

With GOBGP_API (the collector runs with --bgp-gobgp), also the time to the
victim's blackhole route appearing in gobgpd's RIB (`gobgp global rib`, polled).

usage: detect_latency.py HOST PORT ALERTS [ROUNDS [GOBGP_API_PORT]]
"""
import json
import random
import subprocess
import socket
import struct
import sys
import threading
import time

BACKGROUND = 2000  # flows/s
FLOOD = 30000  # flows/s
TICK = 0.01  # s between sends
FLOOD_SECONDS = 10  # each round's flood


def main():
    host, port, alerts = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    gobgp = sys.argv[5] if len(sys.argv) > 5 else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    boot = time.time() - 3600
    sequence = 0
    rng = random.Random(1)

    def record(sip, dip, sport, dport, flags, packets, octets, start, end):
        return struct.pack("!IIIHHIIIIHHBBBBHHBBH", sip, dip, 0, 1, 2, packets, octets,
                           int((start - boot) * 1000), int((end - boot) * 1000), sport, dport,
                           0, flags, 6, 0, 0, 0, 0, 0, 0)

    def send(records):
        nonlocal sequence
        now = time.time()
        for i in range(0, len(records), 30):
            chunk = records[i:i + 30]
            header = struct.pack("!HHIIIIBBH", 5, len(chunk), int((now - boot) * 1000), int(now),
                                 int(now % 1 * 1e9), sequence, 0, 0, 0)
            sock.sendto(header + b"".join(chunk), (host, port))
            sequence += len(chunk)

    seen = {}  # victim -> wall time its start event was read
    stop = threading.Event()

    def tail():
        offset = 0
        while not stop.is_set():
            try:
                with open(alerts) as f:
                    f.seek(offset)
                    for line in f:
                        if not line.endswith("\n"):
                            break
                        offset += len(line)
                        if not line.startswith("{"):  # a peer's ban script: VICTIM TIME
                            victim, when = line.split()[:2]
                            seen.setdefault(victim, float(when))
                            continue
                        e = json.loads(line)
                        if e["event"] == "start" and e["key"] not in seen:
                            seen[e["key"]] = time.time()
            except FileNotFoundError:
                pass
            time.sleep(0.002)

    routed = {}  # victim -> wall time its route was seen in gobgpd's RIB

    def rib():
        while not stop.is_set():
            out = subprocess.run(["gobgp", "-p", gobgp, "global", "rib", "-a", "ipv4"],
                                 capture_output=True, text=True).stdout
            now = time.time()
            for line in out.splitlines():
                for word in line.split():
                    if word.endswith("/32") and word[:-3] not in routed:
                        routed[word[:-3]] = now
            time.sleep(0.01)

    watcher = threading.Thread(target=tail, daemon=True)
    watcher.start()
    if gobgp:
        threading.Thread(target=rib, daemon=True).start()
    route_latencies = []

    def run(seconds, victim=None):
        first = None
        end = time.time() + seconds
        while time.time() < end:
            now = time.time()
            batch = []
            for _ in range(int(BACKGROUND * TICK)):
                batch.append(record(0xC6336400 + rng.randrange(256), 0x0A000100 + rng.randrange(256),
                                    rng.randrange(30000, 60000), 443, 0x1B, 12, 9000, now - 0.5, now))
            if victim is not None:
                for _ in range(int(FLOOD * TICK)):
                    batch.append(record(rng.getrandbits(32), victim, rng.randrange(1024, 65535), 80,
                                        0x02, 1, 60, now, now))
                if first is None:
                    first = time.time()
            send(batch)
            time.sleep(max(0.0, TICK - (time.time() - now)))
        return first

    run(3)
    latencies = []
    for i in range(rounds):
        victim = 0x0A000A00 + i
        name = socket.inet_ntoa(struct.pack("!I", victim))
        first = run(FLOOD_SECONDS, victim)
        run(3)
        if gobgp and name in routed:
            route_latencies.append(routed[name] - first)
            print(f"round {i + 1}: victim {name}: blackhole in gobgpd's RIB {routed[name] - first:.3f} s after")
        if name in seen:
            latencies.append(seen[name] - first)
            print(f"round {i + 1}: victim {name}: start event {seen[name] - first:.3f} s after the flood's first datagram")
        else:
            print(f"round {i + 1}: victim {name}: no start event")
    stop.set()
    if latencies:
        latencies.sort()
        print(f"latency: median {latencies[len(latencies) // 2]:.3f} s, largest {latencies[-1]:.3f} s "
              f"({len(latencies)} of {rounds} floods detected)")
    if route_latencies:
        route_latencies.sort()
        print(f"blackhole: median {route_latencies[len(route_latencies) // 2]:.3f} s, largest "
              f"{route_latencies[-1]:.3f} s ({len(route_latencies)} of {rounds} in the RIB)")


if __name__ == "__main__":
    main()
