import { CredentialsSignin } from "next-auth";

/**
 * Thrown from the credentials provider when the throttle refuses an attempt. Auth.js hands it to
 * signIn()'s caller unchanged (the sign-in action shows the wait) and, on its HTTP route,
 * redirects to /login?error=CredentialsSignin&code=too_many_attempts.
 */
export class TooManyAttempts extends CredentialsSignin {
  override code = "too_many_attempts";
  constructor(readonly retryAfterSeconds: number) {
    super("Too many attempts");
  }
}
