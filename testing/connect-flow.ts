/**
 * Test helper: a whole OAuth connect through the package's real code, in process: prepareConnect
 * (the intent), its Auth.js sign-in for the Zendesk provider (state + PKCE cookies, the
 * simulator's consent URL), the simulator's consent page driven over HTTP (Allow), then the
 * callback route's handler (handleZendeskCallback with Auth.js's real callback): code exchange,
 * users/me, storage. Tests only: nothing in the package or the app imports it.
 */
import type { HostMember, ZendeskHost } from "@pkg/host";
import { env } from "@pkg/config/env";
import { prepareConnect } from "@pkg/connect/flow";
import { startZendeskSignIn } from "@pkg/routes/auth-js";
import { handleZendeskCallback, intentCookie } from "@pkg/routes/callback";
import type { LocalClientInput } from "@pkg/store/oauth-clients";
import type { ConnectErrorCode, ZendeskErrorCode } from "@pkg/catalogue/error-codes";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { ACME_ADMIN_ID, testSubdomain } from "./zendesk";

/** A host whose signed-in member is the given account, allowed to manage its workspace. */
export function accountHost(account: { userId: string; workspaceId: string }): ZendeskHost {
  const member: HostMember = { ...account, canManageIntegrations: true };
  return {
    currentMember: async () => member,
    canManage: async (userId, workspaceId) => userId === account.userId && workspaceId === account.workspaceId,
    signInPath: (returnTo) => `/login?callbackUrl=${encodeURIComponent(returnTo)}`,
  };
}

export interface ConnectThroughCallbackOptions {
  subdomain?: string;
  scopes?: string[];
  oauthClientId?: string | null;
  pendingClient?: LocalClientInput;
  zendeskUserId?: number;
}

export type CallbackOutcome =
  | { ok: true; location: string; created: boolean }
  | { ok: false; location: string; code: ConnectErrorCode | "not_started"; startCode?: ZendeskErrorCode };

/** Runs one connect end to end; the outcome is where the callback sent the browser. */
export async function connectThroughCallback(
  sim: ZendeskSimulator,
  account: { userId: string; workspaceId: string },
  options: ConnectThroughCallbackOptions = {},
): Promise<CallbackOutcome> {
  const host = accountHost(account);
  const subdomain = testSubdomain(options.subdomain ?? "acme");
  const prepared = await prepareConnect(
    {
      ...account,
      subdomain,
      scopes: options.scopes ?? ["tickets:read", "users:read"],
      oauthClientId: options.oauthClientId ?? null,
      pendingClient: options.pendingClient,
    },
    host,
  );
  if (!prepared.ok) return { ok: false, location: "", code: "not_started", startCode: prepared.code };
  const appUrl = env().appUrl;
  const jar = new Map<string, string>();
  const intent = intentCookie(prepared.flow.intent.id);
  jar.set(intent.name, intent.value);

  // The package's Auth.js sign-in for the provider: state and PKCE cookies, the consent URL.
  const started = await startZendeskSignIn(prepared.flow);
  for (const cookie of started.cookies) jar.set(cookie.name, cookie.value);
  const authorizeUrl = started.url;
  if (!authorizeUrl.startsWith(sim.url))
    throw new Error(`Auth.js sign-in went elsewhere: ${new URL(authorizeUrl).origin}`);

  const callbackUrl = await allow(authorizeUrl, options.zendeskUserId ?? ACME_ADMIN_ID);
  const response = await handleZendeskCallback(authRequest(callbackUrl, jar), host);
  const location = response.headers.get("location") ?? "";
  const query = new URL(location, appUrl).searchParams;
  const created = query.has("connected");
  if (created || query.has("reconnected")) return { ok: true, location, created };
  return { ok: false, location, code: (query.get("error") ?? "unknown") as ConnectErrorCode };
}

function authRequest(url: string, jar: Map<string, string>) {
  const headers = new Headers({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") });
  return new Request(url, { headers });
}

/** The simulator's consent page: GET it, post Allow as the user; returns the redirect (the callback URL). */
async function allow(authorizeUrl: string, userId: number): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) {
    const location = page.headers.get("location");
    if (location) return location; // an error redirect straight back (e.g. invalid_scope)
    throw new Error(`consent page answered ${page.status}`);
  }
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    fields.append(decodeHtml(m[1]!), decodeHtml(m[2]!));
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (!action) throw new Error("no consent form on the page");
  fields.set("user_id", String(userId));
  fields.set("decision", "allow");
  const answer = await fetch(new URL(decodeHtml(action), authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: fields,
    redirect: "manual",
  });
  const location = answer.headers.get("location");
  if (answer.status !== 302 || !location) throw new Error(`consent POST answered ${answer.status}`);
  return location;
}

function decodeHtml(value: string): string {
  return value
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}
