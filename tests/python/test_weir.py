"""`import weir` against the weir command on the same files: every answer the
module gives is checked against the CLI's (the same library, reached two ways).

Run by ctest (python.pytest) with PYTHONPATH=BUILD/python and WEIR=the binary.
"""
import datetime
import ipaddress
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import weir

WEIR = os.environ.get("WEIR", "weir")
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, text=True):
    return subprocess.run([WEIR, *args], check=True, capture_output=True, text=text).stdout


@pytest.fixture(scope="session")
def flows(tmp_path_factory):
    d = tmp_path_factory.mktemp("flows")
    path = str(d / "g.rwf")
    cli("gen", "--flows=20000", "--seed=5", "--start-time=2026/11/01", "--duration=2h",
        "--output-path=" + path)
    return path


@pytest.fixture(scope="session")
def repo(tmp_path_factory):
    d = tmp_path_factory.mktemp("repo")
    cli("gen", "--flows=30000", "--seed=9", "--start-time=2026/11/02", "--duration=6h",
        "--root-directory=" + str(d))
    return str(d)


def cut(path, fields):
    out = cli("cut", "--fields=" + fields, "--no-titles", "--delimited=,",
              "--timestamp-format=epoch", path)
    return [line.split(",") for line in out.splitlines()]


def test_flowfile_iterates_records_as_pysilk_does(flows):
    rows = cut(flows, "sip,dip,sport,dport,protocol,packets,bytes,stime,sensor,class,type")
    records = list(weir.FlowFile(flows))
    assert len(records) == len(rows) == 20000
    for rec, row in zip(records[:500], rows):
        assert rec.sip == ipaddress.ip_address(row[0])
        assert rec.dip == ipaddress.ip_address(row[1])
        assert (rec.sport, rec.dport, rec.protocol) == (int(row[2]), int(row[3]), int(row[4]))
        assert (rec.packets, rec.bytes) == (int(row[5]), int(row[6]))
        assert rec.stime == datetime.datetime.fromtimestamp(float(row[7]), datetime.timezone.utc)
        assert rec.stime.tzinfo is not None
        assert rec.etime - rec.stime == rec.duration
        assert (rec.sensor, rec.classname, rec.typename) == (row[8], row[9], row[10])
    d = records[0].as_dict()
    for key in ("sip", "dip", "sport", "dport", "protocol", "packets", "bytes", "stime", "etime",
                "duration", "sensor", "classname", "typename", "input", "output", "nhip",
                "application", "icmptype", "icmpcode", "tcpflags", "initial_tcpflags",
                "session_tcpflags"):
        assert key in d
    json.dumps(d, default=str)


def test_written_records_read_back_by_the_cli(tmp_path):
    path = str(tmp_path / "w.rwf")
    start = datetime.datetime(2026, 11, 3, 12, 0, 0, 250000, tzinfo=datetime.timezone.utc)
    with weir.FlowFile(path, "w") as f:
        for i in range(1000):
            f.write(weir.Record(sip="10.0.0.%d" % (i % 250 + 1), dip="2001:db8::1",
                                sport=1024 + i, dport=443, protocol=6, packets=i + 1,
                                bytes=100 * (i + 1), stime=start,
                                duration=datetime.timedelta(seconds=2), tcpflags=0x1b,
                                sensor="local", classtype=("all", "out")))
    rows = cut(path, "sip,dip,sport,dport,packets,bytes,stime,duration,flags,type")
    assert len(rows) == 1000
    assert rows[7] == ["10.0.0.8", "2001:db8::1", "1031", "443", "8", "800",
                       "1793707200.250", "2.000", "FSPA", "out"]
    again = list(weir.FlowFile(path))
    assert again[7].bytes == 800 and again[7].tcpflags == "FSPA"


def test_read_builds_the_same_columns_as_cut(flows):
    df = weir.read(flows, columns=["sip", "dport", "protocol", "bytes", "stime", "duration",
                                   "sensor", "type"])
    rows = cut(flows, "sip,dport,protocol,bytes,stime,duration,sensor,type")
    assert len(df) == len(rows)
    assert list(df["sip"].astype(str)[:1000]) == [r[0] for r in rows[:1000]]
    assert df["dport"].dtype == np.uint16 and df["protocol"].dtype == np.uint8
    assert int(df["bytes"].sum()) == sum(int(r[3]) for r in rows)
    assert str(df["stime"].dtype) == "datetime64[ns, UTC]"
    stime_ms = df["stime"].astype("int64") // 1_000_000
    assert list(stime_ms[:1000]) == [round(float(r[4]) * 1000) for r in rows[:1000]]
    assert df["duration"].dtype == "timedelta64[ns]"
    assert list(df["type"].astype(str)[:1000]) == [r[7] for r in rows[:1000]]
    assert isinstance(df["sip"].dtype, pd.CategoricalDtype)
    objects = weir.read(flows, columns=["dip"], addresses="object")
    assert isinstance(objects["dip"].iloc[0], (ipaddress.IPv4Address, ipaddress.IPv6Address))


