/** The control API's JSON errors and body parsing, shared by its route files. */
import { z } from "zod";
import { jsonResponse } from "./http.js";
import type { ControlErrorBody } from "./control-schema.js";
import type { SimResponse } from "./http.js";

export function controlError(status: number, error: string, message: string): SimResponse {
  const body: ControlErrorBody = { error, message };
  return jsonResponse(status, body);
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: SimResponse };

/** Parses a JSON body (empty = `{}`) with a schema; a bad one is a 400 naming every problem. */
export function parseInput<S extends z.ZodType>(schema: S, raw: string): Parsed<z.output<S>> {
  let json: unknown = {};
  if (raw.trim() !== "") {
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, response: controlError(400, "invalid_json", "The control API takes a JSON body.") };
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, response: controlError(400, "invalid_body", z.prettifyError(result.error)) };
  return { ok: true, data: result.data };
}
