// The query page: the builder on the left, the answer on the right. The state
// lives in the URL (#/query?q=...), so every query is a shareable link.
import { api, ApiError, type Answer, type SiteInfo } from "../api";
import { clear, h } from "../dom";
import { renderAnswer } from "../results";
import { decodeState, encodeState, toRequest, type QueryState, type ViewName } from "../state";

const switchBoxes: [string, string, string][] = [
  ["saddress", "Source addresses", "10.0.0.0/8,192.168.1.x"],
  ["daddress", "Destination addresses", "203.0.113.0/24"],
  ["any-address", "Either address", ""],
  ["sport", "Source ports", "1024-65535"],
  ["dport", "Destination ports", "53,80,443"],
  ["aport", "Either port", ""],
  ["protocol", "Protocols", "6,17"],
  ["flags-all", "TCP flags (HIGH/MASK)", "S/SA"],
  ["bytes", "Bytes (range)", "1000000-"],
  ["packets", "Packets (range)", "1-3"],
];

const views: [ViewName, string][] = [
  ["records", "Records"], ["top", "Top-N"], ["series", "Time series"], ["group", "Group-by"],
];

let site: SiteInfo | null = null;
async function loadSite(): Promise<SiteInfo> {
  if (!site) site = await api<SiteInfo>("GET", "/api/site");
  return site;
}

function field(label: string, input: HTMLElement, help = ""): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), input,
    help ? h("small", {}, help) : null);
}

function select(id: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = h("select", { id }, ...options.map(([v, t]) => h("option", { value: v }, t)));
  s.value = value;
  return s;
}

