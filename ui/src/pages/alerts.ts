// Alerts: what live detection (weir collect --detect) found. Open and past
// incidents from the repository's alert file, each incident's attack report, a
// rate chart of its flows around it, links into the query builder, and the rules
// in force. The page URL names the chosen incident (#/alerts?incident=ID).
import { api, type SeriesAnswer } from "../api";
import { timeLine } from "../charts";
import { clear, formatNumber, h } from "../dom";
import { defaultState, encodeState, toRequest, type QueryState } from "../state";

interface Top { key: string; packets: number; bytes: number; flows: number }
interface Report {
  victim: string; start: string; end: string; packets: number; bytes: number; flows: number;
  rates?: Record<string, number>;
  vectors?: { vector: string; service?: string; source_ports?: number[]; share: number; byte_share?: number }[];
  distinct_sources?: number; filter?: string;
  loop?: { suspected: boolean; share: number; crossings: number };
  [list: string]: unknown;
}
interface AlertEvent {
  event: "start" | "update" | "end"; incident: string; rule: string; scope: string; key: string;
  prefix?: string; direction: string; vector: string; time: string; start: string; metric: string;
  value: number; limit: number; peak: number; duration?: number; link?: string;
  rates?: { bps: number; pps: number; fps: number }; report?: Report;
}
interface OpenIncident { incident: string; rule: string; key: string; start: string; value: number; limit: number; peak: number }
interface DetectStatus {
  time: string; detector: Record<string, number | string>; open: OpenIncident[];
  alerts: { destination: string; delivered: number; failures: number; pending: number }[];
  bgp?: Record<string, number>; rules_source: string; rules: string[];
}
interface Detection { status: DetectStatus | null; events: AlertEvent[] }

// One incident as its events tell it: the first, the newest, and whether it ended.
interface Incident { id: string; first: AlertEvent; last: AlertEvent; ended: boolean }

function incidents(events: AlertEvent[]): Incident[] {
  const byId = new Map<string, Incident>();
  for (const e of events) {
    const i = byId.get(e.incident);
    if (i) { i.last = e; i.ended ||= e.event === "end"; } else {
      byId.set(e.incident, { id: e.incident, first: e, last: e, ended: e.event === "end" });
    }
  }
  return [...byId.values()].sort((a, b) => b.first.start.localeCompare(a.first.start));
}

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");

// The query builder on an incident's flows: from 5 minutes before it to 10 after
// its newest event, as weir detect --ui-url links it.
function flowsState(e: AlertEvent, view: QueryState["view"]): QueryState | null {
  const s = defaultState();
  s.view = view;
  s.last = "";
  s.type = "all";
  s.start = iso(ms(e.start) - 5 * 60_000);
  s.end = iso(ms(e.time) + 10 * 60_000);
  const out = e.direction === "outgoing";
  if (e.prefix) {
    const host = /\/(32|128)$/.test(e.prefix);
    s.expr = `${out ? "src" : "dst"} ${host ? "ip" : "net"} ${host ? e.prefix.replace(/\/\d+$/, "") : e.prefix}`;
  } else if (e.scope === "sensor") {
    s.sensors = e.key;
  } else {
    return null;
  }
  s.key = out ? "dip" : "sip";
  return s;
}

// The rate that matches the rule's metric: packets for packet counts, flows for
// flow and distinct counts, bits otherwise.
function rateOf(metric: string): { label: string; index: number; scale: number } {
  if (["packets", "syn_packets", "fragments"].includes(metric)) return { label: "packets/s", index: 3, scale: 1 };
  if (["flows", "sources", "dports"].includes(metric)) return { label: "flows/s", index: 1, scale: 1 };
  return { label: "bits/s", index: 2, scale: 8 };
}

