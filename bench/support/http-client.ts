import { decodeHtml } from "@/testing/oauth";
import { BENCH_PASSWORD } from "./config";

/*
 * A minimal browser for the bench: a cookie jar per origin, no redirects followed (each hop is
 * a measured or checked step), and the two form posts the flows need. Cookie values are
 * credentials: they are kept in memory and never printed.
 */

interface Cookie {
  value: string;
  path: string;
}

export interface HttpResult {
  status: number;
  location: string | null;
  body: string;
  /** Time to the response headers and to the last body byte (ms). */
  headersMs: number;
  totalMs: number;
}

export class BenchBrowser {
  readonly #jar = new Map<string, Map<string, Cookie>>();

  setCookie(origin: string, name: string, value: string, cookiePath = "/"): void {
    const jar = this.#jar.get(origin) ?? new Map<string, Cookie>();
    jar.set(name, { value, path: cookiePath });
    this.#jar.set(origin, jar);
  }

  hasCookie(origin: string, name: string): boolean {
    return this.#jar.get(origin)?.has(name) ?? false;
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<HttpResult> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.#cookieHeader(target);
    if (cookie) headers.set("cookie", cookie);
    const started = performance.now();
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    const headersMs = performance.now() - started;
    const body = await response.text();
    const totalMs = performance.now() - started;
    this.#store(target, response.headers.getSetCookie());
    return { status: response.status, location: response.headers.get("location"), body, headersMs, totalMs };
  }

  #cookieHeader(url: URL): string {
    const jar = this.#jar.get(url.origin);
    if (!jar) return "";
    return [...jar.entries()]
      .filter(
        ([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }

  #store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let cookiePath = "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key = "", raw = ""] = attribute.split("=");
        const k = key.trim().toLowerCase();
        if (k === "path") cookiePath = raw.trim() || "/";
        if (k === "max-age" && Number(raw) <= 0) expired = true;
        if (k === "expires" && Date.parse(raw) < Date.now()) expired = true;
      }
      const jar = this.#jar.get(url.origin) ?? new Map<string, Cookie>();
      if (expired) jar.delete(name);
      else jar.set(name, { value, path: cookiePath });
      this.#jar.set(url.origin, jar);
    }
  }
}

/** Signs in over HTTP with Auth.js's credentials callback, as e2e/fixtures.ts does. */
export async function signIn(
  browser: BenchBrowser,
  appUrl: string,
  email: string,
  password = BENCH_PASSWORD,
): Promise<void> {
  const csrf = await browser.request(`${appUrl}/api/auth/csrf`);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const answer = await browser.request(`${appUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: "/" }),
  });
  if (answer.status !== 302 || (answer.location ?? "").includes("error"))
    throw new Error(`sign-in of ${email} failed (${answer.status})`);
}

export interface ParsedInput {
  name: string;
  value: string;
  type: string;
  checked: boolean;
}

/** The inputs of the first <form> in `html` that contains an input named `marker`. */
export function formInputs(html: string, marker: string): { action: string | null; inputs: ParsedInput[] } {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const inputs = [...match[2]!.matchAll(/<input\b([^>]*?)\/?>/g)].map((m) => {
      const attrs = attributes(m[1]!);
      return {
        name: attrs.name ?? "",
        value: attrs.value ?? "",
        type: (attrs.type ?? "text").toLowerCase(),
        checked: "checked" in attrs,
      };
    });
    if (inputs.some((i) => i.name === marker)) return { action: attributes(match[1]!).action ?? null, inputs };
  }
  throw new Error(`no form with an input named ${marker}`);
}

function attributes(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of source.matchAll(/([^\s=/]+)(?:="([^"]*)"|='([^']*)')?/g))
    out[m[1]!.toLowerCase()] = decodeHtml(m[2] ?? m[3] ?? "");
  return out;
}
