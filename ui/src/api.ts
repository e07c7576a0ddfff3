// The JSON API (doc/web.md): session cookie plus the CSRF token on changes.
export interface Session { user: string; role: "admin" | "analyst"; csrf: string }

let session: Session | null = null;
export function currentSession(): Session | null { return session; }
export function setSession(s: Session | null): void { session = s; }

export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

export async function api<T = unknown>(
  method: string, path: string, body?: unknown, signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf;
  const res = await fetch(path, {
    method, headers, signal, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (!res.ok) {
    const message = (data as { error?: string } | null)?.error ?? res.statusText;
    if (res.status === 401 && session) {
      // The session ended (expired, logged out elsewhere): back to the login page.
      session = null;
      window.dispatchEvent(new CustomEvent("weir-logged-out"));
    }
    throw new ApiError(res.status, message);
  }
  return data as T;
}

export interface Column { name: string; title: string; numeric: boolean }
export interface Stats {
  files: number; records_read: number; records_passed: number; blocks_read: number;
  blocks_skipped: number; errors: number; elapsed_ms: number; filter: string; warnings: string[];
}
export interface TableAnswer {
  view: "records" | "top" | "group";
  columns: Column[]; rows: (string | number)[][]; keys?: number;
  offset?: number; limit?: number; more?: boolean; total?: number | null; groups?: number;
  stats: Stats;
}
export interface SeriesAnswer { view: "series"; bin_ms: number; bins: number[][]; stats: Stats }
export interface SummaryAnswer { view: "summary"; records: number; bytes: number; packets: number; stats: Stats }
export type Answer = TableAnswer | SeriesAnswer | SummaryAnswer;

export interface SiteInfo {
  classes: { name: string; types: string[]; default_types: string[]; sensors: string[] }[];
  default_class: string;
  sensors: { id: number; name: string; description: string }[];
  fields: { name: string; title: string; description: string }[];
  default_fields: string[];
  switches: { name: string; help: string }[];
  limits: { timeout_ms: number; memory_bytes: number; max_rows: number };
}

export interface SavedDoc<T> { id: number; owner: string; name: string; shared: boolean; updated: number; query?: T; layout?: T }
