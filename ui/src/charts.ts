// Charts with Chart.js: bars and pies for top-N, lines for time series. Each
// canvas records how many points it drew (data-points) once rendered.
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, Legend, LinearScale,
  LineController, LineElement, PieController, PointElement, Filler, Tooltip,
} from "chart.js";
import { formatNumber, h, isoUtc } from "./dom";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, LinearScale, Legend,
  LineController, LineElement, PieController, PointElement, Filler, Tooltip);

const palette = ["#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2",
  "#db2777", "#65a30d", "#ea580c", "#4b5563"];

export function barOrPie(kind: "bar" | "pie", labels: string[], values: number[], title: string,
  onClick?: (index: number) => void): HTMLElement {
  const canvas = h("canvas", { class: `chart chart-${kind}`, "aria-label": title });
  const box = h("div", { class: "chart-box" }, canvas);
  new Chart(canvas, {
    type: kind,
    data: {
      labels,
      datasets: [{
        label: title, data: values,
        backgroundColor: kind === "pie" ? labels.map((_, i) => palette[i % palette.length]) : palette[0],
      }],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      indexAxis: kind === "bar" ? "y" : undefined,
      plugins: { legend: { display: kind === "pie", position: "right" } },
      scales: kind === "bar" ? { x: { ticks: { callback: (v) => formatNumber(Number(v)) } } } : undefined,
      onClick: (_e, elements) => { if (onClick && elements.length) onClick(elements[0].index); },
    },
  });
  canvas.dataset.points = String(values.length);
  return box;
}

// Bin labels as short as the span allows: "14:05" within a day, "11-26 14:05" across days.
function timeLabel(t: number, times: number[]): string {
  const iso = isoUtc(t);
  const sameDay = times.length > 0 && isoUtc(times[0]).slice(0, 10) === isoUtc(times[times.length - 1]).slice(0, 10);
  const clock = iso.slice(11, iso.endsWith(":00Z") ? 16 : 19);
  return sameDay ? clock : `${iso.slice(5, 10)} ${clock}`;
}

export function timeLine(times: number[], series: { label: string; values: number[] }[]): HTMLElement {
  const canvas = h("canvas", { class: "chart chart-line", "aria-label": "time series" });
  const box = h("div", { class: "chart-box" }, canvas);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: times.map((t) => timeLabel(t, times)),
      datasets: series.map((s, i) => ({
        label: s.label, data: s.values, borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length] + "33", fill: series.length === 1,
        pointRadius: times.length > 100 ? 0 : 2, tension: 0.2,
      })),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { y: { ticks: { callback: (v) => formatNumber(Number(v)) } } },
      plugins: { legend: { display: series.length > 1 } },
    },
  });
  canvas.dataset.points = String(times.length);
  return box;
}
