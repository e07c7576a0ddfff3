// Renders a query's answer: tables whose key cells pivot the query, charts for
// top-N and time series, paging and sorting for records.
import type { Answer, SeriesAnswer, Stats, TableAnswer } from "./api";
import { barOrPie, timeLine } from "./charts";
import { formatNumber, h } from "./dom";
import type { QueryState } from "./state";

export interface ResultHooks {
  pivot?: (field: string, value: string, exclude: boolean) => void;
  sortBy?: (field: string) => void;
  page?: (delta: number) => void;
  compact?: boolean;
}

let openMenu: HTMLElement | null = null;
function closeMenu(): void {
  openMenu?.remove();
  openMenu = null;
}
document.addEventListener("click", (e) => {
  if (openMenu && !openMenu.contains(e.target as Node)) closeMenu();
});

function pivotMenu(cell: HTMLElement, field: string, value: string, hooks: ResultHooks): void {
  closeMenu();
  const pick = (exclude: boolean) => (e: Event) => {
    e.stopPropagation();
    closeMenu();
    hooks.pivot?.(field, value, exclude);
  };
  const menu = h("div", { class: "pivot-menu", role: "menu" },
    h("div", { class: "pivot-title" }, `${field} = ${value}`),
    h("button", { class: "pivot-keep", onclick: pick(false) }, "Filter on this value"),
    h("button", { class: "pivot-exclude", onclick: pick(true) }, "Exclude this value"));
  const r = cell.getBoundingClientRect();
  menu.style.left = `${r.left + window.scrollX}px`;
  menu.style.top = `${r.bottom + window.scrollY + 2}px`;
  document.body.append(menu);
  openMenu = menu;
}

function statsLine(s: Stats, extra = ""): HTMLElement {
  return h("div", { class: "stats" },
    `${formatNumber(s.records_passed)} of ${formatNumber(s.records_read)} records matched in ` +
    `${s.files} files (${s.blocks_skipped} blocks skipped by zone maps) in ${s.elapsed_ms} ms${extra}`,
    s.filter ? h("div", { class: "filter" }, h("code", {}, `weir filter ${s.filter}`)) : null,
    ...s.warnings.map((w) => h("div", { class: "warning" }, w)));
}

function table(a: TableAnswer, keyColumns: number, hooks: ResultHooks, sortable: boolean): HTMLElement {
  const head = h("tr", {}, ...a.columns.map((c) => {
    const th = h("th", { class: c.numeric ? "num" : "" }, c.title);
    if (sortable && hooks.sortBy) {
      th.classList.add("sortable");
      th.title = `sort by ${c.name}`;
      th.addEventListener("click", () => hooks.sortBy?.(c.name));
    }
    return th;
  }));
  const body = a.rows.map((row) => h("tr", {}, ...row.map((v, i) => {
    const c = a.columns[i];
    const text = typeof v === "number" && !Number.isInteger(v) ? v.toFixed(4) : String(v);
    const pivot = i < keyColumns && hooks.pivot && String(v) !== "";
    return h("td", {
      class: (c.numeric ? "num" : "") + (pivot ? " pivot" : ""),
      "data-field": pivot ? c.name : undefined,
      "data-value": pivot ? String(v) : undefined,
    }, text);
  })));
  const t = h("table", { class: `result result-${a.view}` }, h("thead", {}, head), h("tbody", {}, ...body));
  // One listener for every pivot cell: pages of many rows build and go faster.
  t.addEventListener("click", (e) => {
    const td = (e.target as HTMLElement).closest("td.pivot") as HTMLElement | null;
    if (!td) return;
    e.stopPropagation();
    pivotMenu(td, td.dataset.field!, td.dataset.value!, hooks);
  });
  return h("div", { class: "table-wrap" }, t);
}

function renderRecords(a: TableAnswer, hooks: ResultHooks): HTMLElement {
  const from = (a.offset ?? 0) + 1, to = (a.offset ?? 0) + a.rows.length;
  const total = a.total === null || a.total === undefined ? (a.more ? "more" : String(to)) : formatNumber(a.total);
  const pager = h("div", { class: "pager" },
    h("button", { class: "prev", disabled: (a.offset ?? 0) === 0, onclick: () => hooks.page?.(-1) }, "◀ Previous"),
    h("span", { class: "range" }, a.rows.length ? `rows ${from}–${to} of ${total}` : "no records"),
    h("button", { class: "next", disabled: !a.more, onclick: () => hooks.page?.(1) }, "Next ▶"));
  return h("div", { class: "records" }, hooks.compact ? null : pager,
    table(a, a.columns.length, hooks, true), statsLine(a.stats));
}

function renderGroups(a: TableAnswer, s: QueryState, hooks: ResultHooks): HTMLElement {
  const keys = a.keys ?? 1;
  const labels = a.rows.map((r) => r.slice(0, keys).join(" / "));
  const values = a.rows.map((r) => Number(r[keys]));
  const extra = ` — ${formatNumber(a.groups ?? 0)} groups`;
  const chart = a.view === "top" && a.rows.length
    ? barOrPie(s.chart, labels, values, a.columns[keys].title, (i) => {
      if (keys === 1) hooks.pivot?.(a.columns[0].name, String(a.rows[i][0]), false);
    })
    : null;
  return h("div", { class: `groups ${a.view}` }, chart,
    hooks.compact && chart ? null : table(a, keys, hooks, false), statsLine(a.stats, extra));
}

function renderSeries(a: SeriesAnswer, s: QueryState): HTMLElement {
  const index = { records: 1, bytes: 2, packets: 3 }[s.metric] ?? 2;
  const times = a.bins.map((b) => b[0]);
  const values = a.bins.map((b) => b[index]);
  const sum = (i: number) => a.bins.reduce((t, b) => t + b[i], 0);
  return h("div", { class: "series" },
    timeLine(times, [{ label: `${s.metric} per ${a.bin_ms / 1000} s`, values }]),
    h("div", { class: "totals" },
      `${a.bins.length} bins of ${a.bin_ms / 1000} s: ${formatNumber(sum(1))} records, ` +
      `${formatNumber(sum(2))} bytes, ${formatNumber(sum(3))} packets`),
    statsLine(a.stats));
}

export function renderAnswer(a: Answer, s: QueryState, hooks: ResultHooks): HTMLElement {
  switch (a.view) {
    case "records": return renderRecords(a, hooks);
    case "top":
    case "group": return renderGroups(a, s, hooks);
    case "series": return renderSeries(a, s);
    case "summary":
      return h("div", { class: "summary" },
        `${formatNumber(a.records)} records, ${formatNumber(a.bytes)} bytes, ${formatNumber(a.packets)} packets`,
        statsLine(a.stats));
  }
}
