import { z } from "zod";

import { MIN_PASSWORD_LENGTH } from "./password-policy";

export { MIN_PASSWORD_LENGTH };

/** Emails are compared and stored trimmed and lower-cased. */
export const emailField = z
  .string({ error: "Enter your email address" })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address")
  .max(254, "That email address is too long")
  .pipe(z.email({ error: "Enter a valid email address, like name@example.com" }));

export const newPasswordField = z
  .string({ error: "Choose a password" })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, "Use at most 200 characters");

export const signUpSchema = z.object({
  name: z.string({ error: "Enter your name" }).trim().min(1, "Enter your name").max(100, "Use at most 100 characters"),
  email: emailField,
  password: newPasswordField,
  workspaceName: z
    .string()
    .trim()
    .max(100, "Use at most 100 characters")
    .optional()
    .transform((v) => (v ? v : undefined)),
});

export const signInSchema = z.object({
  email: emailField,
  // No length rule at sign-in: a wrong password gets the one generic message.
  password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(200),
});

export type SignUpInput = z.infer<typeof signUpSchema>;
