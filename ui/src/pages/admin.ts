// Account (API tokens, password) and, for admins, users.
import { api, currentSession } from "../api";
import { h, isoUtc } from "../dom";

interface Token { id: number; name: string; user: string; created: number; last_used: number; expires: number }
interface User { name: string; role: string; created: number }

export async function accountPage(root: HTMLElement): Promise<void> {
  const tokens = await api<Token[]>("GET", "/api/tokens");
  const name = h("input", { id: "token-name", placeholder: "what the token is for" });
  const shown = h("pre", { id: "new-token", class: "token" });
  const old = h("input", { type: "password", id: "old-password", autocomplete: "current-password" });
  const next = h("input", { type: "password", id: "new-password", autocomplete: "new-password" });
  const revoke = h("input", { type: "checkbox", id: "revoke-tokens" }) as HTMLInputElement;
  const message = h("div", { class: "status" });
  root.append(
    h("h2", {}, `Account: ${currentSession()?.user} (${currentSession()?.role})`),
    h("h3", {}, "API tokens"),
    h("p", {}, "Scripts send a token as ", h("code", {}, "Authorization: Bearer TOKEN"), "; see doc/web.md."),
    h("table", { class: "result", id: "tokens" }, h("tbody", {}, ...tokens.map((t) => h("tr", {},
      h("td", {}, t.name), h("td", {}, `created ${isoUtc(t.created)}`),
      h("td", {}, t.last_used ? `used ${isoUtc(t.last_used)}` : "never used"),
      h("td", {}, `expires ${isoUtc(t.expires)}`),
      h("td", {}, h("button", { onclick: async () => { await api("DELETE", `/api/tokens/${t.id}`); location.reload(); } }, "Revoke")))))),
    h("div", { class: "row" }, name, h("button", { id: "token-create", onclick: async () => {
      const t = await api<{ token: string; expires: number }>("POST", "/api/tokens", { name: name.value || "script" });
      shown.textContent = `${t.token}\n(shown once: copy it now; it expires ${isoUtc(t.expires)})`;
    } }, "Create token")), shown,
    h("h3", {}, "Password"),
    h("label", { class: "field" }, h("span", {}, "Current"), old),
    h("label", { class: "field" }, h("span", {}, "New (8+ characters)"), next),
    h("label", { class: "field" }, revoke, h("span", {}, "also revoke my API tokens (if the old password may be known)")),
    h("button", { onclick: async () => {
      try {
        await api("PUT", "/api/me/password", { old: old.value, new: next.value, revoke_tokens: revoke.checked });
        message.textContent = "Changed; log in again.";
        setTimeout(() => location.reload(), 1000);
      } catch (e) { message.textContent = (e as Error).message; }
    } }, "Change password"), message);
}

export async function usersPage(root: HTMLElement): Promise<void> {
  const users = await api<User[]>("GET", "/api/users");
  const tokens = await api<Token[]>("GET", "/api/tokens?user=*");
  const name = h("input", { id: "new-user-name", placeholder: "name" });
  const password = h("input", { id: "new-user-password", type: "password", placeholder: "password (8+)" });
  const role = h("select", { id: "new-user-role" }, h("option", { value: "analyst" }, "analyst"), h("option", { value: "admin" }, "admin"));
  const message = h("div", { class: "status", id: "users-message" });
  const act = (f: () => Promise<unknown>) => async () => {
    try { await f(); location.reload(); } catch (e) { message.textContent = (e as Error).message; }
  };
  root.append(h("h2", {}, "Users"),
    h("table", { class: "result", id: "users" },
      h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "role"), h("th", {}, "created"), h("th", {}, ""))),
      h("tbody", {}, ...users.map((u) => h("tr", {}, h("td", {}, u.name), h("td", {}, u.role), h("td", {}, isoUtc(u.created)),
        h("td", {},
          h("button", { onclick: act(() => api("PUT", `/api/users/${u.name}`, { role: u.role === "admin" ? "analyst" : "admin" })) },
            u.role === "admin" ? "Make analyst" : "Make admin"),
          h("button", { onclick: act(() => api("DELETE", `/api/users/${u.name}`)) }, "Delete")))))),
    h("h3", {}, "API tokens of every user"),
    h("table", { class: "result", id: "all-tokens" },
      h("thead", {}, h("tr", {}, h("th", {}, "user"), h("th", {}, "name"), h("th", {}, "last used"), h("th", {}, "expires"), h("th", {}, ""))),
      h("tbody", {}, ...tokens.map((t) => h("tr", {}, h("td", {}, t.user), h("td", {}, t.name),
        h("td", {}, t.last_used ? isoUtc(t.last_used) : "never"), h("td", {}, isoUtc(t.expires)),
        h("td", {}, h("button", { onclick: act(() => api("DELETE", `/api/tokens/${t.id}?user=${encodeURIComponent(t.user)}`)) }, "Revoke")))))),
    h("h3", {}, "Add a user"),
    h("div", { class: "row" }, name, password, role,
      h("button", { id: "new-user-create", onclick: act(() => api("POST", "/api/users", { name: name.value, password: password.value, role: role.value })) }, "Add")),
    message);
}
