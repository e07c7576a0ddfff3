// The live overview: rates per sensor, top talkers, ports and protocols over
// the last N minutes, refreshed on an interval.
import { api } from "../api";
import { barOrPie, timeLine } from "../charts";
import { clear, formatNumber, h } from "../dom";

interface Overview {
  start: number; end: number; bin_ms: number;
  sensors: { sensor: string; flows: number; flows_per_s: number; bits_per_s: number; packets_per_s: number }[];
  talkers: [string, number][]; ports: [string, number][]; protocols: [string, number][];
  series: number[][];
}

export function overviewPage(root: HTMLElement): () => void {
  const minutes = h("select", { id: "overview-minutes" },
    ...[5, 15, 60, 360, 1440].map((m) => h("option", { value: m, selected: m === 15 }, m < 60 ? `${m} minutes` : `${m / 60} hours`)));
  const every = h("select", { id: "overview-refresh" },
    ...[5, 10, 30, 60].map((s) => h("option", { value: s, selected: s === 10 }, `every ${s} s`)));
  const status = h("div", { class: "status" });
  const body = h("div", { class: "overview", id: "overview" });
  root.append(h("div", { class: "toolbar" }, h("h2", {}, "Live overview"), "last ", minutes, " refreshed ", every, status), body);
  let timer = 0;
  let stopped = false;
  async function refresh(): Promise<void> {
    window.clearTimeout(timer);
    try {
      const o = await api<Overview>("GET", `/api/overview?minutes=${minutes.value}`);
      if (stopped) return;
      clear(body);
      const total = o.sensors.reduce((t, s) => ({ f: t.f + s.flows_per_s, b: t.b + s.bits_per_s, p: t.p + s.packets_per_s }), { f: 0, b: 0, p: 0 });
      body.append(
        h("div", { class: "cards" },
          h("div", { class: "card stat" }, h("b", {}, formatNumber(total.f)), " flows/s"),
          h("div", { class: "card stat" }, h("b", {}, formatNumber(total.b)), "bits/s"),
          h("div", { class: "card stat" }, h("b", {}, formatNumber(total.p)), " packets/s")),
        h("div", { class: "card wide" }, h("h3", {}, "Bytes over time"),
          timeLine(o.series.map((b) => b[0]), [{ label: "bytes", values: o.series.map((b) => b[2]) }])),
        h("div", { class: "card" }, h("h3", {}, "Per sensor"), h("table", { class: "result" },
          h("thead", {}, h("tr", {}, h("th", {}, "sensor"), h("th", { class: "num" }, "flows/s"), h("th", { class: "num" }, "bits/s"), h("th", { class: "num" }, "packets/s"))),
          h("tbody", {}, ...o.sensors.map((s) => h("tr", {}, h("td", {}, s.sensor), h("td", { class: "num" }, formatNumber(s.flows_per_s)),
            h("td", { class: "num" }, formatNumber(s.bits_per_s)), h("td", { class: "num" }, formatNumber(s.packets_per_s))))))),
        ...([["Top talkers (bytes)", o.talkers], ["Top destination ports (bytes)", o.ports], ["Top protocols (bytes)", o.protocols]] as [string, [string, number][]][])
          .map(([title, list]) => h("div", { class: "card" }, h("h3", {}, title),
            list.length ? barOrPie("bar", list.map((x) => x[0]), list.map((x) => x[1]), "bytes") : h("p", {}, "no flows"))));
      status.textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
    } catch (e) {
      status.textContent = (e as Error).message;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), Number(every.value) * 1000);
  }
  minutes.addEventListener("change", () => void refresh());
  every.addEventListener("change", () => void refresh());
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
