"""weir for Python: flow records in PySiLK's shape, and pandas DataFrames.

    import weir
    for rec in weir.FlowFile("flows.rwf"):            # PySiLK's SilkFile loop
        print(rec.sip, rec.dport, rec.bytes, rec.stime)
    df = weir.read(root="data", start="2026/11/26", end="2026/11/26:23",
                   expr="proto tcp and dst port 443", columns=["sip", "dip", "bytes", "stime"])
    top = weir.query("stats", ["flows.rwf"], keys=["dip"], values=["bytes"], top=10)

Filtering, aggregation and file selection run in weir's C++ library, the same
code as the weir command; DataFrames are built from whole columns, never a Python
loop per record. Errors raise weir.Error (or ValueError / FileNotFoundError) with
the library's message.
"""
import ipaddress as _ipaddress
import os as _os

import numpy as _np
import pandas as _pd

from ._weir import Bag, Error, FlowFile, IPSet, Record, field_names  # noqa: F401
from . import _weir
from . import eve  # noqa: F401  (weir.eve.correlate)

__all__ = ["FlowFile", "Record", "IPSet", "Bag", "Error", "read", "query", "files",
           "field_names", "DEFAULT_COLUMNS", "eve"]

DEFAULT_COLUMNS = ["sip", "dip", "sport", "dport", "protocol", "packets", "bytes", "flags",
                   "stime", "etime", "sensor", "class", "type"]

_UINT_TYPES = [(0xFF, _np.uint8), (0xFFFF, _np.uint16), (0xFFFFFFFF, _np.uint32)]
_UTC = _pd.DatetimeTZDtype("ns", "UTC")


def files(root=None, start=None, end=None, classes=None, types=None, flowtypes=None,
          sensors=None, site_config=None):
    """The repository's hourly files for a selection, as rwfglob lists them.

    root: the repository; None: as the weir command finds it ($WEIR_DATA_ROOTDIR,
    $SILK_DATA_ROOTDIR, ./data). site_config: silk.conf; None: $SILK_CONFIG_FILE,
    ROOT/silk.conf, the embedded default. start/end: "YYYY/MM/DD[:HH]" (or
    datetime/date); classes, types, sensors: a comma list or a Python list ("all"
    for every type); flowtypes: "class/type,...".
    """
    selection = _weir._Selection()
    selection.start_date = _date_text(start)
    selection.end_date = _date_text(end)
    selection.classes = _list_text(classes)
    selection.types = _list_text(types)
    selection.flowtypes = _list_text(flowtypes)
    selection.sensors = _list_text(sensors)
    return _weir._select_files(str(root or ""), site_config or "", selection)


def read(paths=None, *, root=None, start=None, end=None, classes=None, types=None,
         flowtypes=None, sensors=None, expr=None, columns=None, addresses="str",
         site_config=None, threads=0):
    """Flow records as a pandas DataFrame, one row per record in file order.

    paths: a file or a list of files; or root= with a selection (start, end,
    classes, types, flowtypes, sensors) as in weir filter. expr: the filter
    expression language ("proto tcp and dst port 443 and bytes > 1M").
    columns: registry field names (weir.field_names()); DEFAULT_COLUMNS if None.
    addresses: "str" (categorical of strings, the default) or "object"
    (ipaddress objects). Times are datetime64[ns, UTC] (pandas 1.5 has no ms
    resolution; the values are whole milliseconds), durations timedelta64.
    """
    inputs = _inputs(paths, root, start, end, classes, types, flowtypes, sensors, site_config)
    names = list(columns) if columns is not None else DEFAULT_COLUMNS
    if addresses not in ("str", "object"):
        raise ValueError("addresses must be 'str' or 'object'")
    raw = _weir._read_columns(inputs, names, expr or "", site_config or "", str(root or ""),
                              threads)
    raw.pop("__records_read__", None)
    return _frame(raw, names, addresses)


