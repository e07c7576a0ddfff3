import { api, setSession, type Session } from "../api";
import { h } from "../dom";

export function loginPage(root: HTMLElement, done: () => void): void {
  const user = h("input", { id: "login-user", name: "user", autocomplete: "username", required: true });
  const password = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("div", { class: "status", id: "login-message" });
  const form = h("form", { class: "login" },
    h("h1", {}, "weir"), h("p", {}, "Network flow analysis. Log in to query the repository."),
    h("label", { class: "field" }, h("span", {}, "User"), user),
    h("label", { class: "field" }, h("span", {}, "Password"), password),
    h("button", { type: "submit", class: "primary", id: "login-submit" }, "Log in"), message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    message.textContent = "";
    try {
      setSession(await api<Session>("POST", "/api/login", { user: user.value, password: password.value }));
      done();
    } catch (err) {
      message.textContent = (err as Error).message;
      message.classList.add("error");
    }
  });
  root.append(form);
  user.focus();
}
