import { createHmac } from "node:crypto";

/*
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * "{webhook-id}.{webhook-timestamp}.{body}", HMAC-SHA256 with the decoded secret, sent as
 * "v1,<base64>". With two secrets (a rotation) every message carries both, the first one first,
 * so a host app verifying with either secret accepts it.
 */

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three Standard Webhooks headers for one attempt; `timestampSeconds` is the attempt's time. */
export function signWebhook(
  secrets: readonly Uint8Array[],
  id: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  if (secrets.length === 0) throw new Error("no webhook secret to sign with");
  const timestamp = String(Math.floor(timestampSeconds));
  const content = `${id}.${timestamp}.${body}`;
  const signature = secrets
    .map((secret) => `v1,${createHmac("sha256", secret).update(content, "utf8").digest("base64")}`)
    .join(" ");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
}
