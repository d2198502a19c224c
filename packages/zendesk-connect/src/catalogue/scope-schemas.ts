import { z } from "zod";
import { DEFAULT_PRESET_ID, parseScopeString, SCOPE_PRESET_IDS, validateScopes } from "./scopes.js";

/** Zod schema for a preset id from a form; defaults to the least-privilege preset when absent. */
export const scopePresetIdSchema = z.enum(SCOPE_PRESET_IDS).default(DEFAULT_PRESET_ID);

/** Zod schema for server actions: a space-separated string or a list (checkboxes) in, validated canonical scopes out. */
export const scopesSchema = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const result = validateScopes(typeof value === "string" ? parseScopeString(value) : value);
  if (!result.ok) {
    ctx.addIssue({ code: "custom", message: result.error });
    return z.NEVER;
  }
  return result.scopes;
});
