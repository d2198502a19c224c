/**
 * Helpers for the simulator's own Vitest suites: a simulator per file on a free port, reset
 * before each test, and a consent flow driven with plain fetch (GET page, POST the form).
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startZendeskSimulator } from "./index.js";
import type { ZendeskSimulator } from "./index.js";

export const REDIRECT_URI = "http://localhost:3000/api/zendesk-connect/callback/zendesk";
export const OTHER_REDIRECT_URI = "http://127.0.0.1:3100/api/zendesk-connect/callback/zendesk";
export const GLOBAL_CLIENT = { id: "zdg-zendesk-connect-dev", secret: "dev-global-client-secret" } as const;
export const ACME_LOCAL = { id: "acme-local-app", secret: "acme-local-secret" } as const;
export const ACME_PUBLIC = { id: "acme-public-app" } as const;
export const GLOBEX_LOCAL = { id: "globex-connect", secret: "globex-local-secret" } as const;
export const ACME_ADMIN_ID = 10001;
export const ACME_AGENT_ID = 10002;
export const ACME_END_USER_ID = 10003;

export type Json = Record<string, unknown>;

class SimulatorHolder {
  #sim: ZendeskSimulator | undefined;

  get sim(): ZendeskSimulator {
    if (this.#sim === undefined) throw new Error("the simulator is not started (beforeAll)");
    return this.#sim;
  }

  set(sim: ZendeskSimulator | undefined): void {
    this.#sim = sim;
  }
}

/** Starts one simulator on a free port for the file and resets it before every test. */
export function setupSimulator(): SimulatorHolder {
  const holder = new SimulatorHolder();
  beforeAll(async () => {
    holder.set(await startZendeskSimulator({ port: 0 }));
  });
  afterAll(async () => {
    await holder.sim.stop();
    holder.set(undefined);
  });
  beforeEach(async () => {
    await holder.sim.control.reset();
  });
  return holder;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function decodeHtml(value: string): string {
  return value
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** The hidden inputs of the consent form. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) fields[decodeHtml(name)] = decodeHtml(value);
  }
  return fields;
}

export function formAction(html: string): string {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined) throw new Error("no consent form on the page");
  return decodeHtml(action);
}

export interface AuthorizeOptions {
  subdomain?: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  state?: string;
  /** A PKCE challenge; omitted = none. */
  challenge?: string;
  userId?: number;
  decision?: "allow" | "deny";
}

export function authorizeUrl(sim: ZendeskSimulator, options: AuthorizeOptions = {}): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId ?? GLOBAL_CLIENT.id,
    redirect_uri: options.redirectUri ?? REDIRECT_URI,
    scope: options.scope ?? "read write",
    state: options.state ?? "state-123",
  });
  if (options.challenge !== undefined) {
    params.set("code_challenge", options.challenge);
    params.set("code_challenge_method", "S256");
  }
  return `${sim.instanceUrl(options.subdomain ?? "acme")}/oauth/authorizations/new?${params.toString()}`;
}

/** GETs the consent page and POSTs its form; returns the redirect Location. */
export async function authorize(sim: ZendeskSimulator, options: AuthorizeOptions = {}): Promise<URL> {
  const page = await fetch(authorizeUrl(sim, options), { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${html.slice(0, 300)}`);
  const form = new URLSearchParams({
    ...hiddenFields(html),
    user_id: String(options.userId ?? ACME_ADMIN_ID),
    decision: options.decision ?? "allow",
  });
  const answer = await fetch(new URL(formAction(html), sim.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  const location = answer.headers.get("location");
  if (answer.status !== 302 || location === null) throw new Error(`consent POST answered ${answer.status}`);
  return new URL(location);
}

export async function obtainCode(sim: ZendeskSimulator, options: AuthorizeOptions = {}): Promise<string> {
  const location = await authorize(sim, options);
  const code = location.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${location.toString()}`);
  return code;
}

export interface TokenAnswer {
  status: number;
  body: Json;
  headers: Headers;
}

/** POSTs to `/{sub}/oauth/tokens` as form data (default) or JSON. */
export async function tokenRequest(
  sim: ZendeskSimulator,
  params: Record<string, string | number>,
  options: { subdomain?: string; format?: "form" | "json"; headers?: Record<string, string> } = {},
): Promise<TokenAnswer> {
  const json = options.format === "json";
  const body = json
    ? JSON.stringify(params)
    : new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)])).toString();
  const response = await fetch(`${sim.instanceUrl(options.subdomain ?? "acme")}/oauth/tokens`, {
    method: "POST",
    headers: {
      "content-type": json ? "application/json" : "application/x-www-form-urlencoded",
      accept: "application/json",
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Json), headers: response.headers };
}

export interface Connection {
  accessToken: string;
  refreshToken: string;
  body: Json;
}

function tokenField(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== "string") throw new Error(`token response has no ${name}: ${JSON.stringify(body)}`);
  return value;
}

/** A full authorization-code + PKCE flow with the global client on `subdomain`. */
export async function connect(
  sim: ZendeskSimulator,
  options: AuthorizeOptions & { extra?: Record<string, string | number> } = {},
): Promise<Connection> {
  const { verifier, challenge } = pkcePair();
  const subdomain = options.subdomain ?? "acme";
  const code = await obtainCode(sim, { ...options, challenge });
  const answer = await tokenRequest(
    sim,
    {
      grant_type: "authorization_code",
      code,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      redirect_uri: options.redirectUri ?? REDIRECT_URI,
      code_verifier: verifier,
      ...options.extra,
    },
    { subdomain },
  );
  if (answer.status !== 201)
    throw new Error(`token exchange answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return {
    accessToken: tokenField(answer.body, "access_token"),
    refreshToken: tokenField(answer.body, "refresh_token"),
    body: answer.body,
  };
}

export function refreshRequest(
  sim: ZendeskSimulator,
  refreshToken: string,
  extra: Record<string, string | number> = {},
  subdomain = "acme",
): Promise<TokenAnswer> {
  return tokenRequest(
    sim,
    {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: GLOBAL_CLIENT.id,
      client_secret: GLOBAL_CLIENT.secret,
      ...extra,
    },
    { subdomain },
  );
}

/** An API call with a bearer token (none when `token` is null). */
export async function apiCall(
  sim: ZendeskSimulator,
  path: string,
  token: string | null,
  options: { subdomain?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json; headers: Headers; text: string }> {
  const response = await fetch(`${sim.instanceUrl(options.subdomain ?? "acme")}${path}`, {
    method: options.method ?? "GET",
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
  });
  const text = await response.text();
  let body: Json = {};
  if (text !== "" && (response.headers.get("content-type") ?? "").includes("json")) body = JSON.parse(text) as Json;
  return { status: response.status, body, headers: response.headers, text };
}
