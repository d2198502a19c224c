import { type NextRequest, NextResponse } from "next/server";
import { pageSecurityHeaders } from "@/lib/security-headers";

// An optimistic early redirect only: the real check is lib/auth/session.ts, where data is read.
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];
const SIGNED_IN_PATHS = /^\/($|settings(\/|$))/;

/** Every page: a per-request CSP nonce (lib/security-headers.ts); signed-in pages: the early redirect. */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const security = pageSecurityHeaders(nonce);

  let response: NextResponse;
  if (SIGNED_IN_PATHS.test(pathname) && !SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    const login = new URL("/login", request.url);
    login.searchParams.set("returnTo", `${pathname}${search}`);
    response = NextResponse.redirect(login);
  } else {
    // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("Content-Security-Policy", security["Content-Security-Policy"]!);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Pages only: API routes answer JSON, and static files carry no scripts.
  matcher: ["/((?!api/|_next/static/|_next/image|favicon.ico).*)"],
};
