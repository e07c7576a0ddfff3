// Saved queries and dashboards: lists, a dashboard editor, and dashboards whose
// queries refresh on an interval.
import { api, currentSession, type Answer, type SavedDoc } from "../api";
import { clear, h } from "../dom";
import { renderAnswer } from "../results";
import { encodeState, toRequest, type QueryState, defaultState } from "../state";

interface Layout { items: number[]; refresh: number }

export async function savedPage(root: HTMLElement): Promise<void> {
  const [queries, dashboards] = await Promise.all([
    api<SavedDoc<QueryState>[]>("GET", "/api/saved"),
    api<SavedDoc<Layout>[]>("GET", "/api/dashboards"),
  ]);
  const me = currentSession()?.user;
  const remove = (kind: string, id: number) => async () => {
    await api("DELETE", `/api/${kind}/${id}`);
    location.reload();
  };
  root.append(
    h("h2", {}, "Saved queries"),
    queries.length ? h("table", { class: "result", id: "saved-queries" },
      h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "view"), h("th", {}, "owner"), h("th", {}, "shared"), h("th", {}, ""))),
      h("tbody", {}, ...queries.map((q) => h("tr", { "data-id": q.id },
        h("td", {}, h("a", { href: `#/query?q=${encodeState({ ...defaultState(), ...q.query })}` }, q.name)),
        h("td", {}, q.query?.view ?? ""), h("td", {}, q.owner), h("td", {}, q.shared ? "yes" : "no"),
        h("td", {}, q.owner === me ? h("button", { onclick: remove("saved", q.id) }, "Delete") : null)))))
      : h("p", {}, "No saved queries yet: build one on the Query page and save it."),
    h("h2", {}, "Dashboards"),
    h("ul", { class: "dashboards", id: "dashboard-list" }, ...dashboards.map((d) => h("li", {},
      h("a", { href: `#/dashboard/${d.id}` }, d.name), ` — ${d.layout?.items.length ?? 0} queries, every ${d.layout?.refresh ?? 60} s`,
      d.shared ? " (shared)" : "", d.owner === me ? h("button", { onclick: remove("dashboards", d.id) }, "Delete") : null))),
    dashboardEditor(queries));
}

// Creates a dashboard, or changes `existing` (its owner only).
function dashboardEditor(queries: SavedDoc<QueryState>[], existing?: SavedDoc<Layout>): HTMLElement {
  const layout = existing?.layout ?? { items: [], refresh: 60 };
  const name = h("input", { id: "dashboard-name", placeholder: "dashboard name", value: existing?.name ?? "" });
  const refresh = h("input", { id: "dashboard-refresh", type: "number", min: 5, value: layout.refresh });
  const shared = h("input", { type: "checkbox", id: "dashboard-shared", checked: existing?.shared ?? false });
  const boxes = queries.map((q) => h("label", { class: "check" },
    h("input", { type: "checkbox", class: "dashboard-item", value: q.id, checked: layout.items.includes(q.id) }), q.name));
  const message = h("div", { class: "status" });
  const form = h("form", { class: "card", id: "dashboard-editor" }, h("h3", {}, existing ? "Change dashboard" : "New dashboard"),
    h("label", { class: "field" }, h("span", {}, "Name"), name),
    h("label", { class: "field" }, h("span", {}, "Refresh every (s)"), refresh),
    h("div", { class: "types" }, h("span", {}, "Queries"), ...boxes),
    h("label", { class: "check" }, shared, "shared with everyone"),
    h("button", { type: "submit", class: "primary", id: "dashboard-create" }, existing ? "Save dashboard" : "Create dashboard"), message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const items = boxes.map((b) => b.querySelector("input")!).filter((i) => i.checked).map((i) => Number(i.value));
    const body = { name: name.value, shared: shared.checked, layout: { items, refresh: Math.max(5, Number(refresh.value) || 60) } };
    try {
      const d = existing
        ? await api<{ id: number }>("PUT", `/api/dashboards/${existing.id}`, body)
        : await api<{ id: number }>("POST", "/api/dashboards", body);
      if (existing) location.reload();
      else location.hash = `#/dashboard/${d.id}`;
    } catch (err) {
      message.textContent = (err as Error).message;
    }
  });
  return form;
}

export async function dashboardPage(root: HTMLElement, id: number): Promise<() => void> {
  const d = await api<SavedDoc<Layout>>("GET", `/api/dashboards/${id}`);
  const queries = await api<SavedDoc<QueryState>[]>("GET", "/api/saved");
  const layout = d.layout ?? { items: [], refresh: 60 };
  const status = h("span", { class: "status" });
  const grid = h("div", { class: "dashboard", id: "dashboard" });
  const editor = h("div", { id: "dashboard-edit" });
  const edit = d.owner === currentSession()?.user
    ? h("button", { id: "dashboard-edit-open", onclick: () => { clear(editor); editor.append(dashboardEditor(queries, d)); } }, "Edit")
    : null;
  root.append(h("div", { class: "toolbar" }, h("h2", {}, d.name), ` refreshes every ${layout.refresh} s `, edit, status), editor, grid);
  const cards = layout.items.map((item) => {
    const q = queries.find((x) => x.id === item);
    const body = h("div", { class: "card-body" });
    const card = h("div", { class: "card", "data-query": item },
      h("h3", {}, q ? h("a", { href: `#/query?q=${encodeState({ ...defaultState(), ...q.query })}` }, q.name) : `query #${item} (gone)`), body);
    grid.append(card);
    return { q, body };
  });
  let timer = 0;
  let stopped = false;
  // Two queries at a time: a large dashboard stays within the server's
  // per-user limit of concurrent queries.
  async function inTurn<T>(items: T[], each: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => { while (next < items.length) await each(items[next++]); };
    await Promise.all([worker(), worker()]);
  }
  async function refresh(): Promise<void> {
    await inTurn(cards, async ({ q, body }) => {
      if (!q?.query) return;
      const state = { ...defaultState(), ...q.query };
      try {
        const answer = await api<Answer>("POST", "/api/query", toRequest(state));
        if (stopped) return;
        clear(body);
        body.append(renderAnswer(answer, state, { compact: true }));
      } catch (e) {
        clear(body);
        body.append(h("div", { class: "error" }, (e as Error).message));
      }
    });
    status.textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
    if (!stopped) timer = window.setTimeout(() => void refresh(), layout.refresh * 1000);
  }
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