function topTable(title: string, rows: Top[]): HTMLElement {
  return h("div", { class: "card" }, h("h3", {}, title), h("table", { class: `result report-${title.replaceAll(" ", "-")}` },
    h("thead", {}, h("tr", {}, h("th", {}, "key"), h("th", { class: "num" }, "packets"), h("th", { class: "num" }, "bytes"), h("th", { class: "num" }, "flows"))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, h("td", {}, String(r.key)), h("td", { class: "num" }, formatNumber(r.packets)),
      h("td", { class: "num" }, formatNumber(r.bytes)), h("td", { class: "num" }, formatNumber(r.flows)))))));
}

function reportView(r: Report): HTMLElement {
  const lists: [string, string][] = [["sources", "sources"], ["source_prefixes", "source prefixes"],
    ["source_ports", "source ports"], ["destination_ports", "destination ports"], ["tcp_flags", "TCP flags"],
    ["packet_sizes", "packet sizes"], ["sensors", "sensors"], ["interfaces", "interfaces"]];
  const rates = r.rates ?? {};
  return h("div", { class: "report", id: "incident-report" },
    h("div", { class: "cards" },
      ...(r.vectors ?? []).map((v) => h("div", { class: "card stat vector" },
        h("b", {}, v.vector), v.service ? ` ${v.service}` : "", ` ${(v.share * 100).toFixed(0)}% of packets`,
        v.source_ports?.length ? ` from ports ${v.source_ports.join(", ")}` : "")),
      h("div", { class: "card stat" }, h("b", {}, formatNumber(rates.peak_bps ?? 0)), "bits/s peak"),
      h("div", { class: "card stat" }, h("b", {}, formatNumber(rates.peak_pps ?? 0)), " packets/s peak"),
      h("div", { class: "card stat" }, h("b", {}, formatNumber(r.distinct_sources ?? 0)), " sources")),
    r.loop?.suspected ? h("div", { class: "status error", id: "loop-hint" },
      `Possible routing loop: ${(r.loop.share * 100).toFixed(0)}% of the packets are flows seen crossing ` +
      `${r.loop.crossings} times`) : null,
    h("div", { class: "overview" }, ...lists.filter(([k]) => Array.isArray(r[k]) && (r[k] as Top[]).length)
      .map(([k, title]) => topTable(title, r[k] as Top[]))),
    r.filter ? h("p", { class: "stats" }, "weir filter ", h("code", {}, r.filter)) : null);
}

async function rateChart(e: AlertEvent): Promise<HTMLElement> {
  const s = flowsState(e, "series");
  if (!s) return h("p", {}, "no rate chart for this key");
  const span = ms(s.end) - ms(s.start);
  s.bin = Math.max(1, Math.round(span / 1000 / 120));
  const a = await api<SeriesAnswer>("POST", "/api/query", toRequest(s));
  const rate = rateOf(e.metric);
  const seconds = a.bin_ms / 1000;
  return h("div", { id: "incident-chart" }, timeLine(a.bins.map((b) => b[0]),
    [{ label: rate.label, values: a.bins.map((b) => (b[rate.index] * rate.scale) / seconds) }]));
}

function describe(e: AlertEvent): string {
  return `${e.rule} on ${e.key} (${e.direction}) since ${e.start}` +
    (e.event === "end" ? `, ended after ${e.duration ?? 0} s` : "");
}

