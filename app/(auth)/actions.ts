"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { createAccount } from "@/lib/accounts/accounts";
import { signInSchema, signUpSchema } from "@/lib/accounts/fields";
import { signIn } from "@/lib/auth/auth";
import { safeReturnTo, tooManyAttemptsMessage } from "@zendesk-connect/next";
import { TooManyAttempts } from "@/lib/auth/too-many-attempts";
import { appEnv as env } from "@/config/env";
import { type FormState, parseForm } from "@zendesk-connect/next/routes";
import { throttleSignUp } from "@/lib/auth/sign-in-throttle";
import { clientAddress } from "@/lib/throttle/client-address";

/** Email + password sign-in; one generic message for every wrong combination. */
export async function signInAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const parsed = parseForm(signInSchema, formData, { echo: ["email"] });
  if (!parsed.ok) return parsed.state;
  const returnTo = safeReturnTo(formData.get("returnTo"));
  try {
    await signIn("credentials", { ...parsed.data, redirect: false });
  } catch (error) {
    if (error instanceof TooManyAttempts) {
      return {
        ok: false,
        code: "too_many_attempts",
        error: tooManyAttemptsMessage(error.retryAfterSeconds),
        values: { email: parsed.data.email },
      };
    }
    if (error instanceof AuthError) {
      return {
        ok: false,
        error: "That email and password don't match an account.",
        values: { email: parsed.data.email },
      };
    }
    throw error;
  }
  // redirect() throws to navigate: outside the try.
  redirect(returnTo);
}

/** Creates the account and its workspace, then signs the new user in. */
export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const parsed = parseForm(signUpSchema, formData, { echo: ["name", "email", "workspaceName"] });
  if (!parsed.ok) return parsed.state;
  const values = { name: parsed.data.name, email: parsed.data.email, workspaceName: parsed.data.workspaceName ?? "" };
  const limited = await throttleSignUp(clientAddress(await headers(), env().trustedProxyHops));
  if (!limited.ok) {
    return { ok: false, code: "too_many_attempts", error: tooManyAttemptsMessage(limited.retryAfterSeconds), values };
  }
  const created = await createAccount(parsed.data);
  if (!created.ok) {
    return {
      ok: false,
      fieldErrors: { email: ["An account with this email already exists. Sign in instead."] },
      code: "email_taken",
      values,
    };
  }
  try {
    await signIn("credentials", { email: parsed.data.email, password: parsed.data.password, redirect: false });
  } catch (error) {
    // The account exists; only signing in is paused (too many failed sign-ins from this address).
    if (!(error instanceof TooManyAttempts)) throw error;
    return {
      ok: false,
      code: "too_many_attempts",
      error: `Your account is ready, but signing in is paused. ${tooManyAttemptsMessage(error.retryAfterSeconds)}`,
      values,
    };
  }
  redirect(safeReturnTo(formData.get("returnTo")));
}
