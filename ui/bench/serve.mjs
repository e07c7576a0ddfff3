// Times weir serve's UI in headless Chromium (called by bench/serve.sh; it lives here to find playwright-core): log in,
// then for each query the time from pressing Run to the answer being drawn, and
// the time of paging the records view. Prints "NAME MS" lines (best of RUNS).
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

async function best(name, prepare, act, done) {
  let min = Infinity;
  for (let i = 0; i < Number(runs); i++) {
    await prepare();
    const t0 = Date.now();
    await act();
    await done();
    min = Math.min(min, Date.now() - t0);
  }
  console.log(`${name} ${min}`);
}

const state = (view, extra) => encodeURIComponent(JSON.stringify({
  view, last: "", start, end, type: "all", ...extra }));
async function open(view, extra) {
  await page.goto(`${base}/#/query?q=${state(view, extra)}`);
  await page.waitForSelector("#results > *");
  await page.waitForLoadState("networkidle");  // the page's own first run and its total are done
}
const answered = () => page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("Answered"));
const clearStatus = () => page.evaluate(() => { document.querySelector("#status").textContent = ""; });

await best("top10_dip_bytes", () => open("top", { key: "dip", values: "bytes", count: 10 }).then(clearStatus),
  () => page.click("#run"), answered);
await best("records_first_page", () => open("records", {}).then(clearStatus), () => page.click("#run"), answered);
await best("records_next_page", () => open("records", {}).then(clearStatus), () => page.click("button.next"), answered);
await best("records_page_1000", () => open("records", { offset: 99800 }).then(clearStatus),
  () => page.click("button.next"), answered);
await best("records_sorted_bytes", () => open("records", { sort: "bytes", desc: true }).then(clearStatus),
  () => page.click("#run"), answered);
await best("series_5min", () => open("series", { bin: 300 }).then(clearStatus), () => page.click("#run"), answered);
await browser.close();
