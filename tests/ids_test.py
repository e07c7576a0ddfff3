#!/usr/bin/python3
"""End-to-end tests of weir eve (Suricata EVE import and alert correlation).

Run as `ids_test.py CASE WEIR`:
  surevego   real Suricata output (rhaist/surevego): its flow events imported, its 68
             alerts joined to their connection by flow_id, with the flow event's bytes;
             --summary and --print-filter (the filter finds the same records)
  community  Suricata's own Community ID captures (suricata-verify), metered by weir
             meter: alerts carrying Suricata's Community IDs (IPv4 and IPv6, fully
             expanded addresses, seed 7) match by community_id; with another seed or
             without the ID, by 5-tuple
  capture    a TLS capture metered with a 30 s active timeout: an alert in the reverse
             direction on a long IPv6 connection gathers all its split records, whose
             bytes are tshark's IP bytes of the connection; an alert whose flow is
             missing, and one long after, match nothing
  compare    Suricata's own flow counters (suricata-verify's IPv6 Community ID test)
             against weir meter's records of its capture: every direction pairs, and
             every byte difference is the 14-byte Ethernet header per packet
  follow     import --follow of a growing eve.json: appended lines, a rotation (with a
             line written to the old file after it), a restart from the cursor (nothing
             twice), and a truncation in place
  bad_input  truncated lines, wrong types, unknown event types and a huge line are
             counted and named, never fatal; a missing file is one line and exit 1
Cases that need ../shared/data skip (exit 0, saying so) when it is absent.
"""
import json
import re
import os
import subprocess
import sys
import tempfile

CASE, WEIR = sys.argv[1], sys.argv[2]
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("WEIR_SHARED_DIR", os.path.join(SRC, "..", "shared"))
EVE = os.path.join(SHARED, "data", "eve")
TRAFFIC = os.path.join(SHARED, "data", "traffic")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok - {message}")


def skip_without(path):
    if not os.path.exists(path):
        print(f"SKIP: {path} absent")
        sys.exit(0)


