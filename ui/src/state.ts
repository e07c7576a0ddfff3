// The query builder's state: everything a query is, kept in the URL so that a
// query can be shared as a link and saved as-is.
export type ViewName = "records" | "top" | "series" | "group";

export interface Pivot { field: string; value: string; exclude: boolean }

export interface QueryState {
  view: ViewName;
  last: string;          // "15m", "1h", "1d", "1w", or "" for start/end
  start: string;         // ISO, UTC
  end: string;
  class: string;
  type: string;          // comma list or "all"
  sensors: string;
  switches: Record<string, string>;
  ipset: string;         // addresses and CIDRs, either direction
  expr: string;
  exclude: string;
  raw: string;
  where: Pivot[];
  // records
  fields: string;
  sort: string;
  desc: boolean;
  offset: number;
  limit: number;
  // top and group
  key: string;
  values: string;
  count: number;
  chart: "bar" | "pie";
  // series
  bin: number;
  scheme: string;
  metric: "bytes" | "packets" | "records";
}

export function defaultState(): QueryState {
  return {
    view: "top", last: "1h", start: "", end: "", class: "", type: "", sensors: "",
    switches: {}, ipset: "", expr: "", exclude: "", raw: "", where: [],
    fields: "", sort: "", desc: false, offset: 0, limit: 100,
    key: "dip", values: "bytes", count: 10, chart: "bar",
    bin: 300, scheme: "time-proportional", metric: "bytes",
  };
}

// The API request for a state (doc/web.md, POST /api/query).
export function toRequest(s: QueryState, id?: string): Record<string, unknown> {
  const r: Record<string, unknown> = { view: s.view };
  if (id) r.id = id;
  if (s.last) r.last = s.last;
  else { r.start = s.start; r.end = s.end; }
  if (s.class) r.class = s.class;
  if (s.type) r.type = s.type;
  if (s.sensors) r.sensors = s.sensors;
  const switches: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.switches)) if (v.trim()) switches[k] = v.trim();
  r.switches = switches;
  const clauses: string[] = [];
  if (s.expr.trim()) clauses.push(`(${s.expr.trim()})`);
  const set = s.ipset.split(/[\s,]+/).filter((x) => x);
  if (set.length) clauses.push(`ip in [${set.join(" ")}]`);
  if (clauses.length) r.expr = clauses.join(" and ");
  if (s.exclude.trim()) r.exclude = s.exclude.trim();
  if (s.raw.trim()) r.raw = s.raw.trim();
  if (s.where.length) r.where = s.where;
  if (s.view === "records") {
    if (s.fields) r.fields = s.fields;
    if (s.sort) { r.sort = s.sort; r.desc = s.desc; }
    r.offset = s.offset;
    r.limit = s.limit;
  } else if (s.view === "top" || s.view === "group") {
    r.key = s.key;
    r.values = s.values;
    r.count = s.count;
  } else if (s.view === "series") {
    r.bin = s.bin;
    r.scheme = s.scheme;
  }
  return r;
}

export function encodeState(s: QueryState): string {
  return encodeURIComponent(JSON.stringify(s));
}

export function decodeState(text: string | null): QueryState {
  const base = defaultState();
  if (!text) return base;
  try {
    return { ...base, ...(JSON.parse(decodeURIComponent(text)) as Partial<QueryState>) };
  } catch {
    return base;
  }
}
