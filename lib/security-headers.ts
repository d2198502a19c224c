import { zendeskCspSource } from "@zendesk-connect/next";
import { appEnv } from "@/config/env";

/*
 * Response security headers that depend on the request or the deployment (the static ones are
 * in next.config.mjs). proxy.ts sets them on every page: a fresh nonce per request, which Next
 * reads back from the request's CSP header and puts on its own scripts. Pages therefore render
 * dynamically (app/layout.tsx).
 */

export interface CspOptions {
  nonce: string;
  /** CSP source of the Zendesk instances the Connect flow leaves the app for. */
  zendeskOrigin: string;
  /** React's development build evaluates strings; production never does. */
  development: boolean;
  /** Only on https deployments: upgrading on plain-http localhost would break it. */
  https: boolean;
}

export function contentSecurityPolicy({ nonce, zendeskOrigin, development, https }: CspOptions): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced Next runtime loads are trusted; nothing inline is.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // The Connect form's answer redirects the browser to Zendesk's authorize page.
    `form-action 'self' ${zendeskOrigin}`,
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";

/** The headers for one page response, from configuration. */
export function pageSecurityHeaders(nonce: string): Record<string, string> {
  const e = appEnv();
  const https = e.appUrl.startsWith("https://");
  const csp = contentSecurityPolicy({
    nonce,
    zendeskOrigin: zendeskCspSource(),
    development: process.env.NODE_ENV === "development",
    https,
  });
  return {
    "Content-Security-Policy": csp,
    ...(https ? { "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY } : {}),
  };
}
