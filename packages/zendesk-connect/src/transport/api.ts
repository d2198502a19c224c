import { z } from "zod";
import { ZendeskError } from "./errors.js";
import { zendeskRequest } from "./http.js";
import { zendeskSettings } from "./settings.js";
import type { Subdomain } from "./subdomain.js";
import { apiUrl } from "./urls.js";

/*
 * Calls made with a raw access token: at connect time, before a connection exists, and by the
 * connection-bound client of lib/zendesk/api-client.ts. The token goes in the Authorization header only.
 */

const userSchema = z.object({
  user: z.object({
    id: z.number().int().nullable(),
    name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    role: z.string().nullable().optional(),
    locale: z.string().nullable().optional(),
    time_zone: z.string().nullable().optional(),
  }),
});

export interface ZendeskUser {
  id: string;
  name: string;
  email: string | null;
  role: string | null;
}

const tokenInfoSchema = z.object({
  token: z.object({
    id: z.union([z.number(), z.string()]),
    client_id: z.union([z.number(), z.string()]).nullable().optional(),
    user_id: z.union([z.number(), z.string()]).nullable().optional(),
    scopes: z.array(z.string()),
    expires_at: z.string().nullable().optional(),
    refresh_token_expires_at: z.string().nullable().optional(),
  }),
});

export interface ZendeskTokenInfo {
  id: string;
  scopes: string[];
  expiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

function bearer(accessToken: string, extra: Record<string, string> = {}) {
  return { Authorization: `Bearer ${accessToken}`, ...extra };
}

/** GET /api/v2/users/me.json; an anonymous answer (null id) is a failed connection. */
export async function fetchZendeskUser(subdomain: Subdomain, accessToken: string): Promise<ZendeskUser> {
  const s = zendeskSettings();
  const response = await zendeskRequest(apiUrl(subdomain, s.baseUrlTemplate, "/api/v2/users/me.json"), {
    headers: bearer(accessToken),
    timeoutMs: s.httpTimeoutMs,
  });
  return parseZendeskUser(response.body, response.status);
}

/** A users/me body as a ZendeskUser; an unreadable body or an anonymous answer throws ZendeskError. */
export function parseZendeskUser(body: unknown, status: number): ZendeskUser {
  const parsed = userSchema.safeParse(body);
  if (!parsed.success) throw new ZendeskError({ kind: "malformed", status });
  const u = parsed.data.user;
  if (u.id === null) throw new ZendeskError({ kind: "anonymous_user" });
  return { id: String(u.id), name: u.name ?? `User ${u.id}`, email: u.email ?? null, role: u.role ?? null };
}

/** GET /api/v2/oauth/tokens/current.json: the source of truth for granted scopes, expiry and the token id. */
export async function fetchTokenInfo(subdomain: Subdomain, accessToken: string): Promise<ZendeskTokenInfo> {
  const s = zendeskSettings();
  const response = await zendeskRequest(apiUrl(subdomain, s.baseUrlTemplate, "/api/v2/oauth/tokens/current.json"), {
    headers: bearer(accessToken),
    timeoutMs: s.httpTimeoutMs,
  });
  const parsed = tokenInfoSchema.safeParse(response.body);
  if (!parsed.success) throw new ZendeskError({ kind: "malformed", status: response.status });
  const t = parsed.data.token;
  return {
    id: String(t.id),
    scopes: t.scopes,
    expiresAt: toDate(t.expires_at),
    refreshTokenExpiresAt: toDate(t.refresh_token_expires_at),
  };
}

/**
 * DELETE /api/v2/oauth/tokens/{id}.json. By id, because deleting `current.json` answers 204
 * but has been reported not to revoke. A 404 ("not_found") means Zendesk knows no token by that id:
 * a stale or wrong id, which proves nothing about the token itself (tokens/revoke.ts checks it).
 */
export async function revokeZendeskToken(
  subdomain: Subdomain,
  accessToken: string,
  tokenId: string,
): Promise<"deleted" | "not_found"> {
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(tokenId)) throw new ZendeskError({ kind: "not_found" });
  const s = zendeskSettings();
  const response = await zendeskRequest(apiUrl(subdomain, s.baseUrlTemplate, `/api/v2/oauth/tokens/${tokenId}.json`), {
    method: "DELETE",
    headers: bearer(accessToken),
    timeoutMs: s.httpTimeoutMs,
    accept: (status) => status === 204 || status === 200 || status === 404,
  });
  // 404: Zendesk knows no token by this id, which revokes nothing (tokens/revoke.ts checks).
  return response.status === 404 ? "not_found" : "deleted";
}

/**
 * DELETE /api/v2/oauth/tokens/current.json: documented to revoke the calling token, reported
 * not to. Its 204 proves nothing: callers verify with one API call (see connect/revoke-grant.ts).
 */
export async function revokeCurrentToken(subdomain: Subdomain, accessToken: string): Promise<void> {
  const s = zendeskSettings();
  await zendeskRequest(apiUrl(subdomain, s.baseUrlTemplate, "/api/v2/oauth/tokens/current.json"), {
    method: "DELETE",
    headers: bearer(accessToken),
    timeoutMs: s.httpTimeoutMs,
    accept: (status) => status === 204 || status === 200,
  });
}

/**
 * Checks that a Zendesk account exists at the subdomain before anyone is sent there:
 * an unknown account answers with an HTML 404 on every path.
 */
export async function probeInstance(subdomain: Subdomain): Promise<void> {
  const s = zendeskSettings();
  await zendeskRequest(apiUrl(subdomain, s.baseUrlTemplate, "/api/v2/users/me.json"), {
    timeoutMs: probeTimeoutMs(),
    // An existing account answers anonymous callers (200) or refuses them (401/403).
    accept: (status) => status === 200 || status === 401 || status === 403,
  });
}

/** The longest a pre-flight may take (a person is waiting on it). */
export function probeTimeoutMs(): number {
  return Math.min(zendeskSettings().httpTimeoutMs, 5000);
}

function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}
