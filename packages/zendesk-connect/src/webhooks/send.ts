import type { SignedHeaders } from "./signing.js";

/*
 * One HTTP attempt. The URL is operator configuration, yet the sender still refuses anything but
 * http(s), never follows a redirect (a 3xx is a failed attempt), bounds the attempt with a
 * timeout, and never reads the answer's body: only its status is kept.
 */

/** Bodies above this are never sent (ours are a few hundred bytes). */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export type SendOutcome = { kind: "answered"; status: number } | { kind: "no_answer"; error: string };

export async function postWebhook(
  url: string,
  headers: SignedHeaders,
  body: string,
  timeoutMs: number,
): Promise<SendOutcome> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:")
    return { kind: "no_answer", error: "refused: the webhook URL is not http(s)" };
  if (Buffer.byteLength(body, "utf8") > MAX_WEBHOOK_BODY_BYTES)
    return { kind: "no_answer", error: "refused: the body exceeds 64 KiB" };
  try {
    const response = await fetch(target, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "zendesk-connect-webhooks/1",
        ...headers,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is never read: it is the endpoint's, and nothing here needs it.
    await response.body?.cancel().catch(() => {});
    return { kind: "answered", status: response.status };
  } catch (error) {
    return { kind: "no_answer", error: describeNetworkError(error) };
  }
}

function describeNetworkError(error: unknown): string {
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `connection failed (${code})` : "connection failed";
}
