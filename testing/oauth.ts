/**
 * The OAuth steps a test or a benchmark plays against the Zendesk simulator, over real HTTP:
 * the PKCE pair, Allow on the consent page, the code exchange, and the token digest used to
 * compare tokens without printing them. Used by Vitest (testing/zendesk.ts), the race worker
 * and bench/. Imports neither vitest nor the app, so child processes and scripts can load it.
 */
import { createHash, randomBytes } from "node:crypto";

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** A short SHA-256 digest of a token: lets tests and benchmarks compare tokens without holding or printing them. */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 16);
}

export function decodeHtml(value: string): string {
  return value
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'")
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** The simulator's authorization URL for a code flow with PKCE. */
export function consentUrl(
  instanceUrl: string,
  o: { clientId: string; redirectUri: string; scope: string; challenge: string },
): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: o.scope,
    state: randomBytes(16).toString("base64url"),
    code_challenge: o.challenge,
    code_challenge_method: "S256",
  });
  return `${instanceUrl}/oauth/authorizations/new?${params}`;
}

/** GETs the simulator's consent page and posts Allow as `userId`; returns the redirect (carrying the code). */
export async function allowConsent(authorizeUrl: string, userId: number): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    fields[decodeHtml(m[1]!)] = decodeHtml(m[2]!);
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (!action) throw new Error("no consent form on the page");
  const answer = await fetch(new URL(decodeHtml(action), authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, user_id: String(userId), decision: "allow" }),
    redirect: "manual",
  });
  const location = answer.headers.get("location");
  if (answer.status !== 302 || !location) throw new Error(`consent POST answered ${answer.status}`);
  return location;
}

/** The code from a consent redirect. */
export function codeFrom(redirect: string): string {
  const code = new URL(redirect).searchParams.get("code");
  if (!code) throw new Error("the consent gave no code");
  return code;
}

/** POSTs a grant to the instance's token endpoint; returns Zendesk's JSON answer (200 or 201). */
export async function tokenRequest(
  instanceUrl: string,
  params: Record<string, string>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${instanceUrl}/oauth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as Record<string, unknown>;
  // The error body is Zendesk's {error, error_description}: no token material.
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`token endpoint answered ${response.status} ${String(body.error)}`);
  return body;
}

/** The code exchange (authorization_code grant with the PKCE verifier). */
export function exchangeCode(
  instanceUrl: string,
  o: { code: string; clientId: string; clientSecret: string; redirectUri: string; verifier: string },
  extra: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return tokenRequest(instanceUrl, {
    grant_type: "authorization_code",
    code: o.code,
    client_id: o.clientId,
    client_secret: o.clientSecret,
    redirect_uri: o.redirectUri,
    code_verifier: o.verifier,
    ...extra,
  });
}