def query(kind, paths=None, *, root=None, start=None, end=None, classes=None, types=None,
          flowtypes=None, sensors=None, expr=None, keys=("sip",), values=("records",),
          top=None, bottom=False, bin_size=None, load_scheme="time-proportional",
          addresses="str", site_config=None, threads=0):
    """Filter and aggregate in C++, returning a DataFrame.

    kind "uniq" (rwuniq): one row per distinct key, sorted by key; values from
    records, packets, bytes, sip-distinct, dip-distinct, distinct:FIELD,
    stime-earliest, etime-latest. bin_size (seconds) bins time keys.
    kind "stats" (rwstats): the same groups ordered by the first value, the top
    `top` (default 10; bottom=True for the smallest), with percent and cumulative
    percent of the first value.
    kind "count" (rwcount): records, packets and bytes per bin of bin_size seconds
    (default 300), spread by load_scheme, indexed by bin start.
    """
    inputs = _inputs(paths, root, start, end, classes, types, flowtypes, sensors, site_config)
    expr = expr or ""
    if kind == "count":
        bin_ms = int((bin_size or 300) * 1000)
        raw = _weir._count(inputs, bin_ms, load_scheme, expr, site_config or "",
                           str(root or ""), threads)
        return _frame(raw, ["stime", "records", "packets", "bytes"], addresses).set_index("stime")
    if kind not in ("uniq", "stats"):
        raise ValueError("kind must be 'stats', 'uniq' or 'count', not %r" % (kind,))
    keys = [keys] if isinstance(keys, str) else list(keys)
    values = [values] if isinstance(values, str) else list(values)
    bin_ms = int(bin_size * 1000) if bin_size else 0
    raw = _weir._aggregate(inputs, keys, ",".join(values), expr, site_config or "",
                           str(root or ""), bin_ms, threads)
    names = list(raw.keys())
    df = _frame(raw, names, addresses)
    key_names = names[:len(keys)]
    if kind == "uniq":
        return df.sort_values(key_names, kind="stable").reset_index(drop=True)
    first = names[len(keys)]
    total = df[first].sum()
    df = df.sort_values(first, ascending=bool(bottom), kind="stable")
    df = df.head(10 if top is None else top).reset_index(drop=True)
    df["%" + first] = 100.0 * df[first] / total if total else 0.0
    df["cumul_%"] = df["%" + first].cumsum()
    return df


def _inputs(paths, root, start, end, classes, types, flowtypes, sensors, site_config):
    if paths is not None and root is not None:
        raise ValueError("give paths or root=, not both")
    if paths is None:
        selecting = any(v is not None for v in (start, end, classes, types, flowtypes, sensors))
        if root is None and not selecting:
            raise ValueError("give paths, or a selection (root= defaults as for the weir command)")
        return files(root, start, end, classes, types, flowtypes, sensors, site_config)
    if isinstance(paths, str) or hasattr(paths, "__fspath__"):
        paths = [paths]
    paths = [_os.fspath(p) for p in paths]
    for p in paths:
        if p != "-" and not _os.path.exists(p):
            raise FileNotFoundError("%s: no such file" % p)
    return paths


def _frame(raw, names, addresses):
    data = {}
    for name in names:
        kind, *rest = raw[name]
        if kind == "category":
            codes, categories = rest
            if addresses == "object" and name in ("sip", "dip", "nhip", "exporter"):
                categories = [_ipaddress.ip_address(c) for c in categories]
            data[name] = _pd.Categorical.from_codes(codes, categories=categories)
        elif kind == "time":
            # Nanoseconds since the epoch, re-typed in place: neither parsed nor
            # converted (tz_localize would copy).
            data[name] = _pd.arrays.DatetimeArray(rest[0].view("datetime64[ns]"), dtype=_UTC)
        elif kind == "duration":
            data[name] = rest[0].view("timedelta64[ns]")
        elif kind == "uint":
            values, maximum = rest
            for limit, dtype in _UINT_TYPES:
                if maximum <= limit:
                    values = values.astype(dtype, copy=False)
                    break
            data[name] = values
        else:
            data[name] = rest[0]
    return _pd.DataFrame(data, copy=False)  # in names order; columns= would go through objects


def _date_text(value):
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y/%m/%d:%H" if hasattr(value, "hour") else "%Y/%m/%d")
    return str(value)


def _list_text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)
