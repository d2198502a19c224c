import type { Params } from "./http.js";
import type { RequestLogEntry, RequestLogSnapshot } from "./control-schema.js";

/** Parameters whose values are credentials: they never reach the log in clear. */
const SECRET_PARAMS = new Set([
  "client_secret",
  "code",
  "code_verifier",
  "refresh_token",
  "access_token",
  "token",
  "id_token",
  "password",
  "assertion",
  "client_assertion",
]);

export const MASK = "[masked]";
const MAX_ENTRIES = 5_000;

export function maskParams(params: Params): Params {
  const masked: Params = {};
  for (const [key, value] of Object.entries(params)) {
    masked[key] = SECRET_PARAMS.has(key.toLowerCase()) ? MASK : value;
  }
  return masked;
}

/** The path with secret query parameters masked (a client may wrongly put them there). */
export function maskPath(url: URL): string {
  if (url.search === "") return url.pathname;
  const query = new URLSearchParams();
  for (const [key, value] of url.searchParams) {
    query.append(key, SECRET_PARAMS.has(key.toLowerCase()) ? MASK : value);
  }
  return `${url.pathname}?${query.toString()}`;
}

/**
 * The request log of Zendesk endpoints. Counts cover every request since the last clear;
 * entries keep the most recent ones only, so a benchmark cannot exhaust memory.
 */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #nextId = 1;
  #total = 0;
  #byEndpoint: Record<string, number> = {};
  #byGrantType: Record<string, number> = {};
  #byStatus: Record<string, number> = {};

  record(entry: Omit<RequestLogEntry, "id">): void {
    this.#entries.push({ id: this.#nextId++, ...entry });
    if (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
    this.#total += 1;
    increment(this.#byEndpoint, entry.endpoint ?? "other");
    if (entry.grant_type !== null) increment(this.#byGrantType, entry.grant_type);
    increment(this.#byStatus, entry.status === null ? "closed" : String(entry.status));
  }

  snapshot(): RequestLogSnapshot {
    return {
      entries: this.#entries.map((entry) => ({ ...entry })),
      total: this.#total,
      dropped: this.#total - this.#entries.length,
      counts: {
        by_endpoint: { ...this.#byEndpoint },
        by_grant_type: { ...this.#byGrantType },
        by_status: { ...this.#byStatus },
      },
    };
  }

  clear(): void {
    this.#entries = [];
    this.#total = 0;
    this.#byEndpoint = {};
    this.#byGrantType = {};
    this.#byStatus = {};
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
