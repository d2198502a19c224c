import { z } from "zod";
import type { ZendeskClientCredentials } from "../store/oauth-clients.js";
import { ZendeskError } from "../transport/errors.js";
import { zendeskRequest } from "../transport/http.js";
import { zendeskSettings } from "../transport/settings.js";
import type { Subdomain } from "../transport/subdomain.js";
import { tokenUrl } from "../transport/urls.js";

/** Zendesk's token response; `expires_in` may be missing when the request omitted it. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().int().positive().optional(),
  refresh_token_expires_in: z.coerce.number().int().positive().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * The lifetimes we ask for on every code exchange and refresh. Always sent: without
 * `expires_in` Zendesk may answer without one and a client never learns when to refresh.
 */
export function requestedLifetimes(): { expires_in: string; refresh_token_expires_in: string } {
  const s = zendeskSettings();
  return {
    expires_in: String(s.accessTokenTtlSeconds),
    refresh_token_expires_in: String(s.refreshTokenTtlSeconds),
  };
}

/** Client authentication in the body (client_secret_post; public clients send only the id). */
export function clientAuthParams(client: ZendeskClientCredentials): Record<string, string> {
  return client.kind === "public" || !client.secret
    ? { client_id: client.identifier }
    : { client_id: client.identifier, client_secret: client.secret };
}

export type TokenGrant =
  | { grant_type: "refresh_token"; refresh_token: string; scope?: string }
  | { grant_type: "client_credentials"; scope: string };

/** POSTs a grant to the instance's token endpoint; 200 and 201 are both success. */
export async function requestToken(
  subdomain: Subdomain,
  client: ZendeskClientCredentials,
  grant: TokenGrant,
  { timeoutMs = zendeskSettings().httpTimeoutMs, resendCount }: { timeoutMs?: number; resendCount?: number } = {},
): Promise<TokenResponse> {
  const s = zendeskSettings();
  const url = tokenUrl(subdomain, s.baseUrlTemplate);
  const params = new URLSearchParams({
    ...Object.fromEntries(Object.entries(grant).filter(([, v]) => v !== undefined)),
    ...clientAuthParams(client),
    ...(grant.grant_type === "refresh_token" ? requestedLifetimes() : { expires_in: requestedLifetimes().expires_in }),
  });
  const response = await zendeskRequest(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: params,
    timeoutMs,
    resendCount,
  });
  const parsed = tokenResponseSchema.safeParse(response.body);
  if (!parsed.success) throw new ZendeskError({ kind: "malformed", status: response.status });
  return parsed.data;
}
