import { AsyncLocalStorage } from "node:async_hooks";
import { customFetch } from "@auth/core";
import type { OAuthConfig } from "@auth/core/providers";
import type { ZendeskConnectIntent } from "../db/schema.js";
import { fetchZendeskUser, type ZendeskUser } from "../transport/api.js";
import type { LocalClientInput, ZendeskClientCredentials } from "../store/oauth-clients.js";
import { ZendeskError, type ZendeskFailure } from "../transport/errors.js";
import { zendeskRequest } from "../transport/http.js";
import { zendeskSettings } from "../transport/settings.js";
import type { ConnectErrorCode } from "../catalogue/error-codes.js";
import { requestedLifetimes } from "../tokens/endpoint.js";
import { apiUrl, tokenUrl, zendeskUrl } from "../transport/urls.js";

/**
 * One connect flow as the server decided it: the intent stored when the form was submitted
 * and the client resolved for it. The Zendesk provider is built from this, never from the
 * callback's query string. It travels through Auth.js in an AsyncLocalStorage because
 * Auth.js calls the lazy configuration without the request from server actions.
 */
export interface ConnectFlow {
  intent: ZendeskConnectIntent;
  client: ZendeskClientCredentials;
  /** Set by the Auth.js hooks when Zendesk refuses or fails, so the callback can say exactly why. */
  failure?: ZendeskFailure;
  /** Set when the connection was stored. */
  connected?: { connectionId: string; created: boolean };
  /** A workspace's own client entered for this flow, stored only once Zendesk accepted it. */
  pendingClient?: LocalClientInput;
  /** Set when this app failed after Zendesk answered (storage), so the callback says exactly that. */
  errorCode?: ConnectErrorCode;
}

export const connectFlowStorage = new AsyncLocalStorage<ConnectFlow>();

/** The flow being handled in this async context, if any. */
export function currentConnectFlow(): ConnectFlow | undefined {
  return connectFlowStorage.getStore();
}

export const ZENDESK_PROVIDER_ID = "zendesk";

type ZendeskProfile = ZendeskUser & Record<string, unknown>;

/**
 * A custom Auth.js OAuth provider for one subdomain and client: state + PKCE (S256),
 * client_secret_post (or none for public clients), the exact configured redirect URI.
 */
export function zendeskProvider(flow: ConnectFlow): OAuthConfig<ZendeskProfile> {
  const s = zendeskSettings();
  const { subdomain, scopes } = flow.intent;
  const confidential = flow.client.kind === "confidential" && Boolean(flow.client.secret);
  const token = tokenUrl(subdomain, s.baseUrlTemplate);

  return {
    id: ZENDESK_PROVIDER_ID,
    name: "Zendesk",
    type: "oauth",
    clientId: flow.client.identifier,
    clientSecret: confidential ? flow.client.secret : undefined,
    client: { token_endpoint_auth_method: confidential ? "client_secret_post" : "none" },
    checks: ["pkce", "state"],
    authorization: {
      url: zendeskUrl(subdomain, "/oauth/authorizations/new", s.baseUrlTemplate).toString(),
      params: { scope: scopes.join(" ") },
    },
    token: { url: token.toString() },
    userinfo: {
      url: apiUrl(subdomain, s.baseUrlTemplate, "/api/v2/users/me.json").toString(),
      async request({ tokens }: { tokens: { access_token?: string } }) {
        try {
          return (await fetchZendeskUser(subdomain, tokens.access_token ?? "")) as ZendeskProfile;
        } catch (error) {
          if (error instanceof ZendeskError) flow.failure ??= error.failure;
          throw error;
        }
      },
    },
    profile(profile) {
      return { id: profile.id, name: profile.name, email: profile.email };
    },
    [customFetch]: (input: RequestInfo | URL, init?: RequestInit) => tokenEndpointFetch(flow, token, input, init),
  };
}

/**
 * Auth.js's token request passes through here, into the one transport: Zendesk's extra body
 * fields are added, its documented 201 becomes the 200 Auth.js's OAuth library insists on,
 * redirects are never followed, and a refusal is remembered precisely for the error page.
 * Auth.js has no other request to make (the profile comes from userinfo.request above), so
 * anything else is refused rather than sent.
 */
async function tokenEndpointFetch(
  flow: ConnectFlow,
  token: URL,
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  if (url.href !== token.href) throw new Error("Auth.js asked for a URL other than the Zendesk token endpoint");
  const body = new URLSearchParams(init?.body instanceof URLSearchParams ? init.body : String(init?.body ?? ""));
  for (const [key, value] of Object.entries(requestedLifetimes())) body.set(key, value);
  try {
    const response = await zendeskRequest(token, {
      method: "POST",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body,
      timeoutMs: zendeskSettings().httpTimeoutMs,
    });
    if (!response.body || typeof response.body !== "object")
      throw new ZendeskError({ kind: "malformed", status: response.status });
    return new Response(JSON.stringify(response.body), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  } catch (error) {
    if (error instanceof ZendeskError) flow.failure ??= error.failure;
    throw error;
  }
}
