import type { z } from "zod";

/** What every server action returns to `useActionState`: never raw errors, never secrets. */
export interface FormState {
  ok?: boolean;
  /** A human message for the whole form. */
  error?: string;
  /** Machine-readable code for the message (tests, troubleshooting links). */
  code?: string;
  fieldErrors?: Record<string, string[] | undefined>;
  /** Non-secret values echoed back so a failed submit loses nothing the user typed. */
  values?: Record<string, string>;
  message?: string;
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; state: FormState };

/** Validates FormData with a zod schema; on failure returns field-level messages and the typed values. */
export function parseForm<S extends z.ZodType>(
  schema: S,
  formData: FormData,
  { echo = [] as string[] } = {},
): Parsed<z.infer<S>> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION")) continue;
    if (typeof value !== "string") continue;
    const existing = raw[key];
    if (existing === undefined) raw[key] = value;
    else raw[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  // A repeated field (checkboxes) echoes as its values joined by spaces; an absent one as "".
  const values = Object.fromEntries(echo.map((k) => [k, ([] as unknown[]).concat(raw[k] ?? []).join(" ")]));
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "form");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { ok: false, state: { ok: false, fieldErrors, values } };
}
