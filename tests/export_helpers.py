#!/usr/bin/python3
"""Helpers for tests/export_test.sh (weir export), using only Python's standard library.

  tuples FILE FIELD...    each JSON line of FILE parsed with a real JSON parser;
                          prints the fields space-separated, one line per record
  receiver ...            an HTTP receiver that checks the exact wire formats of
                          Elasticsearch _bulk, Splunk HEC and plain POST, and can
                          answer 429/500, refuse items, or stall on demand
  community EXPORT TSHARK every Community ID weir exported equals the one tshark
                          computed for the packets of the same 5-tuple
"""
import argparse
import http.server
import json
import socketserver
import sys
import threading
import time


def tuples(args):
    with open(args.file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{args.file}:{number}: invalid JSON: {e}: {line[:200]}")
            values = []
            for field in args.fields:
                value = record
                for part in field.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                values.append(str(value))
            print(" ".join(values))


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by receiver()

    def log_message(self, fmt, *args):  # quiet
        pass

    def violation(self, message):
        with self.state["lock"]:
            self.state["violations"].append(message)
        self.reply(400, {"error": message})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        s = self.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.headers.get("Content-Encoding") == "gzip":
            import gzip
            body = gzip.decompress(body)
        with s["lock"]:
            s["requests"] += 1
            request = s["requests"]
        for name, value in s["want_headers"].items():
            if self.headers.get(name) != value:
                return self.violation(f"header {name} is {self.headers.get(name)!r}, want {value!r}")
        if request <= s["stall_first"]:
            time.sleep(s["stall_seconds"])
        if request <= s["fail_first"]:
            return self.reply(s["fail_status"], {"error": "busy", "status": s["fail_status"]})
        if s["mode"] == "es":
            return self.bulk(body)
        if s["mode"] == "hec":
            return self.hec(body)
        return self.post(body)

    def store(self, doc):
        s = self.state
        with s["lock"]:
            s["out"].write(json.dumps(doc, sort_keys=True) + "\n")
            s["out"].flush()

    def bulk(self, body):
        s = self.state
        if self.path.rstrip("/").split("?")[0] != s["path"] + "/_bulk":
            return self.violation(f"bulk to {self.path}")
        if self.headers.get("Content-Type") != "application/x-ndjson":
            return self.violation(f"bulk Content-Type {self.headers.get('Content-Type')}")
        text = body.decode("utf-8")
        if not text.endswith("\n"):
            return self.violation("bulk body does not end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) % 2:
            return self.violation("bulk body has an odd number of lines")
        items = []
        errors = False
        for i in range(0, len(lines), 2):
            try:
                action = json.loads(lines[i])
                doc = json.loads(lines[i + 1])
            except json.JSONDecodeError as e:
                return self.violation(f"bulk line is not JSON: {e}")
            meta = action.get("create")
            if list(action) != ["create"] or not isinstance(meta, dict):
                return self.violation(f"bulk action {lines[i]}")
            if not meta.get("_index", "").startswith(s["index_prefix"]) or len(meta.get("_id", "")) != 16:
                return self.violation(f"bulk action {lines[i]}")
            doc_id = meta["_id"]
            with s["lock"]:
                seen = doc_id in s["ids"]
                attempt = s["item_attempts"].get(doc_id, 0) + 1
                s["item_attempts"][doc_id] = attempt
            if s["reject_marker"] and s["reject_marker"] in lines[i + 1]:
                errors = True
                items.append({"create": {"_id": doc_id, "status": 400, "error": {
                    "type": "mapper_parsing_exception", "reason": "refused by the test"}}})
            elif attempt <= s["item_429_first"] and len(items) % 3 == 1:
                errors = True
                items.append({"create": {"_id": doc_id, "status": 429, "error": {
                    "type": "es_rejected_execution_exception", "reason": "queue full"}}})
            elif seen:
                errors = True
                items.append({"create": {"_id": doc_id, "status": 409, "error": {
                    "type": "version_conflict_engine_exception", "reason": "exists"}}})
            else:
                with s["lock"]:
                    s["ids"].add(doc_id)
                doc["_index"] = meta["_index"]
                doc["_id"] = doc_id
                self.store(doc)
                items.append({"create": {"_index": meta["_index"], "_id": doc_id, "status": 201}})
        self.reply(200, {"took": 1, "errors": errors, "items": items})

    def hec(self, body):
        s = self.state
        path = self.path.split("?")[0]
        if path == s["path"] + "/services/collector/ack":
            if not self.headers.get("X-Splunk-Request-Channel"):
                return self.violation("ack without a channel")
            acks = json.loads(body)["acks"]
            with s["lock"]:
                s["ack_polls"] += 1
                ready = s["ack_polls"] % 2 == 0  # every other poll says "not yet"
            return self.reply(200, {"acks": {str(a): ready for a in acks}})
        if path != s["path"] + "/services/collector/event":
            return self.violation(f"HEC to {self.path}")
        if self.headers.get("Authorization") != "Splunk " + s["token"]:
            return self.reply(401, {"text": "Invalid token", "code": 4})
        decoder = json.JSONDecoder()
        text = body.decode("utf-8")
        at = 0
        while True:
            while at < len(text) and text[at] in " \n\r\t":
                at += 1
            if at == len(text):
                break
            try:
                event, at = decoder.raw_decode(text, at)
            except json.JSONDecodeError as e:
                return self.violation(f"HEC body is not JSON objects: {e}")
            if set(event) != {"time", "source", "sourcetype", "event"} or not isinstance(event["event"], dict):
                return self.violation(f"HEC envelope {sorted(event)}")
            if not isinstance(event["time"], (int, float)):
                return self.violation("HEC time is not a number")
            self.store(event)
        answer = {"text": "Success", "code": 0}
        if s["ack"]:
            if not self.headers.get("X-Splunk-Request-Channel"):
                return self.reply(400, {"text": "Data channel is missing", "code": 10})
            with s["lock"]:
                s["next_ack"] += 1
                answer["ackId"] = s["next_ack"]
        self.reply(200, answer)

    def post(self, body):
        for line in body.decode("utf-8").splitlines():
            try:
                self.store(json.loads(line))
            except json.JSONDecodeError as e:
                return self.violation(f"POST line is not JSON: {e}")
        self.reply(200, {"ok": True})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def receiver(args):
    state = {
        "lock": threading.Lock(), "requests": 0, "violations": [], "ids": set(), "item_attempts": {},
        "mode": args.mode, "path": args.path.rstrip("/"), "fail_first": args.fail_first,
        "fail_status": args.fail_status, "stall_first": args.stall_first, "stall_seconds": args.stall_seconds,
        "item_429_first": args.item_429_first, "reject_marker": args.reject_marker,
        "token": args.token, "ack": args.ack, "ack_polls": 0, "next_ack": 0,
        "index_prefix": args.index_prefix, "want_headers": dict(h.split(": ", 1) for h in args.header),
        "out": open(args.out, "a", encoding="utf-8"),
    }
    Receiver.state = state
    server = Server(("127.0.0.1", args.port), Receiver)
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        while True:
            time.sleep(0.2)
            with state["lock"]:
                with open(args.out + ".violations", "w") as f:
                    f.write("".join(v + "\n" for v in state["violations"]))
                with open(args.out + ".requests", "w") as f:
                    f.write(str(state["requests"]))
    except KeyboardInterrupt:
        pass


def community(args):
    """Every (address, port, protocol) tuple weir exported has tshark's Community ID."""
    seen = {}
    with open(args.tshark) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 7 or not parts[6]:
                continue
            src, dst, proto, sport, dport, itype, cid = parts
            if not src or not dst or "," in proto:  # tunnels: several headers
                continue
            key = (src, dst, proto, sport or itype, dport)
            seen.setdefault(key, set()).add(cid)
    checked = mismatched = 0
    with open(args.export) as f:
        for line in f:
            r = json.loads(line)
            proto = str(r["protocol"])
            if proto in ("1", "58"):
                key = (r["sip"], r["dip"], proto, str(r["icmp_type"]), "")
            else:
                key = (r["sip"], r["dip"], proto, str(r["sport"]), str(r["dport"]))
            if key not in seen:
                continue
            checked += 1
            if r["community_id"] not in seen[key]:
                mismatched += 1
                if mismatched <= 5:
                    print(f"mismatch {key}: weir {r['community_id']}, tshark {sorted(seen[key])}", file=sys.stderr)
    print(f"{checked} flows checked, {mismatched} mismatched")
    if mismatched or checked < args.min_checked:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tuples")
    p.add_argument("file")
    p.add_argument("fields", nargs="+")
    p.set_defaults(run=tuples)
    p = sub.add_parser("receiver")
    p.add_argument("--mode", choices=["es", "hec", "post"], required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--path", default="")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=429)
    p.add_argument("--stall-first", type=int, default=0)
    p.add_argument("--stall-seconds", type=float, default=3)
    p.add_argument("--item-429-first", type=int, default=0)
    p.add_argument("--reject-marker", default="")
    p.add_argument("--token", default="")
    p.add_argument("--ack", action="store_true")
    p.add_argument("--index-prefix", default="weir-flows-")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert", default="")
    p.add_argument("--tls-key", default="")
    p.set_defaults(run=receiver)
    p = sub.add_parser("community")
    p.add_argument("export")
    p.add_argument("tshark")
    p.add_argument("--min-checked", type=int, default=1)
    p.set_defaults(run=community)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
