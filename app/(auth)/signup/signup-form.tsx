"use client";

import { useActionState } from "react";
import { Field, FormMessage } from "@/app/components/field";
import { SubmitButton } from "@/app/components/submit-button";
import { MIN_PASSWORD_LENGTH } from "@/lib/accounts/password-policy";
import type { FormState } from "@zendesk-connect/next/routes";
import { signUpAction } from "../actions";

export function SignupForm({ returnTo }: { returnTo: string }) {
  const [state, action] = useActionState(signUpAction, {} as FormState);
  return (
    <form action={action} className="space-y-4" noValidate>
      <input type="hidden" name="returnTo" value={returnTo} />
      <FormMessage error={state.error} />
      <Field
        name="name"
        label="Your name"
        autoComplete="name"
        required
        defaultValue={state.values?.name}
        errors={state.fieldErrors?.name}
      />
      <Field
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        errors={state.fieldErrors?.email}
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD_LENGTH}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        errors={state.fieldErrors?.password}
      />
      <Field
        name="workspaceName"
        label="Workspace name (optional)"
        autoComplete="organization"
        defaultValue={state.values?.workspaceName}
        errors={state.fieldErrors?.workspaceName}
      />
      <SubmitButton pendingLabel="Creating account…" className="btn-primary w-full">
        Create account
      </SubmitButton>
    </form>
  );
}