export function alertsPage(root: HTMLElement, chosen: string | null): () => void {
  const status = h("div", { class: "status" });
  const lists = h("div", { class: "overview", id: "alerts" });
  const detail = h("div", { id: "incident" });
  root.append(h("div", { class: "toolbar" }, h("h2", {}, "Alerts"), status), lists, detail);
  let selected = chosen;
  let shown = "";  // the event the detail shows: redrawn only when it changes
  let timer = 0;
  let stopped = false;

  async function showDetail(list: Incident[]): Promise<void> {
    const i = list.find((x) => x.id === selected);
    if (!i) { clear(detail); shown = ""; return; }
    const token = `${i.id}/${i.last.time}/${i.last.event}`;
    if (token === shown) return;
    shown = token;
    const e = i.last;
    const query = flowsState(e, "top");
    const chart = h("div", { class: "card wide" }, h("h3", {}, `Rate of the key's flows (${rateOf(e.metric).label})`), "loading...");
    clear(detail);
    detail.append(h("div", { class: "card wide incident-head" },
      h("h3", {}, `Incident ${i.id}: ${e.vector || e.metric}`), describe(e),
      h("p", {}, `metric ${e.metric}: ${formatNumber(e.value)} now, ${formatNumber(e.peak)} peak, limit ${formatNumber(e.limit)}`),
      query ? h("a", { id: "incident-flows", href: `#/query?q=${encodeState(query)}` }, "Flows in the query builder") : null),
      chart, e.report ? reportView(e.report) : h("p", {}, "no report"));
    try {
      const c = await rateChart(e);
      chart.lastChild?.remove();
      chart.append(c);
    } catch (err) {
      chart.lastChild?.remove();
      chart.append(h("p", { class: "error" }, (err as Error).message));
    }
  }

  function row(i: Incident): HTMLElement {
    const e = i.last;
    return h("tr", { class: `incident${i.id === selected ? " selected" : ""}`, "data-incident": i.id,
      onclick: () => {
        selected = i.id;
        history.replaceState(null, "", `#/alerts?incident=${i.id}`);
        void refresh();
      } },
    h("td", {}, i.first.start.replace("T", " ").replace(/\.\d+Z$/, "Z")), h("td", {}, e.rule), h("td", {}, e.key),
    h("td", {}, e.vector), h("td", { class: "num" }, formatNumber(e.peak)),
    h("td", {}, i.ended ? `${e.duration ?? 0} s` : "open"));
  }

  function table(id: string, title: string, list: Incident[]): HTMLElement {
    return h("div", { class: "card wide" }, h("h3", {}, `${title} (${list.length})`), list.length
      ? h("table", { class: "result incidents", id },
        h("thead", {}, h("tr", {}, ...["start", "rule", "key", "vector", "peak", "duration"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...list.map(row)))
      : h("p", {}, "none"));
  }

  async function refresh(): Promise<void> {
    window.clearTimeout(timer);
    try {
      const d = await api<Detection>("GET", "/api/detect?limit=2000");
      if (stopped) return;
      const all = incidents(d.events);
      const openIds = new Set((d.status?.open ?? []).map((o) => o.incident));
      const open = all.filter((i) => !i.ended && (openIds.has(i.id) || !d.status));
      const past = all.filter((i) => !open.includes(i));
      clear(lists);
      const st = d.status;
      lists.append(
        h("div", { class: "card wide", id: "detector" }, h("h3", {}, "Detector"), st
          ? `${Date.now() - ms(st.time) > 10_000 ? "stopped" : "running"}: ${formatNumber(Number(st.detector.records ?? 0))} records, ${formatNumber(Number(st.detector.incidents ?? 0))} incidents, ` +
            `flow time ${st.detector.flow_time || "-"}, status of ${st.time}` +
            st.alerts.map((a) => `; ${a.destination}: ${a.delivered} delivered, ${a.pending} pending, ${a.failures} failures`).join("")
          : "no detector has written a status here (weir collect --detect writes one)"),
        table("open-incidents", "Open incidents", open), table("past-incidents", "Past incidents", past),
        h("div", { class: "card wide", id: "rules" }, h("h3", {}, `Rules in force${st ? ` (${st.rules_source})` : ""}`),
          st ? h("ul", {}, ...st.rules.map((r) => h("li", {}, h("code", {}, r)))) : "none"));
      status.textContent = `${all.length} incidents, updated ${new Date().toISOString().slice(11, 19)} UTC`;
      await showDetail(all);
    } catch (e) {
      status.textContent = (e as Error).message;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), 5000);
  }
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
