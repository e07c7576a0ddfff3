// IDS alerts: the Suricata alerts of the EVE files weir serve was given (--eve),
// each joined to its flows (doc/ids.md). Sortable by the bytes of their
// connection; choosing one shows its traffic, records and the internal host's
// traffic, with a host timeline in the query builder.
import { api } from "../api";
import { clear, formatNumber, h } from "../dom";
import { defaultState, encodeState } from "../state";

interface Top { address?: string; port?: string; bytes: number }
interface Flow { sip: string; dip: string; sport: number; dport: number; protocol: number; packets: number; bytes: number; stime: string; etime: string; sensor: string }
interface Weir {
  match: string; flows: Flow[];
  traffic: { bytes_toserver: number; bytes_toclient: number; packets_toserver: number; packets_toclient: number; records: number; first_seen?: string; last_seen?: string };
  host?: { address: string; start: string; end: string; bytes_in: number; bytes_out: number; packets_in: number; packets_out: number; records: number; peers: number; top_peers: Top[]; top_ports: Top[]; spread: { peer: string; hosts: number; top_hosts: Top[] } };
}
interface Alert {
  timestamp: string; src_ip: string; src_port?: number; dest_ip: string; dest_port?: number; proto: string | number;
  alert: { signature_id: number; signature: string; severity: number; category?: string };
  weir: Weir;
}
interface IdsAnswer { alerts: Alert[]; more: boolean; stats: Record<string, number>; problems: string[] }

const bytesOf = (a: Alert) => a.weir.traffic.bytes_toserver + a.weir.traffic.bytes_toclient;

function topList(title: string, list: Top[]): HTMLElement {
  return h("div", { class: "card" }, h("h3", {}, title), list.length
    ? h("table", { class: "result" }, h("tbody", {}, ...list.map((t) =>
      h("tr", {}, h("td", {}, t.address ?? t.port ?? ""), h("td", { class: "num" }, formatNumber(t.bytes))))))
    : h("p", {}, "none"));
}

// The query builder on the internal host: its traffic over the summary's window.
function timelineLink(host: NonNullable<Weir["host"]>): string {
  const s = defaultState();
  s.view = "series";
  s.last = "";
  s.type = "all";
  s.start = host.start;
  s.end = host.end;
  s.expr = `ip ${host.address}`;
  s.bin = 60;
  return `#/query?q=${encodeState(s)}`;
}

function detail(a: Alert): HTMLElement {
  const w = a.weir;
  const t = w.traffic;
  const host = w.host;
  return h("div", { id: "ids-alert", class: "overview" },
    h("div", { class: "card wide" }, h("h3", {}, `${a.alert.signature} (${a.alert.signature_id})`),
      h("p", {}, `${a.timestamp}: ${a.src_ip}:${a.src_port ?? ""} -> ${a.dest_ip}:${a.dest_port ?? ""} ${a.proto}; ` +
        `joined by ${w.match}`),
      h("p", { id: "ids-traffic" }, `connection: ${formatNumber(t.bytes_toserver)} bytes to the server, ` +
        `${formatNumber(t.bytes_toclient)} to the client, ${t.records} records` +
        (t.first_seen ? `, ${t.first_seen} to ${t.last_seen}` : "")),
      host ? h("a", { id: "ids-timeline", href: timelineLink(host) }, `Timeline of ${host.address}`) : null),
    w.flows.length ? h("div", { class: "card wide" }, h("h3", {}, "Records of the connection"),
      h("table", { class: "result", id: "ids-flows" },
        h("thead", {}, h("tr", {}, ...["sip", "dip", "sport", "dport", "packets", "bytes", "stime", "etime", "sensor"].map((c) => h("th", {}, c)))),
        h("tbody", {}, ...w.flows.map((f) => h("tr", {}, h("td", {}, f.sip), h("td", {}, f.dip), h("td", {}, String(f.sport)),
          h("td", {}, String(f.dport)), h("td", { class: "num" }, formatNumber(f.packets)), h("td", { class: "num" }, formatNumber(f.bytes)),
          h("td", {}, f.stime), h("td", {}, f.etime), h("td", {}, f.sensor))))))
      : null,
    host ? h("div", { class: "card wide", id: "ids-host" }, h("h3", {}, `Host ${host.address}, ${host.start} to ${host.end}`),
      `${formatNumber(host.bytes_in)} bytes in, ${formatNumber(host.bytes_out)} out, ${host.records} records, ${host.peers} peers; ` +
      `${host.spread.hosts} other internal hosts talked to ${host.spread.peer}`) : null,
    host ? topList("Top peers", host.top_peers) : null,
    host ? topList("Top ports", host.top_ports) : null,
    host ? topList(`Other hosts with ${host.spread.peer}`, host.spread.top_hosts) : null);
}

export function idsPage(root: HTMLElement): void {
  const hours = h("select", { id: "ids-hours" },
    ...[1, 6, 24, 168, 720, 8760].map((n) => h("option", { value: n, selected: n === 24 }, n < 24 ? `${n} hours` : `${n / 24} days`)));
  const status = h("div", { class: "status" });
  const list = h("div", { id: "ids" });
  const panel = h("div", {});
  root.append(h("div", { class: "toolbar" }, h("h2", {}, "IDS alerts"), "last ", hours, status), list, panel);
  let alerts: Alert[] = [];
  let byBytes = false;

  function render(): void {
    clear(list);
    if (!alerts.length) {
      list.append(h("p", {}, "no alerts in this time (weir serve --eve names the EVE files)"));
      return;
    }
    const rows = byBytes ? [...alerts].sort((x, y) => bytesOf(y) - bytesOf(x)) : alerts;
    list.append(h("table", { class: "result incidents", id: "ids-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "time"), h("th", {}, "signature"), h("th", {}, "sev"),
        h("th", {}, "source"), h("th", {}, "destination"), h("th", {}, "match"),
        h("th", { class: "num sortable", id: "ids-sort-bytes", onclick: () => { byBytes = !byBytes; render(); } },
          byBytes ? "bytes v" : "bytes"))),
      h("tbody", {}, ...rows.map((a) => h("tr", { class: "incident", onclick: () => { clear(panel); panel.append(detail(a)); } },
        h("td", {}, a.timestamp), h("td", {}, a.alert.signature), h("td", {}, String(a.alert.severity)),
        h("td", {}, `${a.src_ip}:${a.src_port ?? ""}`), h("td", {}, `${a.dest_ip}:${a.dest_port ?? ""}`),
        h("td", {}, a.weir.match), h("td", { class: "num" }, formatNumber(bytesOf(a))))))));
  }

  async function load(): Promise<void> {
    status.textContent = "loading...";
    try {
      const answer = await api<IdsAnswer>("GET", `/api/ids?hours=${hours.value}&limit=500`);
      alerts = answer.alerts;
      status.textContent = `${answer.stats.alerts} alerts, ${answer.stats.matched} joined to flows` +
        (answer.more ? " (the newest 500)" : "") + (answer.problems.length ? `; ${answer.problems.length} bad lines` : "");
      clear(panel);
      render();
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  }
  hours.addEventListener("change", () => void load());
  void load();
}
