import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { zendeskConnections, zendeskJobRuns } from "../db/schema.js";
import { refreshConnection, getAccessToken } from "../tokens/lifecycle.js";
import { refreshDueConnections } from "../tokens/keep-alive.js";
import { deliverDueWebhooks } from "../webhooks/deliver.js";
import { enqueueWebhook } from "../webhooks/outbox.js";
import { disconnectConnection } from "../connect/disconnect.js";
import { settleAfterResponse } from "../after-response.js";
import { setupTestDatabase } from "@/testing/database";
import {
  connectTestConnection,
  createTestAccount,
  expireAccessToken,
  setupZendeskSimulator,
  SIM_GLOBAL_CLIENT,
} from "@/testing/zendesk";
import { connectThroughCallback } from "@/testing/connect-flow";
import { setupWebhookReceiver } from "@/testing/webhooks";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "@/testing/otlp-receiver";
import { observeKeepAlive } from "./jobs.js";
import { recordRenewal } from "./metrics.js";
import { ATTR, withRenewalSpan } from "./spans.js";
import { startTelemetry, type TelemetryHandle } from "./node-sdk.js";

/*
 * Proof of the telemetry end to end: the package's real code against the simulator, an in-process
 * OpenTelemetry SDK exporting OTLP/HTTP JSON to a receiver in this process, then assertions on
 * what was exported — spans, attributes, metrics — and that nothing in it is token material.
 */

setupTestDatabase();
const zendesk = setupZendeskSimulator();
const webhooks = setupWebhookReceiver();

const OTEL_KEYS = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_METRIC_EXPORT_INTERVAL",
  "OTEL_SERVICE_NAME",
] as const;
const savedEnv: Partial<Record<string, string | undefined>> = {};
let receiver: OtlpReceiver;
let telemetry: TelemetryHandle;
/** Every token the test saw: none may appear in any export. */
const secrets = new Set<string>([SIM_GLOBAL_CLIENT.secret]);
/** Every connection made here (the simulator resets between tests: each test connects its own). */
const connectionIds: string[] = [];

async function connect(): Promise<string> {
  const { connectionId } = await connectTestConnection(zendesk.sim);
  connectionIds.push(connectionId);
  secrets.add(await getAccessToken(connectionId));
  return connectionId;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  for (const key of OTEL_KEYS) savedEnv[key] = process.env[key];
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
  process.env.OTEL_METRIC_EXPORT_INTERVAL = "600000";
  process.env.OTEL_SERVICE_NAME = "telemetry-test";
  const started = await startTelemetry();
  if (!started) throw new Error("the SDK did not start");
  telemetry = started;
});