def test_read_every_row_across_files_and_blocks(flows, tmp_path):
    # Two files (one of them with addresses nearly all distinct, which are not
    # stored as a dictionary), several blocks, an expression: every row of every
    # column equals weir cut's, and address categories are the used values, sorted.
    distinct = str(tmp_path / "distinct.rwf")
    with weir.FlowFile(distinct, "w") as f:
        for i in range(3000):
            f.write(weir.Record(sip="10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255),
                                dip=("2001:db8::%x" if i % 3 else "::%x") % (i % 7 + 1),
                                dport=53, protocol=17,
                                packets=1, bytes=80 + i, sensor="local",
                                classtype=("all", "in")))
    small_blocks = str(tmp_path / "blocks.rwf")
    cli("cat", "--block-records=1000", "--output-path=" + small_blocks, flows)
    paths = [small_blocks, distinct, small_blocks]
    expr = "bytes > 100 and not proto 1"
    fields = "sip,dip,nhip,sport,dport,protocol,bytes,flags,stime,etime,duration,sensor,class,type,bpp,input"
    df = weir.read(paths, expr=expr, columns=fields.split(","))
    rows = []
    for p in paths:
        out = cli("filter", "--expr=" + expr, "--pass=-", p, text=False)
        rows += [line.split(",") for line in subprocess.run(
            [WEIR, "cut", "--fields=" + fields, "--no-titles", "--delimited=,",
             "--timestamp-format=epoch"], input=out, capture_output=True,
            check=True).stdout.decode().splitlines()]
    assert len(df) == len(rows) > 20000
    for k, name in enumerate(["sip", "dip", "nhip", "sensor", "class", "type"]):
        assert list(df[name].astype(str)) == [r[[0, 1, 2, 11, 12, 13][k]] for r in rows], name
    for k, name in [(3, "sport"), (4, "dport"), (5, "protocol"), (6, "bytes"), (15, "input")]:
        assert df[name].tolist() == [int(r[k]) for r in rows], name
    assert (df["stime"].astype("int64") // 1_000_000).tolist() == [round(float(r[8]) * 1000) for r in rows]
    assert (df["etime"].astype("int64") // 1_000_000).tolist() == [round(float(r[9]) * 1000) for r in rows]
    assert (df["duration"].astype("int64") // 1_000_000).tolist() == [round(float(r[10]) * 1000) for r in rows]
    assert np.allclose(df["bpp"], [float(r[14]) for r in rows], atol=0.01)
    def as_128(a):  # weir's order: IPv4 as ::ffff:a.b.c.d
        return int(a) | (0xFFFF << 32) if a.version == 4 else int(a)
    for name in ("sip", "dip"):
        categories = [ipaddress.ip_address(c) for c in df[name].cat.categories]
        assert categories == sorted(categories, key=as_128)
        assert len(categories) == df[name].nunique()  # only values the rows use
    assert "::1" in df["dip"].cat.categories and "2001:db8::1" in df["dip"].cat.categories
    assert df.sort_values("dip")["dip"].map(lambda t: as_128(ipaddress.ip_address(t))).is_monotonic_increasing


def test_expression_filters_in_cpp(flows):
    expr = "proto tcp and dst port 443 and bytes > 10k"
    df = weir.read(flows, expr=expr, columns=["protocol", "dport", "bytes"])
    count = int(cli("filter", "--expr=" + expr, "--print-statistics=stdout", "--pass=/dev/null",
                    flows).split("Pass")[1].split()[0].strip(".,"))
    assert len(df) == count > 0
    assert (df["protocol"] == 6).all() and (df["dport"] == 443).all() and (df["bytes"] > 10000).all()


def test_repository_selection_matches_filter(repo):
    df = weir.read(root=repo, start="2026/11/02:01", end="2026/11/02:03", types="in,inweb",
                   columns=["stime", "type"])
    out = cli("filter", "--data-rootdir=" + repo, "--start-date=2026/11/02:01",
              "--end-date=2026/11/02:03", "--type=in,inweb", "--pass=-", text=False)
    count = len(subprocess.run([WEIR, "cut", "--fields=sip", "--no-titles"], input=out,
                               capture_output=True, check=True).stdout.splitlines())
    assert len(df) == count > 0
    assert set(df["type"].astype(str)) <= {"in", "inweb"}
    assert df["stime"].min() >= pd.Timestamp("2026-11-02T01:00Z")
    paths = weir.files(repo, start="2026/11/02:01", end="2026/11/02:03", types=["in", "inweb"])
    assert paths and all(p.startswith(repo) for p in paths)


def test_site_and_root_come_from_the_environment_as_for_the_cli(tmp_path, monkeypatch):
    # A repository laid out by weir's test site (sensor "edge"), without its own
    # silk.conf: only $SILK_CONFIG_FILE names the site, only $WEIR_DATA_ROOTDIR the root.
    site = os.path.join(SOURCE, "tests", "data", "site", "silk.conf")
    root = tmp_path / "edge-repo"
    cli("gen", "--flows=2000", "--seed=3", "--start-time=2026/11/03", "--duration=2h",
        "--site-config-file=" + site, "--root-directory=" + str(root))
    if (root / "silk.conf").exists():
        (root / "silk.conf").unlink()
    monkeypatch.setenv("WEIR_DATA_ROOTDIR", str(root))
    monkeypatch.setenv("SILK_CONFIG_FILE", site)
    paths = weir.files(start="2026/11/03:00", end="2026/11/03:01", types="all")
    want = cli("fglob", "--start-date=2026/11/03:00", "--end-date=2026/11/03:01",
               "--type=all").split()
    assert paths == want and paths and all("/edge/" in p for p in paths)
    df = weir.read(start="2026/11/03:00", end="2026/11/03:01", types="all", columns=["sensor"])
    assert len(df) == 2000 and set(df["sensor"].astype(str)) == {"edge"}
    monkeypatch.delenv("SILK_CONFIG_FILE")
    assert weir.files(start="2026/11/03:00", end="2026/11/03:01", types="all") == []


def test_query_stats_uniq_count_match_the_cli(flows):
    top = weir.query("stats", flows, keys=["dip"], values=["bytes", "records"], top=5)
    text = cli("stats", "--fields=dip", "--values=bytes,records", "--count=5", "--no-titles",
               "--delimited=,", flows)
    want = [line.split(",") for line in text.splitlines() if line and "," in line]
    assert [str(x) for x in top["dip"]] == [w[0] for w in want]
    assert list(top["Bytes"]) == [int(w[1]) for w in want]
    assert abs(top["%Bytes"].iloc[0] - float(want[0][3])) < 1e-4

    uniq = weir.query("uniq", flows, keys=["protocol", "dport"], values=["records", "bytes"])
    text = cli("uniq", "--fields=protocol,dport", "--values=records,bytes", "--sort-output",
               "--no-titles", "--delimited=,", flows)
    want = [line.split(",") for line in text.splitlines()]
    assert len(uniq) == len(want)
    assert [(int(a), int(b), int(c)) for a, b, c, _ in want[:50]] == \
        list(zip(uniq["protocol"][:50], uniq["dport"][:50], uniq["Records"][:50]))

    series = weir.query("count", flows, bin_size=600)
    text = cli("count", "--bin-size=600", "--no-titles", "--delimited=,", flows)
    want = [line.split(",") for line in text.splitlines()]
    assert len(series) == len(want)
    assert np.allclose(series["records"], [float(w[1]) for w in want], atol=0.01)
    assert abs(series["records"].sum() - 20000) < 1e-6


def test_ipset_and_bag_share_the_cli_formats(flows, tmp_path):
    set_path = str(tmp_path / "s.set")
    cli("set", "build", "--sip-file=" + set_path, flows)
    s = weir.IPSet.load(set_path)
    df = weir.read(flows, columns=["sip"])
    assert len(s) == int(cli("set", "cat", "--count-ips", set_path)) == df["sip"].nunique()
    assert str(df["sip"].iloc[0]) in s and "203.0.113.250" not in s
    mine = weir.IPSet(["192.0.2.0/24", "10.1.2.3"])
    mine.add("2001:db8::/126")
    mine.save(str(tmp_path / "m.set"))
    assert cli("set", "cat", "--cidr-blocks", str(tmp_path / "m.set")).split() == \
        ["10.1.2.3/32", "192.0.2.0/24", "2001:db8::/126"]
    assert len(mine | s) == len(mine) + len(s) - len(mine & s)

    bag_path = str(tmp_path / "b.bag")
    cli("bag", "build", "--key=dport", "--counter=bytes", "--output-path=" + bag_path, flows)
    bag = weir.Bag.load(bag_path)
    assert (bag.key, bag.counter) == ("dport", "bytes")
    want = [line.split("|")[:2] for line in
            cli("bag", "cat", "--no-titles", bag_path).splitlines()]
    assert [(k, c) for k, c in bag.items()] == [(int(k), int(c)) for k, c in want]
    b = weir.Bag(key="sip", counter="records")
    b.add("10.0.0.1", 3)
    b.add("10.0.0.1")
    b.save(str(tmp_path / "mine.bag"))
    assert cli("bag", "cat", "--no-titles", "--delimited=,", str(tmp_path / "mine.bag")).split() == \
        ["10.0.0.1,4"]


def test_errors_carry_the_library_message(flows, tmp_path):
    with pytest.raises(FileNotFoundError):
        weir.read(str(tmp_path / "absent.rwf"))
    with pytest.raises(FileNotFoundError, match="absent"):
        weir.FlowFile(str(tmp_path / "absent.rwf"))
    with pytest.raises(ValueError, match="andd"):
        weir.read(flows, expr="proto tcp andd")
    with pytest.raises(ValueError, match="nosuchfield"):
        weir.read(flows, columns=["nosuchfield"])
    damaged = tmp_path / "damaged.rwf"
    data = bytearray(open(flows, "rb").read())
    data[len(data) // 2] ^= 0xFF  # inside a block: its checksum fails
    damaged.write_bytes(bytes(data))
    with pytest.raises(weir.Error, match="damaged.rwf"):
        weir.read(str(damaged))
    with pytest.raises(weir.Error, match="damaged.rwf"):
        list(weir.FlowFile(str(damaged)))
    with pytest.raises(ValueError):
        weir.Record(sip="not-an-address")


def test_examples_run(flows, tmp_path):
    examples = os.path.join(SOURCE, "examples")
    out = subprocess.run([sys.executable, os.path.join(examples, "flows_to_json.py"), flows],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(out) == 20000
    first = json.loads(out[0])
    assert first["sip"] and first["stime"].endswith("Z") and "bytes" in first
    png = tmp_path / "bytes.png"
    report = subprocess.run([sys.executable, os.path.join(examples, "pandas_tour.py"), flows,
                             str(png)], check=True, capture_output=True, text=True).stdout
    assert "top talkers" in report.lower()
    assert png.stat().st_size > 1000


def test_eve_correlate_is_weir_eve_correlate(tmp_path):
    """weir.eve.correlate gives the rows of `weir eve correlate`, as a DataFrame."""
    day = str(tmp_path / "day")
    cli("gen", "--flows=5000", "--seed=11", "--start-time=2026/11/03:10", "--duration=1h",
        "--root-directory=" + day)
    rows = cli("cut", "--data-rootdir=" + day, "--start-date=2026/11/03:10", "--end-date=2026/11/03:10",
               "--type=all", "--fields=sip,dip,sport,dport,protocol,stime", "--delimited=,", "--no-titles",
               "--timestamp-format=iso").split()[::500]
    alerts = tmp_path / "alerts.json"
    with open(alerts, "w") as f:
        for i, row in enumerate(rows):
            sip, dip, sport, dport, proto, stime = row.split(",")
            if i % 2:
                sip, dip, sport, dport = dip, sip, dport, sport
            f.write(json.dumps({"timestamp": stime.replace("Z", "+0000"), "event_type": "alert",
                                "src_ip": sip, "src_port": int(sport), "dest_ip": dip,
                                "dest_port": int(dport) if i != 3 else 1, "proto": int(proto),
                                "alert": {"signature_id": 1000 + i, "signature": "s%d" % i,
                                          "severity": 2}}) + "\n")
    df = weir.eve.correlate(str(alerts), root=day, internal="10.10.0.0/16")
    lines = [json.loads(l) for l in cli("eve", "correlate", "--data-rootdir=" + day, "--type=all",
                                        "--internal-ipblocks=10.10.0.0/16", str(alerts)).splitlines()]
    assert len(df) == len(rows) == len(lines)
    assert list(df["match"]) == [l["weir"]["match"] for l in lines]
    assert list(df["match"]).count("none") == 1 and df["match"][3] == "none"
    assert list(df["bytes"]) == [l["weir"]["traffic"]["bytes_toserver"] + l["weir"]["traffic"]["bytes_toclient"]
                                 for l in lines]
    assert list(df["host"]) == [l["weir"]["host"]["address"] for l in lines]
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    with pytest.raises(ValueError):
        weir.eve.correlate(str(alerts), root=day, internal="10.0.0.0/33")
    with pytest.raises(FileNotFoundError):
        weir.eve.correlate(str(tmp_path / "missing.json"), root=day)
