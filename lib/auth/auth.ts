import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "@/lib/accounts/fields";
import { verifyCredentials } from "@/lib/accounts/accounts";
import { appEnv as env } from "@/config/env";
import { throttledSignIn } from "./sign-in-throttle";
import { clientAddress } from "@/lib/throttle/client-address";
import { authLogger } from "./logger";
import { TooManyAttempts } from "./too-many-attempts";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/**
 * One NextAuth instance with lazy configuration, built per request: the app's own sign-in with
 * email and password. (Zendesk connects run in @zendesk-connect/next's own Auth.js instance,
 * under its base path: this one never sees them.)
 * Sessions are signed JWT cookies, so they survive a server restart.
 */
export const { handlers, auth, signIn, signOut } = NextAuth(async () => buildAuthConfig());

async function buildAuthConfig(): Promise<NextAuthConfig> {
  const e = env();
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
    ],
    callbacks: {
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
