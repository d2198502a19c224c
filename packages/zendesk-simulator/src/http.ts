import type { IncomingMessage } from "node:http";

/**
 * Handlers build a response value instead of writing to the socket, so the server can
 * still decide to drop it (the `close_after_commit` fault) after the state has changed.
 */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Params = Record<string, string>;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

export function htmlResponse(status: number, html: string, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Inline CSS only; no scripts or external assets. No form-action: Chrome applies it to
      // the 302 that follows the consent form, which targets the app's callback.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "x-frame-options": "DENY",
      ...headers,
    },
    body: html,
  };
}

export function textResponse(status: number, text: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body: text };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers, body: "" };
}

export function redirectResponse(location: string): SimResponse {
  return { status: 302, headers: { location, "cache-control": "no-store" }, body: "" };
}

export class BodyTooLargeError extends Error {}

/** Reads the whole request body as UTF-8, refusing more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) throw new BodyTooLargeError(`request body over ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export type BodyParseResult =
  { ok: true; format: "json" | "form" | "empty"; params: Params } | { ok: false; reason: string };

/**
 * Flattens a JSON or form body into string parameters, as Zendesk accepts both for
 * `/oauth/tokens`. JSON numbers (`"expires_in": 3600`) become strings; nested values are
 * dropped because no OAuth parameter is structured.
 */
export function parseBodyParams(contentType: string | undefined, raw: string): BodyParseResult {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (raw.trim() === "") return { ok: true, format: "empty", params: {} };
  if (type === "application/json" || type.endsWith("+json")) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: "The request body is not valid JSON." };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, reason: "The request body must be a JSON object." };
    }
    const params: Params = {};
    for (const [key, field] of Object.entries(value)) {
      if (typeof field === "string") params[key] = field;
      else if (typeof field === "number" || typeof field === "boolean") params[key] = String(field);
    }
    return { ok: true, format: "json", params };
  }
  if (type === "application/x-www-form-urlencoded") {
    return { ok: true, format: "form", params: Object.fromEntries(new URLSearchParams(raw)) };
  }
  return { ok: false, reason: `Unsupported content type "${type || "none"}": send JSON or form data.` };
}

/** The scheme of the Authorization header, for the log (never its value). */
export function authorizationScheme(header: string | undefined): "bearer" | "basic" | "other" | null {
  if (header === undefined || header.trim() === "") return null;
  const scheme = header.trim().split(/\s+/)[0]?.toLowerCase();
  if (scheme === "bearer") return "bearer";
  if (scheme === "basic") return "basic";
  return "other";
}
