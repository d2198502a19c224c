import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "@/lib/accounts/fields";
import { verifyCredentials } from "@/lib/accounts/accounts";
import { env } from "@/config/env";
import { completeZendeskSignIn, currentConnectFlow, ZENDESK_PROVIDER_ID, zendeskProvider } from "@/lib/zendesk";
import { throttledSignIn } from "@/lib/throttle/attempts";
import { clientAddress } from "@/lib/throttle/client-address";
import { authLogger } from "./logger";
import { TooManyAttempts } from "./too-many-attempts";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/**
 * One NextAuth instance with lazy configuration, built per request: app sign-in with email and
 * password, plus (per connect intent) the Zendesk provider of lib/zendesk/connect/provider.ts.
 * Sessions are signed JWT cookies, so they survive a server restart.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(async () => buildAuthConfig());

async function buildAuthConfig(): Promise<NextAuthConfig> {
  const e = env();
  // The Zendesk provider exists only inside a connect flow, built from its server-side intent.
  const flow = currentConnectFlow();
  // Auth.js derives redirect_uri from AUTH_URL when set; Zendesk needs the exact registered URL.
  process.env.AUTH_URL = `${e.appUrl}/api/auth`;
  return {
    secret: e.authSecret,
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    // Auth.js debug output includes state and PKCE verifiers: never enabled.
    debug: false,
    logger: authLogger,
    providers: [
      Credentials({
        id: "credentials",
        credentials: { email: {}, password: {} },
        async authorize(raw, request) {
          const parsed = signInSchema.safeParse(raw);
          if (!parsed.success) return null;
          const { email, password } = parsed.data;
          // Here, not in the form action, so Auth.js's own callback route is throttled too.
          const address = clientAddress(request.headers, e.trustedProxyHops);
          const result = await throttledSignIn({ email, address }, () => verifyCredentials(email, password));
          if (!result.ok) throw new TooManyAttempts(result.retryAfterSeconds);
          return result.user;
        },
      }),
      ...(flow ? [zendeskProvider(flow)] : []),
    ],
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider === ZENDESK_PROVIDER_ID) return completeZendeskSignIn(account, profile);
        return true;
      },
      jwt({ token, user }) {
        if (user?.id) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
}
