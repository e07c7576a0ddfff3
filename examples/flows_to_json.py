#!/usr/bin/python3
"""Flow records as JSON Lines, one object per record: the serializer from the
original write-up (PySiLK's SilkFile loop feeding a SIEM), written for weir.

    flows_to_json.py FILE...          # weir flow files, or - for a stream:
    weir filter --type=all --start-date=2026/11/26:13 --pass=- | flows_to_json.py -

Times are RFC 3339 UTC with milliseconds; addresses and names are strings. For
continuous export with a cursor, ECS and Community ID, `weir export` is the tool;
this shows the record API.
"""
import json
import sys

import weir


def record_json(rec):
    d = rec.as_dict()
    for key in ("stime", "etime"):
        d[key] = d[key].isoformat(timespec="milliseconds").replace("+00:00", "Z")
    d["duration"] = d["duration"].total_seconds()
    for key in ("sip", "dip", "nhip"):
        d[key] = str(d[key])
    return json.dumps(d, separators=(",", ":"))


def main(paths):
    out = sys.stdout
    for path in paths or ["-"]:
        with weir.FlowFile(path) as flows:
            for rec in flows:
                out.write(record_json(rec) + "\n")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (weir.Error, OSError, ValueError) as e:
        sys.exit("flows_to_json: %s" % e)
    except BrokenPipeError:
        pass
