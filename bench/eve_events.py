#!/usr/bin/python3
"""Synthetic Suricata EVE for the benchmarks: N flow events (and alerts) in
Suricata 7's layout, deterministic for a seed, over one hour.

  eve_events.py flows N [SEED] > eve.json      flow events, with app_proto, tcp flags
  eve_events.py alerts CSV K [SEED] > alerts.json
      K alerts on records of CSV (weir cut --fields=sip,dip,sport,dport,protocol,stime
      --delimited=, --no-titles), half of them in the reverse direction, plus 10% on
      5-tuples that have no flow
"""
import datetime
import json
import random
import sys


def ts(epoch):
    t = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def flows(n, seed):
    rng = random.Random(seed)
    t0 = 1764547200.0  # 2025-12-01T00:00:00Z
    apps = [("http", 80), ("tls", 443), ("dns", 53), ("ssh", 22), ("smtp", 25)]
    out = sys.stdout
    for i in range(n):
        app, port = apps[rng.randrange(len(apps))]
        proto = "UDP" if port == 53 else "TCP"
        start = t0 + i * 3600.0 / n
        e = {"timestamp": ts(start + 2), "flow_id": rng.getrandbits(50), "in_iface": "eth0",
             "event_type": "flow", "src_ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
             "src_port": rng.randrange(1024, 65536),
             "dest_ip": f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
             "dest_port": port, "proto": proto, "app_proto": app,
             "flow": {"pkts_toserver": rng.randrange(1, 50), "pkts_toclient": rng.randrange(0, 80),
                      "bytes_toserver": rng.randrange(60, 40000), "bytes_toclient": rng.randrange(0, 900000),
                      "start": ts(start), "end": ts(start + 2), "age": 2, "state": "closed",
                      "reason": "timeout", "alerted": False}}
        if proto == "TCP":
            e["tcp"] = {"tcp_flags": "1b", "tcp_flags_ts": "1b", "tcp_flags_tc": "1b", "syn": True,
                        "fin": True, "psh": True, "ack": True, "state": "closed"}
        out.write(json.dumps(e, separators=(",", ":")) + "\n")


def alerts(csv, k, seed):
    rng = random.Random(seed)
    rows = [line.strip().split(",") for line in open(csv) if line.strip()]
    out = sys.stdout
    for i in range(k):
        sip, dip, sport, dport, proto, stime = rows[rng.randrange(len(rows))]
        if i % 10 == 9:
            dport = "1"  # no such flow
        if i % 2:
            sip, dip, sport, dport = dip, sip, dport, sport
        t = datetime.datetime.strptime(stime.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        e = {"timestamp": ts(t), "flow_id": rng.getrandbits(50), "in_iface": "eth0", "event_type": "alert",
             "src_ip": sip, "src_port": int(sport), "dest_ip": dip, "dest_port": int(dport),
             "proto": {"6": "TCP", "17": "UDP", "1": "ICMP"}.get(proto, proto),
             "alert": {"action": "allowed", "gid": 1, "signature_id": 2000000 + i % 50, "rev": 1,
                       "signature": f"bench signature {i % 50}", "category": "Misc", "severity": 2}}
        out.write(json.dumps(e, separators=(",", ":")) + "\n")


if sys.argv[1] == "flows":
    flows(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
else:
    alerts(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
