// weir's web UI: a hash router over the pages, behind a login.
import "./style.css";
import { api, currentSession, setSession, type Session } from "./api";
import { clear, h } from "./dom";
import { accountPage, usersPage } from "./pages/admin";
import { alertsPage } from "./pages/alerts";
import { idsPage } from "./pages/ids";
import { loginPage } from "./pages/login";
import { overviewPage } from "./pages/overview";
import { queryPage } from "./pages/query";
import { dashboardPage, savedPage } from "./pages/saved";

const app = document.getElementById("app")!;
let cleanup: (() => void) | null = null;

function nav(active: string): HTMLElement {
  const s = currentSession();
  const link = (href: string, text: string, id: string) =>
    h("a", { href, id: `nav-${id}`, class: active === id ? "active" : "" }, text);
  return h("header", { class: "nav" }, h("span", { class: "brand" }, "weir"),
    link("#/query", "Query", "query"), link("#/overview", "Overview", "overview"), link("#/alerts", "Alerts", "alerts"), link("#/ids", "IDS", "ids"),
    link("#/saved", "Saved & dashboards", "saved"), link("#/account", "Account", "account"),
    s?.role === "admin" ? link("#/users", "Users", "users") : null,
    h("span", { class: "spacer" }),
    h("span", { class: "who", id: "who" }, `${s?.user} (${s?.role})`),
    h("button", { id: "logout", onclick: async () => {
      await api("POST", "/api/logout").catch(() => undefined);
      setSession(null);
      location.hash = "#/login";
      void route();
    } }, "Log out"));
}

async function route(): Promise<void> {
  cleanup?.();
  cleanup = null;
  clear(app);
  if (!currentSession()) {
    try {
      setSession(await api<Session>("GET", "/api/session"));
    } catch {
      loginPage(app, () => {
        if (location.hash.startsWith("#/login") || !location.hash) location.hash = "#/query";
        void route();
      });
      return;
    }
  }
  const hash = location.hash.slice(1) || "/query";
  const [path, search] = hash.split("?");
  const params = new URLSearchParams(search ?? "");
  const page = path.split("/")[1] || "query";
  app.append(nav(page === "dashboard" ? "saved" : page));
  const main = h("main", { class: "page" });
  app.append(main);
  try {
    if (page === "overview") cleanup = overviewPage(main);
    else if (page === "alerts") cleanup = alertsPage(main, params.get("incident"));
    else if (page === "ids") idsPage(main);
    else if (page === "saved") await savedPage(main);
    else if (page === "dashboard") cleanup = await dashboardPage(main, Number(path.split("/")[2]));
    else if (page === "account") await accountPage(main);
    else if (page === "users") await usersPage(main);
    else cleanup = await queryPage(main, params.get("q"));
  } catch (e) {
    main.append(h("div", { class: "status error" }, (e as Error).message));
  }
}

// The query page records its state with history.replaceState, which fires no
// hashchange; a hash change is always navigation (a link, a pasted URL).
window.addEventListener("hashchange", () => void route());
window.addEventListener("weir-logged-out", () => void route());
void route();
