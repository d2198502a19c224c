import { Auth, type AuthConfig, raw, skipCSRFCheck } from "@auth/core";
import type { CookiesOptions } from "@auth/core/types";
import { env } from "../config/env.js";
import { completeZendeskSignIn } from "../connect/flow.js";
import { type ConnectFlow, connectFlowStorage, currentConnectFlow, zendeskProvider } from "../connect/provider.js";
import { zendeskSettings } from "../transport/settings.js";
import { logger } from "../telemetry/log.js";

/*
 * The package's own Auth.js instance (@auth/core), separate from any the host runs: mounted at
 * the package's base path (so the host's /api/auth is never touched), with its own cookie names
 * and secret. It knows one provider, Zendesk, built per subdomain from the server-stored connect
 * intent; its signIn callback stores the connection and answers with a URL, so Auth.js writes
 * no session: a Zendesk identity never becomes a sign-in to the host.
 */

const COOKIE_PREFIX = "zendesk-connect";
/** Auth.js's sealed state cookie: the callback checks it before it touches the connect intent. */
export const STATE_COOKIE = `${COOKIE_PREFIX}.state`;

function cookies(basePath: string, secure: boolean): Partial<CookiesOptions> {
  const options = { httpOnly: true, sameSite: "lax" as const, path: basePath, secure };
  const named = (name: string) => ({ name: `${COOKIE_PREFIX}.${name}`, options });
  return {
    state: named("state"),
    pkceCodeVerifier: named("pkce"),
    nonce: named("nonce"),
    callbackUrl: named("callback-url"),
    csrfToken: named("csrf"),
    sessionToken: named("session"),
    webauthnChallenge: named("challenge"),
  };
}

function authConfig(flow: ConnectFlow | undefined): AuthConfig {
  const e = env();
  const { basePath } = zendeskSettings();
  return {
    basePath,
    secret: e.authSecret,
    trustHost: true,
    session: { strategy: "jwt" },
    cookies: cookies(basePath, e.appUrl.startsWith("https://")),
    // Auth.js debug output includes state and PKCE verifiers: never enabled.
    debug: false,
    logger: {
      // Names only: Auth.js errors can carry the token response in their cause.
      error: (error) => logger.error({ err_name: error.name }, "Auth.js error in the connect flow"),
      warn: () => {},
      debug: () => {},
    },
    providers: flow ? [zendeskProvider(flow)] : [],
    callbacks: {
      signIn: ({ account, profile }) => completeZendeskSignIn(account ?? null, profile),
    },
  };
}

/**
 * Auth.js derives redirect_uri from the request's origin; Zendesk needs the exact registered
 * URL, so the request is re-addressed to APP_URL (a proxy's Host header never decides it).
 */
function onAppOrigin(request: Request): Request {
  const url = new URL(request.url);
  return new Request(new URL(`${url.pathname}${url.search}`, env().appUrl), request);
}

/** Handles the OAuth callback request with Auth.js, inside the flow the intent decided. */
export function authJsCallback(request: Request): Promise<Response> {
  return Auth(onAppOrigin(request), authConfig(currentConnectFlow()));
}

export interface SignInStart {
  /** Zendesk's consent page (state and code_challenge in the query). */
  url: string;
  /** Auth.js's state and PKCE cookies, to set on the browser before it goes. */
  cookies: { name: string; value: string; options: Record<string, unknown> }[];
}

/**
 * Starts Auth.js's sign-in for this flow's provider, as a server-side call (the CSRF check is
 * skipped: the caller is a server action or route of this package, which Next and we check).
 */
export async function startZendeskSignIn(flow: ConnectFlow): Promise<SignInStart> {
  const { basePath, settingsPath } = zendeskSettings();
  const request = new Request(new URL(`${basePath}/signin/zendesk`, env().appUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ callbackUrl: settingsPath }),
  });
  const result = await connectFlowStorage.run(flow, () => Auth(request, { ...authConfig(flow), raw, skipCSRFCheck }));
  if (!result.redirect) throw new Error("Auth.js did not answer with the consent page's URL");
  return {
    url: result.redirect,
    cookies: (result.cookies ?? []).map((c) => ({
      name: c.name,
      value: c.value,
      options: c.options as Record<string, unknown>,
    })),
  };
}