// Returns what to do when the page is left: stop its running query.
export async function queryPage(root: HTMLElement, hashQuery: string | null): Promise<() => void> {
  const info = await loadSite();
  let state: QueryState = decodeState(hashQuery);
  let controller: AbortController | null = null;
  let runningId = "";
  let summaryId = "";  // the running query of a page's total, if any
  let totalKey = "";  // the filter whose record total is known
  let total = 0;

  const results = h("div", { id: "results", class: "results" });
  const status = h("div", { id: "status", class: "status" });
  const form = h("form", { id: "builder", class: "builder" });
  const actions = h("div", { class: "actions" });
  root.append(h("div", { class: "query-page" }, form, h("section", { class: "answer" }, actions, status, results)));

  const value = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement | null)?.value ?? "";
  const checked = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement | null)?.checked ?? false;

  function readForm(): void {
    const range = value("time-range");
    state.last = range === "custom" ? "" : range;
    state.start = value("start");
    state.end = value("end");
    state.class = value("class");
    const types = [...form.querySelectorAll<HTMLInputElement>(".type-box:checked")].map((b) => b.value);
    state.type = types.includes("all") ? "all" : types.join(",");
    state.sensors = [...(form.querySelector("#sensors") as HTMLSelectElement).selectedOptions]
      .map((o) => o.value).join(",");
    state.switches = {};
    for (const [name] of switchBoxes) state.switches[name] = value(`sw-${name}`);
    state.ipset = value("ipset");
    state.expr = value("expr");
    state.exclude = value("exclude");
    state.raw = value("raw");
    if (state.view === "records") {
      state.fields = value("fields");
      state.sort = value("sort");
      state.desc = checked("desc");
      state.limit = Number(value("limit")) || 100;
    } else if (state.view === "top") {
      state.key = value("key");
      state.values = value("values");
      state.count = Number(value("count")) || 10;
      state.chart = value("chart") === "pie" ? "pie" : "bar";
    } else if (state.view === "group") {
      state.key = value("group-key");
      state.values = value("group-values");
      state.count = Number(value("count")) || 1000;
    } else {
      state.bin = Number(value("bin")) || 300;
      state.scheme = value("scheme");
      state.metric = value("metric") as QueryState["metric"];
    }
  }

  function buildForm(): void {
    clear(form);
    const cls = info.classes.find((c) => c.name === (state.class || info.default_class)) ?? info.classes[0];
    const typeSet = new Set(state.type ? state.type.split(",") : cls?.default_types ?? []);
    const fieldOptions: [string, string][] = info.fields.map((f) => [f.name, `${f.name} — ${f.description}`]);
    const tabs = h("div", { class: "tabs", role: "tablist" }, ...views.map(([v, t]) =>
      h("button", {
        type: "button", class: `tab${state.view === v ? " active" : ""}`, "data-view": v,
        onclick: () => { readForm(); state.view = v; state.offset = 0; buildForm(); },
      }, t)));
    const custom = state.last === "";
    const timeSelect = select("time-range", [["15m", "Last 15 minutes"], ["1h", "Last hour"],
      ["1d", "Last day"], ["1w", "Last week"], ["custom", "Between…"]], custom ? "custom" : state.last);
    timeSelect.addEventListener("change", () => { readForm(); buildForm(); });
    const viewParams: HTMLElement[] = [];
    if (state.view === "records") {
      viewParams.push(
        field("Fields", h("input", { id: "fields", value: state.fields, placeholder: info.default_fields.join(",") })),
        field("Sort by", select("sort", [["", "storage order"], ...info.fields.map((f): [string, string] => [f.name, f.name])], state.sort)),
        h("label", { class: "check" }, h("input", { type: "checkbox", id: "desc", checked: state.desc }), "descending"),
        field("Rows per page", h("input", { id: "limit", type: "number", min: 1, value: state.limit })));
    } else if (state.view === "top") {
      viewParams.push(
        field("Key", select("key", fieldOptions, state.key.includes(",") ? "dip" : state.key)),
        field("Ranked by", select("values", [["bytes", "bytes"], ["packets", "packets"], ["records", "records (flows)"],
          ["dip-distinct", "distinct destinations"], ["sip-distinct", "distinct sources"]], state.values)),
        field("Count", h("input", { id: "count", type: "number", min: 1, value: state.count })),
        field("Chart", select("chart", [["bar", "bar"], ["pie", "pie"]], state.chart)));
    } else if (state.view === "group") {
      viewParams.push(
        field("Key fields", h("input", { id: "group-key", value: state.key, placeholder: "sip,dport" })),
        field("Values", h("input", { id: "group-values", value: state.values, placeholder: "records,bytes,packets" }),
          "records, bytes, packets, sip-distinct, dip-distinct, distinct:FIELD, stime-earliest, etime-latest"),
        field("Groups shown", h("input", { id: "count", type: "number", min: 1, value: state.count })));
    } else {
      viewParams.push(
        field("Bin size", select("bin", [["60", "1 minute"], ["300", "5 minutes"], ["900", "15 minutes"],
          ["3600", "1 hour"], ["86400", "1 day"]], String(state.bin))),
        field("Load scheme", select("scheme", ["time-proportional", "bin-uniform", "start-spike", "end-spike",
          "middle-spike", "maximum-volume", "minimum-volume"].map((s): [string, string] => [s, s]), state.scheme)),
        field("Chart", select("metric", [["bytes", "bytes"], ["packets", "packets"], ["records", "records"]], state.metric)));
    }
    const pivots = h("div", { id: "pivots", class: "pivots" }, ...state.where.map((p, i) =>
      h("span", { class: `chip${p.exclude ? " exclude" : ""}` }, `${p.exclude ? "not " : ""}${p.field} = ${p.value}`,
        h("button", { type: "button", class: "chip-remove", title: "remove", onclick: () => {
          readForm(); state.where.splice(i, 1); buildForm(); void run();
        } }, "×"))));
    form.append(
      tabs,
      h("fieldset", {}, h("legend", {}, "Time (UTC)"), field("Range", timeSelect),
        custom ? field("Start", h("input", { id: "start", value: state.start, placeholder: "2026-11-26T00:00Z or 2026/11/26:00" })) : null,
        custom ? field("End", h("input", { id: "end", value: state.end, placeholder: "2026-11-27T00:00Z" })) : null),
      h("fieldset", {}, h("legend", {}, "Repository"),
        field("Class", select("class", info.classes.map((c): [string, string] => [c.name, c.name]), cls?.name ?? "")),
        h("div", { class: "types" }, h("span", {}, "Types"),
          h("label", { class: "check" }, h("input", { type: "checkbox", class: "type-box", value: "all", checked: typeSet.has("all") }), "all"),
          ...(cls?.types ?? []).map((t) => h("label", { class: "check" },
            h("input", { type: "checkbox", class: "type-box", value: t, checked: typeSet.has(t) }), t))),
        field("Sensors", h("select", { id: "sensors", multiple: true, size: Math.min(5, info.sensors.length) },
          ...info.sensors.map((s) => h("option", { value: s.name, selected: state.sensors.split(",").includes(s.name) }, s.name))),
          "none selected: every sensor")),
      h("fieldset", {}, h("legend", {}, "Filter"),
        ...switchBoxes.map(([name, label, placeholder]) =>
          field(label, h("input", { id: `sw-${name}`, value: state.switches[name] ?? "", placeholder }))),
        field("IP set (either address)", h("textarea", { id: "ipset", rows: 2, placeholder: "10.1.2.3 10.9.0.0/16" }, state.ipset)),
        field("Expression", h("textarea", { id: "expr", rows: 2, placeholder: "proto tcp and dst port 443 and bytes > 1M" }, state.expr)),
        field("Exclude (expression)", h("input", { id: "exclude", value: state.exclude, placeholder: "src net 10.0.0.0/8" })),
        field("Raw switches", h("input", { id: "raw", value: state.raw, placeholder: "--dport=53 --not-saddress=10.0.0.0/8" }),
          "weir filter's selection and partitioning switches"),
        pivots),
      h("fieldset", {}, h("legend", {}, views.find(([v]) => v === state.view)?.[1] ?? ""), ...viewParams),
      h("div", { class: "run-row" }, h("button", { type: "submit", id: "run", class: "primary" }, "Run query")));
    (form.querySelector("#class") as HTMLSelectElement).addEventListener("change", () => {
      readForm(); state.type = ""; buildForm();
    });
  }

  function buildActions(): void {
    clear(actions);
    const link = () => `/api/download?q=${encodeURIComponent(JSON.stringify(toRequest(state)))}`;
    const name = h("input", { id: "save-name", placeholder: "name this query" });
    const shared = h("input", { type: "checkbox", id: "save-shared" });
    actions.append(
      h("button", { id: "cancel", type: "button", disabled: true, onclick: () => void cancel() }, "Cancel"),
      h("a", { id: "download-csv", class: "button", href: link() + "&format=csv", download: "" }, "CSV"),
      h("a", { id: "download-json", class: "button", href: link() + "&format=json", download: "" }, "JSON"),
      h("button", { id: "share", type: "button", onclick: () => {
        void navigator.clipboard?.writeText(location.href).catch(() => undefined);
        status.textContent = `Link to this query: ${location.href}`;
      } }, "Copy link"),
      h("span", { class: "save" }, name, h("label", { class: "check" }, shared, "shared"),
        h("button", { id: "save", type: "button", onclick: () => void save(name.value, shared.checked) }, "Save")));
  }

  async function save(name: string, shared: boolean): Promise<void> {
    readForm();
    if (!name.trim()) { status.textContent = "Give the query a name to save it."; return; }
    try {
      const doc = await api<{ id: number }>("POST", "/api/saved", { name: name.trim(), shared, query: state });
      status.textContent = `Saved as "${name.trim()}" (#${doc.id}).`;
    } catch (e) {
      status.textContent = `Not saved: ${(e as Error).message}`;
    }
  }

  function stopOnServer(): void {
    for (const q of [runningId, summaryId])
      if (q) void api("DELETE", `/api/queries/${q}`).catch(() => undefined);
    summaryId = "";
  }

  async function cancel(): Promise<void> {
    stopOnServer();
    controller?.abort();
  }

  async function run(): Promise<void> {
    readForm();
    history.replaceState(null, "", `#/query?q=${encodeState(state)}`);
    buildActions();
    // A query still running is superseded: stop it on the server too.
    stopOnServer();
    controller?.abort();
    controller = new AbortController();
    const id = `ui${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    runningId = id;
    const cancelButton = actions.querySelector("#cancel") as HTMLButtonElement;
    cancelButton.disabled = false;
    status.textContent = "Running…";
    results.classList.add("busy");
    const started = performance.now();
    try {
      const answer = await api<Answer>("POST", "/api/query", toRequest(state, id), controller.signal);
      clear(results);
      results.append(renderAnswer(answer, state, {
        pivot: (f, v, exclude) => { state.where.push({ field: f, value: v, exclude }); state.offset = 0; buildForm(); void run(); },
        sortBy: (f) => { state.desc = state.sort === f ? !state.desc : true; state.sort = f; state.offset = 0; buildForm(); void run(); },
        page: (d) => { state.offset = Math.max(0, state.offset + d * state.limit); void run(); },
      }));
      status.textContent = `Answered in ${Math.round(performance.now() - started)} ms.`;
      results.dataset.view = answer.view;
      if (answer.view === "records" && (answer.total === null || answer.total === undefined)) {
        // The total of an unsorted page comes from a summary of the same filter,
        // asked once per filter (paging reuses it).
        const { offset: _o, limit: _l, sort: _s, desc: _d, fields: _f, id: _i, ...filter } = toRequest(state);
        const key = JSON.stringify(filter);
        if (key !== totalKey) {
          summaryId = `${id}t`;
          const summary = await api<Answer>("POST", "/api/query", { ...filter, view: "summary", id: summaryId },
            controller.signal);
          summaryId = "";
          if (summary.view === "summary") { totalKey = key; total = summary.records; }
        }
        const range = results.querySelector(".range");
        if (key === totalKey && range && answer.rows.length)
          range.textContent = `rows ${state.offset + 1}–${state.offset + answer.rows.length} of ${total}`;
      }
    } catch (e) {
      if (runningId !== id) return;  // superseded by a newer run, which reports itself
      if ((e as Error).name === "AbortError") status.textContent = "Cancelled.";
      else if (e instanceof ApiError) status.textContent = `Error: ${e.message}`;
      else status.textContent = `Error: ${(e as Error).message}`;
      status.classList.add("error");
      setTimeout(() => status.classList.remove("error"), 4000);
    } finally {
      if (runningId === id) {
        results.classList.remove("busy");
        cancelButton.disabled = true;
        runningId = "";
      }
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); state.offset = 0; void run(); });
  buildForm();
  buildActions();
  if (hashQuery) void run();
  return () => { void cancel(); };
}
