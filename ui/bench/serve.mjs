// Times weir serve's UI in headless Chromium (called by bench/serve.sh; it lives
// here to find playwright-core): log in, then for each query the time from
// pressing Run (or Next) to the next frame after the answer is drawn, measured in
// the page. Prints "NAME MS" lines (best of RUNS).
import { chromium } from "playwright-core";

const [base, user, password, day, runs] = process.argv.slice(2);
const start = `${day.replaceAll("/", "-")}T00:00:00Z`;
const end = new Date(Date.parse(start) + 86400000).toISOString().replace(".000", "");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
await page.goto(base + "/");
await page.fill("#login-user", user);
await page.fill("#login-password", password);
await page.click("#login-submit");
await page.waitForSelector("#builder");

// Time inside the page: from the click to the next frame after the answer is
// drawn (the status says "Answered" once the table or chart is in the page).
async function timed(selector) {
  return page.evaluate(async (sel) => {
    const status = document.querySelector("#status");
    status.textContent = "";
    const t0 = performance.now();
    document.querySelector(sel).click();
    await new Promise((done) => {
      const o = new MutationObserver(() => {
        if (status.textContent.startsWith("Answered")) { o.disconnect(); done(); }
      });
      o.observe(status, { childList: true, characterData: true, subtree: true });
    });
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  }, selector);
}

async function best(name, prepare, selector) {
  let min = Infinity;
  for (let i = 0; i < Number(runs); i++) {
    await prepare();
    min = Math.min(min, await timed(selector));
    await page.waitForLoadState("networkidle");  // the records view's total follows the page
  }
  console.log(`${name} ${Math.round(min)}`);
}

const state = (view, extra) => encodeURIComponent(JSON.stringify({
  view, last: "", start, end, type: "all", ...extra }));
async function open(view, extra) {
  await page.goto(`${base}/#/query?q=${state(view, extra)}`);
  await page.waitForFunction(() => document.querySelector("#results > *") ||
    document.querySelector("#status")?.textContent?.startsWith("Error"));
  await page.waitForLoadState("networkidle");  // the page's own first run and its total are done
  const status = await page.textContent("#status");
  if (status.startsWith("Error")) throw new Error(`${view}: ${status}`);
}

await best("top10_dip_bytes", () => open("top", { key: "dip", values: "bytes", count: 10 }), "#run");
await best("records_first_page", () => open("records", {}), "#run");
await best("records_next_page", () => open("records", {}), "button.next");
await best("records_page_1000", () => open("records", { offset: 99800 }), "button.next");
await best("records_sorted_bytes", () => open("records", { sort: "bytes", desc: true }), "#run");
await best("series_5min", () => open("series", { bin: 300 }), "#run");
await browser.close();
