/**
 * A host app's webhook endpoint for tests: a real HTTP server on loopback that verifies every
 * message with the `standardwebhooks` library (the specification's reference implementation,
 * not this product's code), answers as the test asks (2xx, 500 once per message, 410, a
 * redirect, slowly) and records what it received. Tests only: the app never imports it.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceiverMode =
  | { kind: "ok" }
  /** 500 to the first delivery of each webhook-id, then 204. */
  | { kind: "fail_once" }
  | { kind: "status"; status: number }
  /** 302 to another path of this server (a sender must not follow it). */
  | { kind: "redirect" }
  /** Answers 204 after this delay (or never, if the sender gives up first). */
  | { kind: "slow"; delayMs: number };

export interface ReceivedMessage {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: unknown;
  /** Per secret given to the receiver, in order: did the message verify with it? */
  verifiedWith: boolean[];
  answered: number | null;
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  messages: ReceivedMessage[];
  /** Requests that reached the redirect target (must stay 0). */
  redirectTargetHits: number;
  /** Times one webhook-id arrived while another delivery of it was still in flight. */
  concurrentDuplicates: number;
  setMode(mode: ReceiverMode): void;
  /** Verified messages only, in arrival order. */
  verified(): ReceivedMessage[];
  waitFor(predicate: (r: WebhookReceiver) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (port 0) that verifies with each of `secrets` ("whsec_..."). */
export async function startWebhookReceiver(secrets: string[]): Promise<WebhookReceiver> {
  const verifiers = secrets.map((s) => new Webhook(s));
  let mode: ReceiverMode = { kind: "ok" };
  const failedOnce = new Set<string>();
  const inFlight = new Map<string, number>();

  const receiver: WebhookReceiver = {
    url: "",
    messages: [],
    redirectTargetHits: 0,
    concurrentDuplicates: 0,
    setMode: (m) => void (mode = m),
    verified: () => receiver.messages.filter((m) => m.verifiedWith.some(Boolean)),
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const server: Server = createServer(async (req, res) => {
    if (req.url === "/redirected") {
      receiver.redirectTargetHits += 1;
      res.writeHead(204).end();
      return;
    }
    const body = await readBody(req);
    const header = (name: string) => String(req.headers[name] ?? "");
    const id = header("webhook-id");
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": header("webhook-timestamp"),
      "webhook-signature": header("webhook-signature"),
    };
    const verifiedWith = verifiers.map((v) => {
      try {
        v.verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    let payload: unknown = null;
    try {
      payload = JSON.parse(body);
    } catch {
      // recorded as null
    }
    const message: ReceivedMessage = {
      id,
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
      body,
      payload,
      verifiedWith,
      answered: null,
      receivedAt: Date.now(),
    };
    receiver.messages.push(message);
    const running = inFlight.get(id) ?? 0;
    if (running > 0) receiver.concurrentDuplicates += 1;
    inFlight.set(id, running + 1);
    const answer = (status: number, extra: Record<string, string> = {}) => {
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      message.answered = status;
      if (!res.writableEnded) res.writeHead(status, extra).end();
    };
    res.on("close", () => {
      if (message.answered === null) inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
    });
    if (!verifiedWith.some(Boolean)) return answer(400);
    switch (mode.kind) {
      case "ok":
        return answer(204);
      case "fail_once":
        if (failedOnce.has(id)) return answer(204);
        failedOnce.add(id);
        return answer(500);
      case "status":
        return answer(mode.status);
      case "redirect":
        return answer(302, { location: `${receiver.url}/redirected` });
      case "slow": {
        const delay = mode.delayMs;
        setTimeout(() => {
          if (!res.destroyed) answer(204);
        }, delay);
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
