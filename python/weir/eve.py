"""Suricata alerts joined to the flows behind them (doc/ids.md), as a DataFrame.

    import weir.eve
    df = weir.eve.correlate("/var/log/suricata/eve.json", root="data", types="all")
    df.sort_values("bytes", ascending=False).head()

The same correlation as `weir eve correlate`, run by weir's library: each alert
joined by flow_id, Community ID or 5-tuple (`match`), with its connection's traffic
and the internal host's around it.
"""
import json as _json

import pandas as _pd

from . import _weir

__all__ = ["correlate"]

COLUMNS = ["time", "signature_id", "signature", "severity", "category", "src_ip", "src_port",
           "dest_ip", "dest_port", "proto", "match", "bytes", "bytes_toserver", "bytes_toclient",
           "packets_toserver", "packets_toclient", "records", "first_seen", "last_seen", "host",
           "host_bytes_in", "host_bytes_out", "host_peers", "spread_hosts", "alert", "weir"]


def _text(v):
    if v is None:
        return ""
    return ",".join(v) if isinstance(v, (list, tuple)) else str(v)


def correlate(alerts, root=None, *, classes=None, types="all", flowtypes=None, sensors=None,
              expr=None, community_id_seed=0, internal=None, active_timeout=1800, tolerance=30,
              follow_connection=3600, host_window=3600, site_config=None, threads=0):
    """One row per alert of the EVE file(s) `alerts` (gzip too), in their order.

    root and the selection (classes, types, flowtypes, sensors, expr) say which stored
    flows are read; the dates come from the alerts. internal: the internal networks
    (CIDRs, a list or a comma list; default: the embedded sensor.conf's). The other
    keywords are weir eve correlate's switches, in seconds. Columns: the alert's
    (time as UTC datetimes, signature, endpoints), match, the connection's bytes and
    packets by direction (bytes: both), records, first_seen/last_seen, the internal
    host and its bytes in/out and peers around the alert, spread_hosts (other internal
    hosts that talked to the alert's other address), and the alert and weir's member
    as dicts.
    """
    files = [alerts] if isinstance(alerts, str) else list(alerts)
    selection = _weir._Selection()
    selection.classes = _text(classes)
    selection.types = _text(types)
    selection.flowtypes = _text(flowtypes)
    selection.sensors = _text(sensors)
    lines = _weir._eve_correlate(files, str(root or ""), site_config or "", selection, expr or "",
                                 int(community_id_seed), _text(internal), float(active_timeout),
                                 float(tolerance), float(follow_connection), float(host_window),
                                 int(threads))
    rows = []
    for line in lines:
        a = _json.loads(line)
        w = a.pop("weir")
        t, host, al = w["traffic"], w.get("host", {}), a.get("alert", {})
        rows.append([a.get("timestamp"), al.get("signature_id"), al.get("signature"), al.get("severity"),
                     al.get("category"), a.get("src_ip"), a.get("src_port"), a.get("dest_ip"),
                     a.get("dest_port"), a.get("proto"), w["match"],
                     t["bytes_toserver"] + t["bytes_toclient"], t["bytes_toserver"], t["bytes_toclient"],
                     t["packets_toserver"], t["packets_toclient"], t["records"], t.get("first_seen"),
                     t.get("last_seen"), host.get("address"), host.get("bytes_in"), host.get("bytes_out"),
                     host.get("peers"), host.get("spread", {}).get("hosts"), a, w])
    df = _pd.DataFrame(rows, columns=COLUMNS)
    for c in ("time", "first_seen", "last_seen"):
        df[c] = _pd.to_datetime(df[c], utc=True)
    return df
