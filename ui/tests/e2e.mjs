// Browser end-to-end test of weir serve's UI, with Playwright driving Debian's
// Chromium headless. The caller (tests/web_test.sh) starts weir serve and passes:
//   WEIR_URL, WEIR_USER, WEIR_PASSWORD, WEIR_BIN, WEIR_ROOT, WEIR_DAY (YYYY/MM/DD),
//   WEIR_ARTIFACTS (screenshots go here).
// Exits non-zero with a message on the first failed check.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env("WEIR_URL");
const artifacts = env("WEIR_ARTIFACTS");
const day = env("WEIR_DAY");
const isoDay = day.replaceAll("/", "-");
// The end is exclusive: the next midnight.
const nextDay = new Date(Date.parse(`${isoDay}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
mkdirSync(artifacts, { recursive: true });

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok - ${message}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let page;
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The CSP allows no inline styles or scripts: anything it blocks is an error here.
  page.on("console", (m) => { if (m.text().includes("Content Security Policy")) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  // Log in.
  await page.goto(base + "/");
  await page.waitForSelector("#login-user");
  await page.fill("#login-user", env("WEIR_USER"));
  await page.fill("#login-password", "wrong password");
  await page.click("#login-submit");
  await page.waitForFunction(() => document.querySelector("#login-message")?.textContent?.length > 0);
  check((await page.textContent("#login-message")).includes("wrong"), "a wrong password is refused");
  await page.fill("#login-password", env("WEIR_PASSWORD"));
  await page.click("#login-submit");
  await page.waitForSelector("#builder");
  check((await page.textContent("#who")).includes(env("WEIR_USER")), "logged in, the query builder shows");
  await shot("01-builder");

  // Build a top-N query over one day.
  await page.click('.tab[data-view="top"]');
  await page.selectOption("#time-range", "custom");
  await page.fill("#start", `${isoDay}T00:00:00Z`);
  await page.fill("#end", `${nextDay}T00:00:00Z`);
  await page.selectOption("#key", "dip");
  await page.selectOption("#values", "bytes");
  await page.fill("#count", "10");
  const started = Date.now();
  await page.click("#run");
  await page.waitForSelector("canvas.chart-bar[data-points]");
  await page.waitForSelector("table.result-top tbody tr");
  const topMs = Date.now() - started;
  const topRows = await page.$$eval("table.result-top tbody tr", (rows) =>
    rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
  check(topRows.length === 10, `the top-10 table has 10 rows (${topMs} ms in the browser)`);
  check(Number(await page.getAttribute("canvas.chart-bar", "data-points")) === 10, "the top-N bar chart drew 10 bars");
  const stats = execFileSync(env("WEIR_BIN"), ["stats", `--data-rootdir=${env("WEIR_ROOT")}`,
    `--start-date=${day}:00`, `--end-date=${day}:23`, "--fields=dip", "--values=bytes", "--count=10",
    "--no-titles", "--delimited=,"], { encoding: "utf8", maxBuffer: 1 << 30 });
  const cliTop = stats.trim().split("\n").map((l) => l.split(",").slice(0, 2));
  check(JSON.stringify(topRows.map((r) => r.slice(0, 2))) === JSON.stringify(cliTop),
    "the top-10 equals weir stats --fields=dip --values=bytes");
  await shot("02-top-bar");

  // The pie chart of the same answer.
  await page.selectOption("#chart", "pie");
  await page.click("#run");
  await page.waitForSelector("canvas.chart-pie[data-points]");
  check(true, "the top-N pie chart renders");
  await shot("03-top-pie");

  // Pivot on the first destination.
  const first = topRows[0][0];
  await page.click(`td.pivot[data-value="${first}"]`);
  await page.click(".pivot-keep");
  await page.waitForSelector("#pivots .chip");
  await page.waitForFunction((ip) => {
    const rows = document.querySelectorAll("table.result-top tbody tr");
    return rows.length === 1 && rows[0].querySelector("td")?.textContent === ip;
  }, first);
  check((await page.textContent("#pivots")).includes(`dip = ${first}`), `pivoted on dip = ${first}`);
  await shot("04-pivot");

  // Time series of the pivoted query, hourly bins: 24 points.
  await page.click('.tab[data-view="series"]');
  await page.selectOption("#bin", "3600");
  await page.click("#run");
  await page.waitForSelector("canvas.chart-line[data-points]");
  check(Number(await page.getAttribute("canvas.chart-line", "data-points")) === 24,
    "the time series chart drew 24 hourly bins");
  await shot("05-series");

  // Records of the pivoted query; download the CSV and compare it with weir cut.
  await page.click('.tab[data-view="records"]');
  await page.click("#run");
  await page.waitForSelector("table.result-records tbody tr");
  await shot("06-records");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
  const csv = readFileSync(await download.path(), "utf8");
  const cut = execFileSync(env("WEIR_BIN"), ["cut", `--data-rootdir=${env("WEIR_ROOT")}`,
    `--start-date=${day}:00`, `--end-date=${day}:23`, `--expr=dip = ${first}`, "--output-format=csv"],
  { encoding: "utf8", maxBuffer: 1 << 30 });
  check(csv.length > 100 && csv === cut, `the CSV download (${csv.split("\n").length - 2} records) equals weir cut --output-format=csv`);

  // Sort by bytes by clicking the column title; the first row then has the most bytes.
  await page.click('th.sortable:text-is("bytes")');
  await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("Answered"));
  const sortedBytes = await page.$$eval("table.result-records tbody tr", (rows) =>
    rows.map((r) => Number(r.querySelectorAll("td")[6].textContent)));
  check(sortedBytes.every((v, i) => i === 0 || sortedBytes[i - 1] >= v), "records sort by bytes, descending");

  // Save the top-N query, put it on a dashboard, see it render there.
  await page.click('.tab[data-view="top"]');
  await page.selectOption("#chart", "bar");
  await page.click("#run");
  await page.waitForSelector("canvas.chart-bar[data-points]");
  await page.fill("#save-name", "top destinations");
  await page.click("#save");
  await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("Saved"));
  check(true, "the query is saved");
  await page.click("#nav-saved");
  await page.waitForSelector("#saved-queries");
  check((await page.textContent("#saved-queries")).includes("top destinations"), "the saved query is listed");
  await page.fill("#dashboard-name", "morning check");
  await page.fill("#dashboard-refresh", "30");
  await page.check(".dashboard-item");
  await page.click("#dashboard-create");
  await page.waitForSelector("#dashboard .card canvas.chart-bar[data-points]");
  check((await page.textContent("#dashboard")).includes("top destinations"), "the dashboard shows the saved query's chart");
  await shot("07-dashboard");
  await page.click("#dashboard-edit-open");
  await page.fill("#dashboard-name", "morning check (edited)");
  await page.click("#dashboard-create");
  await page.waitForFunction(() => document.querySelector(".toolbar h2")?.textContent === "morning check (edited)");
  await page.waitForSelector("#dashboard .card canvas.chart-bar[data-points]");
  check(true, "the dashboard is renamed by its owner");

  // The live overview of the last 15 minutes (the caller wrote flows for the last half hour).
  await page.click("#nav-overview");
  await page.waitForSelector("#overview canvas.chart-bar[data-points]");
  const rate = await page.textContent("#overview .card.stat b");
  check(Number(await page.getAttribute("#overview canvas.chart-bar", "data-points")) === 10 && rate !== "0",
    `the live overview shows ${rate} flows/s and the top talkers`);
  await shot("08-overview");

  // Alerts: the caller ran weir detect over those flows (weir gen's SYN flood on
  // 10.10.0.80) into the repository's alert file, and keeps a collector with
  // --detect running, whose status names the rules in force.
  await page.click("#nav-alerts");
  await page.waitForSelector("#past-incidents tr.incident");
  check((await page.textContent("#detector")).includes("running"), "the Alerts page shows the running detector");
  check((await page.textContent("#rules")).includes("syn: host incoming flows > 50"), "the Alerts page lists the rules in force");
  const victimRow = page.locator("#past-incidents tr.incident", { hasText: "10.10.0.80" }).first();
  check(await victimRow.count() === 1 && (await victimRow.textContent()).includes("syn_flood"),
    "the SYN flood on 10.10.0.80 is a past incident with its vector");
  await victimRow.click();
  await page.waitForSelector("#incident-chart canvas.chart-line[data-points]");
  check(Number(await page.getAttribute("#incident-chart canvas", "data-points")) > 10, "the incident has a rate chart around it");
  check((await page.textContent("#incident-report .vector")).includes("syn_flood"), "the incident's report names its vector");
  const sources = await page.$$("#incident-report table.report-sources tbody tr");
  check(sources.length === 10, "the report lists the top 10 sources");
  check(page.url().includes("#/alerts?incident="), "the page URL names the incident");
  await shot("08c-alerts");
  await page.click("#incident-flows");
  await page.waitForSelector("table.result-top tbody tr");
  check((await page.inputValue("#expr")) === "dst ip 10.10.0.80", "the incident's link opens the query builder on its flows");
  await shot("08d-incident-flows");

  // IDS: the caller wrote Suricata-style alerts on twelve recent flows (weir serve --eve).
  await page.click("#nav-ids");
  await page.waitForSelector("#ids-table tbody tr");
  const idsRows = await page.$$("#ids-table tbody tr");
  check(idsRows.length === 12, `the IDS page lists the 12 alerts (${idsRows.length})`);
  check((await page.textContent("#ids-table tbody")).includes("5-tuple"), "the alerts are joined to their flows");
  await page.click("#ids-sort-bytes");
  const idsBytes = await page.$$eval("#ids-table tbody tr td:last-child", (tds) => tds.map((t) => t.textContent));
  const parse = (v) => { const [n, u] = v.split(" "); return Number(n) * ({ k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[u] ?? 1); };
  check(idsBytes.every((v, i) => i === 0 || parse(idsBytes[i - 1]) >= parse(v)), "sorted by bytes, largest first");
  await page.click("#ids-table tbody tr");
  await page.waitForSelector("#ids-flows tbody tr");
  check((await page.textContent("#ids-traffic")).includes("records"), "an alert shows its connection's traffic and records");
  await shot("08e-ids");
  await page.click("#ids-timeline");
  await page.waitForSelector("canvas.chart-line[data-points]");
  check((await page.inputValue("#expr")).startsWith("ip "), "the host timeline opens in the query builder");

  // The account page: a new API token says when it expires, and is listed with its expiry.
  await page.click("#nav-account");
  await page.waitForSelector("#token-create");
  await page.fill("#token-name", "e2e script");
  await page.click("#token-create");
  await page.waitForFunction(() => document.querySelector("#new-token")?.textContent?.includes("expires"));
  await page.reload();
  await page.waitForSelector("#tokens");
  check((await page.textContent("#tokens")).includes("expires"), "API tokens are listed with their expiry");
  check(await page.isVisible("#revoke-tokens"), "a password change offers to revoke the API tokens");
  await shot("08b-account");

  // A shareable link reproduces the query in a new page.
  await page.click("#nav-query");
  await page.waitForSelector("#builder");
  await page.click('.tab[data-view="top"]');
  await page.selectOption("#time-range", "custom");
  await page.fill("#start", `${isoDay}T00:00:00Z`);
  await page.fill("#end", `${nextDay}T00:00:00Z`);
  await page.click("#run");
  await page.waitForSelector("canvas.chart-bar[data-points]");
  const link = page.url();
  const other = await context.newPage();
  await other.goto(link);
  await other.waitForSelector("canvas.chart-bar[data-points]");
  const again = await other.$$eval("table.result-top tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
  check(JSON.stringify(again) === JSON.stringify(topRows.map((r) => r[0])), "the shared link gives the same top-10");
  await other.close();

  // Log out: the API refuses the old session.
  await page.click("#logout");
  await page.waitForSelector("#login-user");
  const status = await page.evaluate(async () => (await fetch("/api/session")).status);
  check(status === 401, "after logging out the API answers 401");
  await shot("09-logged-out");
  check(errors.length === 0, `no JavaScript errors (${errors.join("; ")})`);
} catch (e) {
  if (page) await page.screenshot({ path: `${artifacts}/failure.png`, fullPage: true }).catch(() => {});
  console.error(`e2e: ${e.message}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log("e2e: all checks passed");