// Registered after the database fixture: runs before it closes the database (the metrics' last
// collection queries it).
afterAll(async () => {
  await telemetry?.shutdown();
  await receiver?.close();
  for (const key of OTEL_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

async function flush(): Promise<void> {
  await settleAfterResponse();
  await telemetry.forceFlush();
}

const byName = (name: string) => receiver.spans().filter((s) => s.name === name);
const one = (name: string): ReceivedSpan => {
  const found = byName(name);
  expect(found, `a span named ${name}`).not.toHaveLength(0);
  return found.at(-1)!;
};

describe("telemetry export", () => {
  it("a connect: the callback's operation span, one client span per Zendesk attempt, and the duration metric", async () => {
    const account = await createTestAccount();
    const outcome = await connectThroughCallback(zendesk.sim, account);
    expect(outcome.ok).toBe(true);
    const [row] = await db
      .select()
      .from(zendeskConnections)
      .where(eq(zendeskConnections.workspaceId, account.workspaceId));
    const connectionId = row!.id;
    connectionIds.push(connectionId);
    secrets.add(await getAccessToken(connectionId));
    await flush();

    const callback = one("zendesk_connect.connect.callback");
    expect(callback.kind).toBe(1);
    expect(callback.attributes).toMatchObject({
      "zendesk_connect.subdomain": "acme",
      "zendesk_connect.connection.id": connectionId,
      "zendesk_connect.outcome": "connected",
    });
    expect(callback.resource["service.name"]).toBe("telemetry-test");

    const exchange = receiver.spans().find((s) => s.name === "POST /oauth/tokens" && s.traceId === callback.traceId);
    expect(exchange, "the code exchange inside the callback's trace").toBeDefined();
    const simUrl = new URL(zendesk.sim.url);
    expect(exchange!.kind).toBe(3);
    expect(exchange!.attributes).toMatchObject({
      "http.request.method": "POST",
      "server.address": simUrl.hostname,
      "server.port": Number(simUrl.port),
      "http.response.status_code": 201,
      "url.template": "/oauth/tokens",
    });
    expect(String(exchange!.attributes["url.full"])).toMatch(/\/oauth\/tokens$/);
    expect(exchange!.attributes["error.type"]).toBeUndefined();

    const me = receiver.spans().find((s) => s.name === "GET /api/v2/users/me.json" && s.traceId === callback.traceId);
    expect(me?.attributes["http.response.status_code"]).toBe(200);

    const durations = receiver.points("http.client.request.duration");
    const tokenPoint = durations.find((p) => p.attributes["url.template"] === "/oauth/tokens");
    expect(tokenPoint).toMatchObject({ unit: "s" });
    expect(tokenPoint!.value).toBeGreaterThanOrEqual(1);
    expect(tokenPoint!.attributes).toMatchObject({ "http.request.method": "POST", "http.response.status_code": 201 });
  });

  it("a renewal: its operation span (trigger, connection, subdomain, outcome) around the client span, and the counters", async () => {
    const connectionId = await connect();
    await flush();
    const before = receiver.latest("http.client.request.duration", { "url.template": "/oauth/tokens" })?.value ?? 0;
    receiver.clear();
    const result = await refreshConnection(connectionId, { force: true });
    expect(result.ok && result.refreshed).toBe(true);
    secrets.add(await getAccessToken(connectionId));
    await flush();
    const request = one("POST /oauth/tokens");
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 201,
    });
    // A first attempt is no resend: the attribute is set only on retries (stable HTTP conventions).
    expect(request.attributes["http.request.resend_count"]).toBeUndefined();
    expect(receiver.latest("http.client.request.duration", { "url.template": "/oauth/tokens" })!.value).toBe(
      before + 1,
    );
    const renewal = one("zendesk_connect.renewal");
    expect(renewal.attributes).toMatchObject({
      "zendesk_connect.renewal.trigger": "manual",
      "zendesk_connect.connection.id": connectionId,
      "zendesk_connect.subdomain": "acme",
      "zendesk_connect.outcome": "renewed",
    });
    expect(request.traceId).toBe(renewal.traceId);
    expect(
      receiver.latest("zendesk_connect.renewals", {
        "zendesk_connect.renewal.outcome": "renewed",
        "zendesk_connect.renewal.trigger": "manual",
      })?.value,
    ).toBe(1);
  });

  it("a keep-alive run: its span and counts, and the time since the last run from the database", async () => {
    const connectionId = await connect();
    await db
      .update(zendeskConnections)
      .set({ refreshTokenExpiresAt: new Date(Date.now() + 6 * 86_400_000) })
      .where(eq(zendeskConnections.id, connectionId));
    receiver.clear();
    const summary = await observeKeepAlive(() => refreshDueConnections());
    expect(summary.refreshed).toBe(1);
    secrets.add(await getAccessToken(connectionId));
    await flush();

    const run = one("zendesk_connect.keep_alive");
    expect(run.attributes).toMatchObject({
      "zendesk_connect.keep_alive.renewed": 1,
      "zendesk_connect.keep_alive.failed": 0,
    });
    const inside = receiver.spans().find((s) => s.name === "POST /oauth/tokens" && s.traceId === run.traceId);
    expect(inside, "the renewal's request inside the run's trace").toBeDefined();

    expect(receiver.latest("zendesk_connect.keep_alive.runs", { "zendesk_connect.outcome": "ok" })?.value).toBe(1);
    expect(
      receiver.latest("zendesk_connect.keep_alive.connections", { "zendesk_connect.keep_alive.result": "renewed" })
        ?.value,
    ).toBe(1);
    expect(receiver.latest("zendesk_connect.keep_alive.duration")?.value).toBe(1);
    const since = receiver.latest("zendesk_connect.keep_alive.time_since_last_run");
    expect(since?.unit).toBe("s");
    expect(since!.value).toBeLessThan(60);
    const [stored] = await db.select().from(zendeskJobRuns).where(eq(zendeskJobRuns.job, "keep_alive"));
    expect(stored).toMatchObject({ renewed: 1, skipped: 0, failed: 0 });

    expect(
      receiver.latest("zendesk_connect.connections", { "zendesk_connect.connection.status": "active" })?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(
      receiver.latest("zendesk_connect.connections", { "zendesk_connect.connection.status": "needs_reconnect" })?.value,
    ).toBe(0);
  });

  it("a webhook delivery: its operation span around a client POST span, and the delivery and backlog metrics", async () => {
    receiver.clear();
    const id = await db.transaction((tx) =>
      enqueueWebhook(tx, {
        type: "connection.created",
        timestamp: new Date().toISOString(),
        data: { connection_id: null, workspace_id: null, subdomain: "acme", status: "active", scopes: ["read"] },
      }),
    );
    expect(id).toBeTruthy();
    await telemetry.forceFlush();
    expect(
      receiver.latest("zendesk_connect.webhook.outbox.backlog", { "zendesk_connect.webhook.state": "new" })?.value,
    ).toBe(1);
    receiver.clear();
    expect(await deliverDueWebhooks()).toMatchObject({ delivered: 1 });
    await flush();
    const delivery = one("zendesk_connect.webhook.delivery");
    expect(delivery.attributes).toMatchObject({
      "zendesk_connect.outcome": "delivered",
      "zendesk_connect.webhook.attempt": 1,
    });
    const post = receiver.spans().find((s) => s.name === "POST" && s.parentSpanId === delivery.spanId);
    expect(post?.kind).toBe(3);
    expect(post!.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 204,
      "url.full": `${webhooks.receiver.url}/hooks/zendesk`,
    });
    expect(
      receiver.latest("zendesk_connect.webhook.deliveries", { "zendesk_connect.outcome": "delivered" })!.value,
    ).toBeGreaterThanOrEqual(1);
    expect(
      receiver.latest("zendesk_connect.webhook.outbox.backlog", { "zendesk_connect.webhook.state": "new" })?.value,
    ).toBe(0);
  });

  it("a disconnect: its operation span with the revocation's outcome", async () => {
    const connectionId = await connect();
    receiver.clear();
    const result = await disconnectConnection(connectionId, null);
    expect(result.ok).toBe(true);
    await flush();
    expect(one("zendesk_connect.disconnect").attributes).toMatchObject({
      "zendesk_connect.connection.id": connectionId,
      "zendesk_connect.subdomain": "acme",
      "zendesk_connect.outcome": "revocation_revoked",
    });
  });

  it("exports no token, secret or code, and no subdomain or connection id as a metric attribute", async () => {
    await flush();
    const everything = receiver.rawBodies.join("\n");
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) expect(everything.includes(secret), "a token or secret in the export").toBe(false);
    for (const secret of webhooks.secrets) expect(everything.includes(secret.slice("whsec_".length))).toBe(false);
    expect(everything).not.toMatch(/access_token|refresh_token|client_secret|code_verifier|Bearer /);
    expect(everything).not.toMatch(/[?&]code=(?!REDACTED)/);
    for (const point of receiver.points()) {
      const values = Object.values(point.attributes).map(String);
      expect(values).not.toContain("acme");
      for (const id of connectionIds) expect(values).not.toContain(id);
    }
  });
  it("callers sharing one renewal in a process: one span and one count, the joiners add neither", async () => {
    const connectionId = await connect();
    await expireAccessToken(zendesk.sim, connectionId);
    const counted = (outcome: string) =>
      receiver.latest("zendesk_connect.renewals", {
        "zendesk_connect.renewal.outcome": outcome,
        "zendesk_connect.renewal.trigger": "on_demand",
      })?.value ?? 0;
    await flush();
    const [renewedBefore, skippedBefore] = [counted("renewed"), counted("skipped")];
    receiver.clear();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => getAccessToken(connectionId)));
    for (const token of tokens) secrets.add(token);
    expect(new Set(tokens).size).toBe(1);
    await flush();
    expect(byName("zendesk_connect.renewal")).toHaveLength(1);
    expect(counted("renewed")).toBe(renewedBefore + 1);
    expect(counted("skipped")).toBe(skippedBefore);
  });

  it("a renewal that fails for now: counted as failed with its code, and its quick retry is a resend", async () => {
    const connectionId = await connect();
    await expireAccessToken(zendesk.sim, connectionId);
    await zendesk.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "status",
      status: 500,
      times: 100,
    });
    const labels = {
      "zendesk_connect.renewal.outcome": "failed",
      "zendesk_connect.renewal.trigger": "on_demand",
      "error.type": "zendesk_error",
    };
    await flush();
    const before = receiver.latest("zendesk_connect.renewals", labels)?.value ?? 0;
    receiver.clear();
    await expect(getAccessToken(connectionId)).rejects.toMatchObject({ code: "zendesk_error" });
    await flush();
    expect(one("zendesk_connect.renewal").attributes).toMatchObject({ "zendesk_connect.outcome": "failed" });
    expect(byName("POST /oauth/tokens").map((s) => s.attributes["http.request.resend_count"])).toEqual([undefined, 1]);
    expect(receiver.latest("zendesk_connect.renewals", labels)?.value).toBe(before + 1);
  });

  it("a renewal Zendesk refuses: counted as needs_reconnect with its code", async () => {
    const connectionId = await connect();
    await zendesk.sim.control.injectFault({
      endpoint: "token",
      kind: "status",
      status: 400,
      body: { error: "invalid_grant", error_description: "The provided authorization grant is invalid" },
    });
    receiver.clear();
    await expect(refreshConnection(connectionId, { force: true })).resolves.toMatchObject({ ok: false });
    await flush();
    expect(one("zendesk_connect.renewal").attributes).toMatchObject({ "zendesk_connect.outcome": "needs_reconnect" });
    expect(
      receiver.latest("zendesk_connect.renewals", {
        "zendesk_connect.renewal.outcome": "needs_reconnect",
        "zendesk_connect.renewal.trigger": "manual",
      })?.value,
    ).toBe(1);
  });
});

describe("the renewal helpers (wired into tokens/lifecycle.ts at merge)", () => {
  it("withRenewalSpan + recordRenewal: a span with trigger, connection, subdomain and outcome, and the counter", async () => {
    receiver.clear();
    await withRenewalSpan({ trigger: "keep_alive", connectionId: "conn-1" }, async (span) => {
      span.setAttribute(ATTR.subdomain, "acme");
      recordRenewal({ outcome: "failed", trigger: "keep_alive", code: "zendesk_error" });
    });
    await flush();
    expect(one("zendesk_connect.renewal").attributes).toMatchObject({
      "zendesk_connect.renewal.trigger": "keep_alive",
      "zendesk_connect.connection.id": "conn-1",
      "zendesk_connect.subdomain": "acme",
      "zendesk_connect.outcome": "failed",
      "error.type": "zendesk_error",
    });
    expect(
      receiver.latest("zendesk_connect.renewals", {
        "zendesk_connect.renewal.outcome": "failed",
        "zendesk_connect.renewal.trigger": "keep_alive",
        "error.type": "zendesk_error",
      })?.value,
    ).toBe(1);
  });
});
