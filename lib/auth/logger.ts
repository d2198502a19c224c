import { logger } from "@zendesk-connect/next";
import type { NextAuthConfig } from "next-auth";

/**
 * Auth.js's default logger prints error causes and debug metadata that can carry OAuth
 * codes, state and PKCE verifiers. Ours prints only the error's name and type.
 */
export const authLogger: NonNullable<NextAuthConfig["logger"]> = {
  error(error) {
    const type = (error as { type?: string }).type ?? error.name;
    // CredentialsSignin is an ordinary wrong password, not an operational error.
    if (type === "CredentialsSignin") return;
    logger.error({ component: "auth", auth_error: type }, `Auth.js error: ${type}`);
  },
  warn(code) {
    logger.warn({ component: "auth", auth_warning: code }, `Auth.js warning: ${code}`);
  },
  debug() {},
};