def run(*args, check_rc=True, stdin=None):
    p = subprocess.run([WEIR, *args], capture_output=True, text=True, input=stdin)
    if check_rc and p.returncode != 0:
        fail(f"weir {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def tshark(*args):
    return subprocess.run(["tshark", *args], capture_output=True, text=True, check=True).stdout


def correlate(repo, alerts_path, *extra):
    p = run("eve", "correlate", f"--data-rootdir={repo}", "--type=all", *extra, alerts_path)
    return [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def alert(ts, src, sport, dest, dport, proto="TCP", sid=2000001, community_id=None, flow_id=None):
    """An alert line in Suricata's layout (eve-log, Suricata 6/7)."""
    a = {"timestamp": ts}
    if flow_id is not None:
        a["flow_id"] = flow_id
    a.update({"in_iface": "eth0", "event_type": "alert", "src_ip": src, "src_port": sport,
              "dest_ip": dest, "dest_port": dport, "proto": proto})
    if community_id:
        a["community_id"] = community_id
    a.update({"direction": "to_server",
              "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1,
                        "signature": f"weir test {sid}", "category": "Misc activity", "severity": 2}})
    return json.dumps(a, separators=(",", ":"))


def iso(epoch, offset_minutes=0):
    """Suricata's timestamp: local time with its offset and microseconds."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    t = datetime.datetime.fromtimestamp(epoch, tz)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + t.strftime("%z")


def case_surevego(tmp):
    path = os.path.join(EVE, "surevego-eve.json")
    skip_without(path)
    repo = os.path.join(tmp, "repo")
    p = run("eve", "import", f"--root-directory={repo}", path)
    check("13 flow and 0 netflow events" in p.stderr and "22 records, 22 stored" in p.stderr
          and "253 of other types" in p.stderr, f"import: {p.stderr.strip()}")
    flow_events = {}
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e["event_type"] == "flow":
                flow_events[e["flow_id"]] = e
    out = run("cut", f"--data-rootdir={repo}", "--start-date=2017/01/30", "--end-date=2017/01/30:23",
              "--type=all", "--fields=flow_id,bytes", "--no-titles", "--delimited=,").stdout
    stored = {}
    for line in out.split():
        fid, b = map(int, line.split(","))
        stored[fid] = stored.get(fid, 0) + b
    check(stored == {k: v["flow"]["bytes_toserver"] + v["flow"]["bytes_toclient"] for k, v in flow_events.items()},
          "every flow event is stored with its flow_id and both directions' bytes")

    alerts, err = correlate(repo, path)
    check(len(alerts) == 68 and all(a["weir"]["match"] == "flow_id" for a in alerts),
          f"the 68 real alerts join their connection by flow_id ({err.strip()})")
    conn = flow_events[1501577875823823]["flow"]
    t = alerts[0]["weir"]["traffic"]
    check((t["bytes_toserver"], t["bytes_toclient"], t["packets_toserver"], t["packets_toclient"]) ==
          (conn["bytes_toserver"], conn["bytes_toclient"], conn["pkts_toserver"], conn["pkts_toclient"]),
          f"the alert's traffic is its flow event's, by direction: {t}")
    first = json.loads(open(path).read().split("\n")[[json.loads(l)["event_type"] for l in open(path)].index("alert")])
    check({k: v for k, v in alerts[0].items() if k != "weir"} == first, "the alert comes out as it came, plus weir")
    host = alerts[0]["weir"]["host"]
    check(host["address"] == "172.17.0.2" and host["top_peers"][0]["address"] == "54.230.202.37",
          f"the internal host's summary: {host['address']}, top peer {host['top_peers'][0]}")
    summary = run("eve", "correlate", f"--data-rootdir={repo}", "--type=all", "--summary", path).stdout
    row = [l for l in summary.splitlines() if "2013504" in l]
    check(row and row[0].split("|")[1].strip() == "68" and row[0].split("|")[2].strip() == "68" and
          int(row[0].split("|")[4]) == conn["bytes_toserver"] + conn["bytes_toclient"],
          f"--summary: {row}")
    # --print-filter: the selection weir filter runs finds the connection's records
    line = run("eve", "correlate", f"--data-rootdir={repo}", "--print-filter", path).stdout.splitlines()[0]
    args = line.split(" ", 2)[2]
    p = subprocess.run(f"{WEIR} filter {args} --print-statistics=stdout --pass=/dev/null", shell=True,
                       capture_output=True, text=True)
    passed = re.search(r"Pass\s+(\d+)", p.stdout)
    check(p.returncode == 0 and passed and passed.group(1) == "2",
          f"--print-filter gives a weir filter line that passes the 2 records ({p.stdout.strip()} {p.stderr.strip()})")


def yaml_flows(path):
    """The tls checks of a suricata-verify test.yaml: (src, sport, dest, dport, community_id)."""
    flows, cur = [], {}
    for line in open(path):
        line = line.strip()
        if line.startswith("- filter:"):
            cur = {}
        elif ":" in line:
            k, v = line.split(":", 1)
            cur[k.strip()] = v.strip()
            if {"community_id", "src_ip", "dest_ip", "src_port", "dest_port", "event_type"} <= cur.keys() \
                    and cur["event_type"] == "tls" and cur not in flows:
                flows.append(dict(cur))
    return [(f["src_ip"], int(f["src_port"]), f["dest_ip"], int(f["dest_port"]), f["community_id"]) for f in flows]


def case_community(tmp):
    verify = os.path.join(EVE, "suricata-verify")
    skip_without(verify)
    for name in ("community-id-ipv4", "community-id-ipv6"):
        repo = os.path.join(tmp, name)
        pcap = os.path.join(verify, name, "input.pcap")
        run("meter", "-r", pcap, f"--root-directory={repo}")
        flows = yaml_flows(os.path.join(verify, name, "test.yaml"))
        check(flows, f"{name}: Suricata's Community IDs read from test.yaml ({len(flows)})")
        # each alert at the time of its connection's first packet, in Suricata's
        # -0700 local time; the first one from the server (the reverse direction)
        times = {}
        for row in tshark("-r", pcap, "-Y", "tcp", "-T", "fields", "-e", "frame.time_epoch",
                          "-e", "tcp.srcport", "-e", "tcp.dstport").splitlines():
            t, sp, dp = row.split("\t")
            times.setdefault((int(sp), int(dp)), float(t))
        lines, bare = [], []
        for i, (src, sport, dest, dport, cid) in enumerate(flows):
            ts = iso(times[(sport, dport)] + 0.05, -420)
            if i == 0:
                src, sport, dest, dport = dest, dport, src, sport
            lines.append(alert(ts, src, sport, dest, dport, community_id=cid, sid=1000 + i))
            bare.append(alert(ts, src, sport, dest, dport, sid=1000 + i))
        path = os.path.join(tmp, f"{name}.json")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        got, err = correlate(repo, path, "--community-id-seed=7")
        check([a["weir"]["match"] for a in got] == ["community_id"] * len(flows),
              f"{name}: alerts with Suricata's Community ID (seed 7) match by community_id")
        check(all(a["weir"]["traffic"]["packets_toserver"] > 0 and a["weir"]["traffic"]["packets_toclient"] > 0
                  for a in got), f"{name}: each connection's both directions are found")
        got, _ = correlate(repo, path)
        check([a["weir"]["match"] for a in got] == ["5-tuple"] * len(flows),
              f"{name}: with another seed the IDs differ and the 5-tuple joins")
        with open(path, "w") as f:
            f.write("\n".join(bare) + "\n")
        got, _ = correlate(repo, path, "--community-id-seed=7")
        check([a["weir"]["match"] for a in got] == ["5-tuple"] * len(flows),
              f"{name}: alerts without community_id match by 5-tuple")


def case_capture(tmp):
    pcap = os.path.join(TRAFFIC, "traffic_tls_ipv4_ipv6_334conns.pcap")
    skip_without(pcap)
    repo = os.path.join(tmp, "repo")
    run("meter", "-r", pcap, f"--root-directory={repo}", "--active-timeout=30")
    client, cport = "2601:647:4b02:1d20:fd05:6f66:ecce:8bc7", 49634
    server, sport = "2607:f8b0:4005:801::200e", 443
    frames = tshark("-r", pcap, "-Y", f"tcp.port == {cport} and ipv6.addr == {server}", "-T", "fields",
                    "-e", "frame.time_epoch", "-e", "ipv6.src", "-e", "ipv6.plen").splitlines()
    rows = [(float(t), src, int(plen) + 40) for t, src, plen in (r.split("\t") for r in frames)]
    to_server = sum(b for _, s, b in rows if s == client)
    to_client = sum(b for _, s, b in rows if s != client)
    start = rows[0][0]
    # the alert: the server's first packet 100 s or more into the 131 s connection
    # (its records are split by the active timeout and by quiet minutes)
    t_alert = next(t for t, s, _ in rows if s != client and t >= start + 100)
    missing_port = 1
    lines = [
        alert(iso(t_alert, 60), server, sport, client, cport, sid=1),
        alert(iso(t_alert, 60), server, sport, client, missing_port, sid=2),
        alert(iso(start + 3 * 3600, 0), server, sport, client, cport, sid=3),
    ]
    path = os.path.join(tmp, "alerts.json")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    got, err = correlate(repo, path, "--active-timeout=30", "--tolerance=5")
    w = got[0]["weir"]
    check(w["match"] == "5-tuple" and w["traffic"]["records"] >= 4,
          f"an alert from the server joins the split IPv6 connection ({w['traffic']['records']} records)")
    check(w["traffic"]["bytes_toserver"] == to_server and w["traffic"]["bytes_toclient"] == to_client,
          f"its bytes are tshark's IP bytes per direction ({to_server}, {to_client}): {w['traffic']}")
    check(w["flows"][0]["sip"] == client or w["flows"][0]["dip"] == client, "the records are the connection's")
    check(got[1]["weir"]["match"] == "none" and got[1]["weir"]["flows"] == [], "an alert whose flow is missing matches nothing")
    check(got[2]["weir"]["match"] == "none", "an alert three hours later matches nothing")
    check("3 alerts" in err and "1 matched" in err, f"the summary line: {err.strip()}")


def yaml_flow_events(path):
    """The flow events of a suricata-verify test.yaml, with their counters."""
    events, cur = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("- filter:"):
            cur = {}
            events.append(cur)
        elif cur is not None and ":" in line and not line.startswith(("count:", "match:")):
            k, v = line.split(":", 1)
            cur[k.strip()] = v.strip()
    return [e for e in events if e.get("event_type") == "flow" and "flow.pkts_toserver" in e]


def case_compare(tmp):
    verify = os.path.join(EVE, "suricata-verify", "community-id-ipv6")
    skip_without(verify)
    pcap = os.path.join(verify, "input.pcap")
    repo = os.path.join(tmp, "repo")
    run("meter", "-r", pcap, f"--root-directory={repo}")
    flows = yaml_flow_events(os.path.join(verify, "test.yaml"))
    check(len(flows) == 2, f"Suricata's flow events with counters read from test.yaml ({len(flows)})")
    times = {}
    for row in tshark("-r", pcap, "-Y", "tcp", "-T", "fields", "-e", "frame.time_epoch",
                      "-e", "tcp.srcport", "-e", "tcp.dstport").splitlines():
        t, sp, dp = row.split("\t")
        key = tuple(sorted((int(sp), int(dp))))
        times.setdefault(key, []).append(float(t))
    lines = []
    for f in flows:
        ts = times[tuple(sorted((int(f["src_port"]), int(f["dest_port"]))))]
        lines.append(json.dumps({
            "timestamp": iso(max(ts) + 0.5, 60), "flow_id": 1, "event_type": "flow", "src_ip": f["src_ip"],
            "src_port": int(f["src_port"]), "dest_ip": f["dest_ip"], "dest_port": int(f["dest_port"]),
            "proto": f["proto"], "app_proto": f["app_proto"],
            "flow": {k.split(".")[1]: int(v) for k, v in f.items() if k.startswith("flow.") and v.isdigit()} |
                    {"start": iso(min(ts), 60), "end": iso(max(ts), 60)}}))
    path = os.path.join(tmp, "flows.json")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    p = run("eve", "compare", f"--data-rootdir={repo}", "--type=all", "--json", path)
    r = json.loads(p.stdout)
    check(r["eve_records"] == 4 and r["pairs"] == 4 and r["same_packets"] == 4,
          f"every direction of Suricata's two flows pairs with weir meter's record: {r}")
    check(r["per_packet_14"] == 4 and r["eve_only"] == 0 and r["stored_only"] == 0,
          "each byte difference is Suricata's 14-byte Ethernet header per packet; nothing is one-sided")
    check(abs(r["eve_delay_quantiles"][1] - 0.5) < 0.01, f"Suricata's delay to write a flow: {r['eve_delay_quantiles']}")
    text = run("eve", "compare", f"--data-rootdir={repo}", "--type=all", path).stdout
    check("4 pairs differ by exactly 14 bytes a packet" in text, "the text report says so")


def flow_event(flow_id, minute):
    start = f"2024-05-01T10:{minute:02d}:00.000000+0000"
    return json.dumps({"timestamp": f"2024-05-01T10:{minute:02d}:05.000000+0000", "flow_id": flow_id,
                       "event_type": "flow", "src_ip": "10.0.0.1", "src_port": 40000 + flow_id,
                       "dest_ip": "192.0.2.9", "dest_port": 443, "proto": "TCP", "app_proto": "tls",
                       "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 300,
                                "bytes_toclient": 200, "start": start, "end": start}}) + "\n"


def case_follow(tmp):
    import signal
    import time
    repo = os.path.join(tmp, "repo")
    eve = os.path.join(tmp, "eve.json")

    def stored():
        p = run("cut", f"--data-rootdir={repo}", "--start-date=2024/05/01:10", "--end-date=2024/05/01:10",
                "--type=all", "--fields=flow_id", "--no-titles", "--delimited", check_rc=False)
        return sorted(int(x) for x in p.stdout.split())

    def wait_for(ids):
        for _ in range(100):
            if stored() == ids:
                return True
            time.sleep(0.1)
        return False

    with open(eve, "w") as f:
        f.write(flow_event(1, 0) + flow_event(2, 1))
    p = subprocess.Popen([WEIR, "eve", "import", "--follow", f"--root-directory={repo}", "--poll-interval=0.1", eve],
                         stderr=subprocess.PIPE, text=True)
    try:
        check(wait_for([1, 1, 2, 2]), "the file's lines are stored")
        with open(eve, "a") as f:
            f.write(flow_event(3, 2))
            f.flush()
            f.write(flow_event(4, 3)[:40])  # half a line: not yet
        check(wait_for([1, 1, 2, 2, 3, 3]), "an appended line is stored, half a line waits")
        with open(eve, "a") as f:
            f.write(flow_event(4, 3)[40:])
        os.rename(eve, eve + ".1")
        with open(eve + ".1", "a") as f:
            f.write(flow_event(5, 4))  # written to the old file after the rotation
        time.sleep(0.5)
        with open(eve, "w") as f:
            f.write(flow_event(6, 5))
        check(wait_for([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]),
              "across a rotation: the old file to its end, then the new one")
    finally:
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=30)[1]
    check(p.returncode == 0 and "6 flow and 0 netflow events" in err, f"SIGTERM stops it cleanly: {err.strip()}")
    with open(eve, "a") as f:
        f.write(flow_event(7, 6))
    r = run("eve", "import", "--follow", f"--root-directory={repo}", "--stop-after=0.5", eve)
    check(stored() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7] and "1 flow" in r.stderr,
          f"a restart goes on from the cursor: only the new line ({r.stderr.strip()})")
    with open(eve, "w") as f:  # truncated in place, as copytruncate does
        f.write(flow_event(8, 7))
    r = run("eve", "import", "--follow", f"--root-directory={repo}", "--stop-after=0.5", eve)
    check(8 in stored() and stored().count(7) == 2, "after a truncation, the file from its start")
    r = run("eve", "import", "--follow", f"--root-directory={repo}", eve, eve, check_rc=False)
    check(r.returncode == 2 and "one file" in r.stderr, "--follow takes one file")


def case_bad_input(tmp):
    good = ('{"timestamp":"2024-05-01T10:00:00.000000+0000","flow_id":7,"event_type":"flow",'
            '"src_ip":"10.0.0.1","src_port":1000,"dest_ip":"192.0.2.9","dest_port":80,"proto":"TCP",'
            '"flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":300,"bytes_toclient":200,'
            '"start":"2024-05-01T09:59:58.000000+0000","end":"2024-05-01T10:00:00.000000+0000"}}')
    lines = [
        good,
        good[:70],                                             # truncated
        good.replace('"src_port":1000', '"src_port":"1000"'),  # a wrong type
        '{"timestamp":"2024-05-01T10:00:00+0000","event_type":"anomaly","anomaly":{}}',  # unknown type
        '{"event_type":"flow","x":"' + "a" * (2 << 20) + '"}',  # huge
        good.replace('"flow_id":7', '"flow_id":8'),
    ]
    path = os.path.join(tmp, "bad.json")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    repo = os.path.join(tmp, "repo")
    p = run("eve", "import", f"--root-directory={repo}", path)
    check("3 malformed (1 too long)" in p.stderr and "1 of other types" in p.stderr and "4 records, 4 stored" in p.stderr,
          f"bad lines are counted: {p.stderr.strip().splitlines()[-1]}")
    check(f"{path}:2:" in p.stderr and f"{path}:3: \"src_port\" has the wrong type" in p.stderr and
          f"{path}:5: a line longer than" in p.stderr, "each bad line is named by number")
    n = run("cut", f"--data-rootdir={repo}", "--start-date=2024/05/01:09", "--end-date=2024/05/01:10", "--type=all",
            "--fields=flow_id", "--no-titles", "--delimited").stdout.split()
    check(sorted(n) == ["7", "7", "8", "8"], "the good lines are stored")
    alerts = path + ".alerts"
    with open(alerts, "w") as f:
        f.write(alert("2024-05-01T10:00:00.500000+0000", "192.0.2.9", 80, "10.0.0.1", 1000) + "\n")
        f.write('{"event_type":"alert","src_ip":"10.0.0.1"\n')
        f.write(alert("not a time", "192.0.2.9", 80, "10.0.0.1", 1000) + "\n")
    p = run("eve", "correlate", f"--data-rootdir={repo}", "--type=all", alerts)
    got = [json.loads(line) for line in p.stdout.splitlines()]
    check(len(got) == 1 and got[0]["weir"]["match"] == "5-tuple" and "2 malformed lines" in p.stderr,
          f"bad alert lines are counted, the good one correlated: {p.stderr.strip()}")
    p = run("eve", "import", f"--root-directory={repo}", os.path.join(tmp, "missing.json"), check_rc=False)
    check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "missing.json" in p.stderr,
          f"a missing file: one line, exit 1 ({p.stderr.strip()})")
    p = run("eve", "correlate", f"--data-rootdir={repo}", "--internal-ipblocks=10.0.0.0/33", alerts, check_rc=False)
    check(p.returncode == 2 and "--internal-ipblocks: not a CIDR block" in p.stderr, "a bad switch: exit 2")


with tempfile.TemporaryDirectory() as tmp:
    {"surevego": case_surevego, "community": case_community, "capture": case_capture,
     "compare": case_compare, "follow": case_follow, "bad_input": case_bad_input}[CASE](tmp)
