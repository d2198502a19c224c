import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/index.js";
import { webhookMessages, zendeskConnectionEvents, zendeskConnections } from "../db/schema.js";
import { setupTestDatabase } from "@/testing/database";
import { setupWebhookReceiver } from "@/testing/webhooks";
import { startWorkerProcess } from "@/testing/worker-process";
import { connectTestConnection, createTestAccount, setupZendeskSimulator, SIM_GLOBAL_CLIENT } from "@/testing/zendesk";
import { openAccessToken, openRefreshToken } from "../store/sealed.js";
import { zendeskSettings } from "../transport/settings.js";
import { deliverDueWebhooks } from "../webhooks/deliver.js";
import { TOKEN_REASONS } from "./lifecycle.js";

/*
 * Randomized fault runs of a connection's life, model-based (issue #22): fast-check generates
 * sequences of what happens to one connection — connect, reconnect, API calls on use from two
 * processes at once, Refresh now, keep-alive runs in two processes at once, disconnect, an admin
 * revoking in Zendesk, the account closing and reopening, transient 503s and timeouts, a worker
 * SIGKILLed mid-renewal, the clock moving — against real Postgres, the simulator over HTTP and two
 * worker processes. After every step, once quiet:
 *   1. the stored pair works at Zendesk unless the status (or the clock) says otherwise;
 *   2. no orphans: Zendesk holds no live token of the connection other than the stored one, except
 *      a recorded lost answer (a killed holder) or a recorded failed revocation;
 *   3. ended only on a Zendesk verdict, a lapsed refresh token, a lost answer, or after failing for
 *      the give-up period of the current grant;
 *   4. at most one token request per due renewal across processes (two with the in-run retry of a
 *      transient fault), none while backing off except a person's Refresh now;
 *   5. the history agrees with the state, and no token appears in any event;
 *   6. the webhooks agree with the history: webhooks are on (WEBHOOK_URL / WEBHOOK_SECRET in this
 *      process and the workers, pointing at a local receiver that verifies every signature); the
 *      steps queue webhooks in the outbox with their state changes, the delivery runner sends them
 *      before the check (no process delivers right after commit: cheaper, and the runner is the
 *      path every message ends on), and each history event the host app hears of (mapped here from the history alone: created,
 *      reconnected, permissions changed, a transient refresh failure, recovered, needs reconnect,
 *      revoked by Zendesk, disconnected) arrived exactly once, signed, in order, with the status
 *      the history implies; the last one agrees with the stored status; no access or refresh token
 *      the run has seen, no client secret and no webhook secret is in any webhook body or header.
 * A failing run prints fast-check's seed, path and shrunk command sequence (replay with
 * `npm run chaos -- --seed S --path P`). Budget: CHAOS_RUNS (default 30) x 20 steps.
 */

const RUNS = Number(process.env.CHAOS_RUNS ?? 30);
const SEED = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);
const PATH = process.env.CHAOS_PATH;
const STEPS = Number(process.env.CHAOS_STEPS ?? 20);

setupTestDatabase();
const fixture = setupZendeskSimulator({ httpTimeoutMs: 500 });
// Before the workers start (beforeAll order): they inherit WEBHOOK_URL / WEBHOOK_SECRET.
const hooks = setupWebhookReceiver();

type Worker = ReturnType<typeof startWorkerProcess> & {
  send(op: string, connectionId: string): Promise<{ ok: boolean; code: string | null }>;
};
let seq = 0;
/** Unexpected errors the workers reported (never a ZendeskError): each fails the step it ends in. */
const crashes: string[] = [];

function startWorker(): Worker {
  const process_ = startWorkerProcess("lifecycle-worker.ts", []);
  const waiting = new Map<number, (value: { ok: boolean; code: string | null }) => void>();
  let buffer = "";
  // startWorkerProcess keeps its own copy of stdout; this listener answers the commands.
  const worker = process_ as Worker;
  worker.send = (op, connectionId) => {
    const id = ++seq;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      void worker.ready.then(() => worker.stdin.write(`${JSON.stringify({ seq: id, op, connectionId })}\n`));
    });
  };
  worker.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith("{")) continue;
      const answer = JSON.parse(line) as { seq: number; ok: boolean; code: string | null };
      // Anything but a ZendeskError (a TypeError, a failed query) is a bug whatever the step was.
      if (answer.code?.startsWith("crash:")) crashes.push(answer.code);
      waiting.get(answer.seq)?.(answer);
      waiting.delete(answer.seq);
    }
  });
  return worker;
}

const workers: Worker[] = [];

beforeAll(async () => {
  workers.push(startWorker(), startWorker());
  await Promise.all(workers.map((w) => w.ready));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
});

// ---- the model --------------------------------------------------------------------------

interface Model {
  connected: boolean;
  /** An admin revoked the grant in Zendesk (the app learns only when it next uses it). */
  revokedInZendesk: boolean;
  accountClosed: boolean;
  /** A holder was killed mid-renewal since the grant began: its answer may be lost. */
  lostAnswerPossible: boolean;
  kills: number;
  /** When the current grant began, in the stored timestamps' frame (moved back with the clock). */
  grantStartedAt: number;
}

interface Real {
  account: { userId: string; workspaceId: string };
  connectionId: string | null;
  /** Connection ids this run created (a disconnect + connect makes a new one). */
  log: string[];
  /**
   * Recorded lost answers: times the row was left with refresh_in_flight_since set (an attempt whose
   * answer never arrived, e.g. a timeout after Zendesk rotated). Each may leave one pair at Zendesk
   * that nobody can know, let alone revoke.
   */
  lostEpisodes: number;
  markerSeen: boolean;
  /** Every access and refresh token stored during the run (and live token prefixes at Zendesk). */
  tokensSeen: Set<string>;
  /** Webhooks of the run already counted in `executed.webhooks`. */
  webhooksCounted: number;
}

const s = () => zendeskSettings();
const nowMs = () => Date.now();

async function row(real: Real) {
  if (!real.connectionId) return undefined;
  const [r] = await db.select().from(zendeskConnections).where(eq(zendeskConnections.id, real.connectionId));
  return r;
}

/** Token requests (refresh_token grants) the simulator received since the step began. */
async function refreshRequests(): Promise<number> {
  return (await fixture.sim.control.requestLog()).counts.by_grant_type.refresh_token ?? 0;
}

/** The step's requests at Zendesk, for a failure message (no secrets: the log masks them). */
async function requestSummary(): Promise<string> {
  const log = await fixture.sim.control.requestLog();
  return log.entries.map((e) => JSON.stringify(e)).join("\n");
}

async function liveTokens(): Promise<string[]> {
  return (await fixture.sim.control.tokens({ subdomain: "acme" })).map((t) => t.token);
}

async function history(real: Real) {
  return db
    .select({
      id: zendeskConnectionEvents.id,
      type: zendeskConnectionEvents.type,
      connectionId: zendeskConnectionEvents.connectionId,
      detail: zendeskConnectionEvents.detail,
      data: zendeskConnectionEvents.data,
      // Microseconds: now() is the transaction's start, so events of one transaction share it.
      tx: sql<string>`${zendeskConnectionEvents.createdAt}::text`,
    })
    .from(zendeskConnectionEvents)
    .where(eq(zendeskConnectionEvents.workspaceId, real.account.workspaceId))
    .orderBy(zendeskConnectionEvents.id);
}

/** Moves both clocks: the simulator's, and every stored timestamp of the row backwards. */
async function advanceClock(model: Model, seconds: number): Promise<void> {
  model.grantStartedAt -= seconds * 1000;
  await fixture.sim.control.advanceClock(seconds);
  const by = sql.raw(`interval '${Math.round(seconds)} seconds'`);
  await db.execute(sql`update zendesk_connections set
    access_token_expires_at = access_token_expires_at - ${by},
    refresh_token_expires_at = refresh_token_expires_at - ${by},
    next_attempt_at = next_attempt_at - ${by},
    failing_since = failing_since - ${by},
    refresh_in_flight_since = refresh_in_flight_since - ${by},
    refresh_lease_expires_at = refresh_lease_expires_at - ${by},
    last_refreshed_at = last_refreshed_at - ${by}`);
}

async function reinjectClosedAccount(model: Model): Promise<void> {
  if (!model.accountClosed) return;
  for (const endpoint of ["token", "users_me", "tokens_current", "token_revoke"] as const)
    await fixture.sim.control.injectFault({
      endpoint,
      subdomain: "acme",
      kind: "status",
      status: 404,
      body: "<html>Oops! Help Center closed</html>",
      content_type: "text/html",
      times: 100_000,
    });
}

type HistoryRow = Awaited<ReturnType<typeof history>>[number];
interface ExpectedWebhook {
  type: string;
  connectionId: string;
  /** The status the history implies right after the event (what data.status must say). */
  status: string;
  historyId: number;
}

/**
 * The webhooks the history calls for, derived from the history alone (not from payloads.ts): each
 * connection's events, in order, with the status they leave. A refresh failure followed by a verdict
 * in its own transaction (same created_at) is reported by the verdict only; a revocation in a
 * disconnect's transaction by connection.disconnected; a renewal is news only when it ends an error.
 * History rows of a disconnected connection lose their connection_id: a run's connections follow
 * one another, so each `connected` event opens the next connection of `real.log`.
 */
function expectedWebhooks(events: HistoryRow[], real: Real): ExpectedWebhook[] {
  const out: ExpectedWebhook[] = [];
  let index = -1;
  let status = "none";
  events.forEach((e, i) => {
    if (e.type === "connected") {
      index += 1;
      status = "active";
    }
    const connectionId = real.log[index];
    expect(connectionId, `history event ${e.type} before any connect`).toBeDefined();
    if (e.connectionId !== null)
      expect(e.connectionId, `history event ${e.type} of another connection`).toBe(connectionId);
    const next = events[i + 1];
    const sameTx = (...types: string[]) => next !== undefined && next.tx === e.tx && types.includes(next.type);
    const push = (type: string, after: string) => {
      out.push({ type, connectionId: connectionId!, status: after, historyId: e.id });
      status = after;
    };
    switch (e.type) {
      case "connected":
        return push("connection.created", "active");
      case "reconnected":
        return push("connection.reconnected", "active");
      case "scopes_changed":
        return push("connection.permissions_changed", status);
      case "refreshed":
        if (status === "error") push("connection.recovered", "active");
        else status = "active";
        return;
      case "refresh_failed":
        if (!sameTx("needs_reconnect", "revoked")) push("connection.refresh_failed", "error");
        return;
      case "needs_reconnect":
        return push("connection.needs_reconnect", "needs_reconnect");
      case "revoked":
        if (!sameTx("disconnected")) push("connection.revoked", "revoked");
        return;
      case "disconnected":
        return push("connection.disconnected", "disconnected");
      default:
        return;
    }
  });
  return out;
}

/** The secrets no webhook may carry besides tokens: the OAuth client secret and the webhook secrets. */
const fixedSecrets = () => [
  process.env.ZENDESK_CLIENT_SECRET ?? SIM_GLOBAL_CLIENT.secret,
  ...hooks.secrets,
  ...hooks.secrets.map((secret) => secret.replace(/^whsec_/, "")),
];

/**
 * (6) Runs the delivery runner (npm run webhooks:deliver) over what the steps queued, then checks
 * what the receiver got against the history.
 */
async function checkWebhooks(real: Real, current: Awaited<ReturnType<typeof row>>, events: HistoryRow[]) {
  const undelivered = () =>
    db
      .select({ id: webhookMessages.id, status: webhookMessages.status, lastError: webhookMessages.lastError })
      .from(webhookMessages)
      .where(
        sql`${webhookMessages.status} <> 'delivered' and ${webhookMessages.workspaceId} = ${real.account.workspaceId}`,
      );
  // Most steps queue nothing: the runner runs only when the outbox holds something.
  if ((await undelivered()).length > 0) {
    await deliverDueWebhooks();
    expect(await undelivered(), "the runner left messages undelivered").toEqual([]);
  }

  const received = hooks.receiver.messages.filter(
    (m) => (m.payload as { data?: { workspace_id?: string } } | null)?.data?.workspace_id === real.account.workspaceId,
  );
  // (a) signed: the receiver verified every attempt with the configured secret (standardwebhooks).
  for (const m of received) {
    expect(m.verifiedWith.every(Boolean), `webhook ${m.id} failed signature verification`).toBe(true);
    expect(m.answered, `webhook ${m.id} was not accepted`).toBe(204);
  }
  // (d) no secret anywhere on the wire.
  const secrets = [...real.tokensSeen, ...fixedSecrets()];
  for (const m of received) {
    const wire = `${m.id} ${m.timestamp} ${m.signature} ${m.body}`;
    for (const secret of secrets) expect(wire.includes(secret), `a secret in webhook ${m.id}`).toBe(false);
  }
  // One delivery per message: the receiver accepts every attempt, so nothing is ever sent twice.
  const byId = new Map<string, (typeof received)[number]>();
  for (const m of received) {
    expect(byId.has(m.id), `webhook ${m.id} delivered twice`).toBe(false);
    byId.set(m.id, m);
  }
  type Payload = { type: string; timestamp: string; data: { connection_id: string; status: string } };
  const got = [...byId.values()]
    .map((m) => m.payload as Payload)
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  for (const p of got.slice(real.webhooksCounted)) executed.webhooks[p.type] = (executed.webhooks[p.type] ?? 0) + 1;
  real.webhooksCounted = Math.max(real.webhooksCounted, got.length);
  const want = expectedWebhooks(events, real);
  const show = (list: { type: string; connectionId: string; status: string }[]) =>
    list.map((w) => `${w.type}/${w.status}@${w.connectionId.slice(0, 8)}`).join(", ");
  const gotList = got.map((p) => ({ type: p.type, connectionId: p.data.connection_id, status: p.data.status }));
  const summary = `\n  history calls for: ${show(want)}\n  receiver got:      ${show(gotList)}`;
  // (b) exactly one webhook per history event that calls for one, none other, (a) in order: by
  // timestamp (the order a host app has), events in the same millisecond as a set.
  expect(gotList.length, `webhooks delivered vs called for by the history${summary}`).toBe(want.length);
  for (let i = 0; i < got.length;) {
    let j = i + 1;
    while (j < got.length && got[j]!.timestamp === got[i]!.timestamp) j += 1;
    const key = (w: { type: string; connectionId: string; status: string }) =>
      `${w.type}/${w.status}@${w.connectionId}`;
    expect(gotList.slice(i, j).map(key).sort(), `webhooks disagree with the history${summary}`).toEqual(
      want.slice(i, j).map(key).sort(),
    );
    i = j;
  }
  // (c) the latest webhook of the stored connection agrees with its stored status.
  if (current) {
    const last = gotList.filter((w) => w.connectionId === current.id).at(-1);
    expect(
      last?.status,
      `the last webhook says ${last?.type}/${last?.status}, the state ${current.status}${summary}`,
    ).toBe(current.status);
  }
}

/** The invariants, after every step (`step` says what the step may have sent). */
async function checkInvariants(
  model: Model,
  real: Real,
  step: { automatic: boolean; backingOffBefore: boolean; faultArmed: boolean; requests: number; extra: number },
) {
  expect(crashes.splice(0), "a worker's command threw something other than a ZendeskError").toEqual([]);
  const current = await row(real);
  const live = await liveTokens();
  const events = await history(real);
  const now = nowMs();
  if (model.connected) expect(current, "a connected model has a row").toBeDefined();
  else expect(current, "a disconnected model has no row").toBeUndefined();

  // (4) requests per step.
  if (step.automatic && step.backingOffBefore)
    expect(step.requests, "no automatic token request while backing off").toBe(0);
  expect(
    step.requests,
    `at most one token request per due renewal (two with a quick retry); Zendesk saw: ${await requestSummary()}`,
  ).toBeLessThanOrEqual((step.faultArmed || model.lostAnswerPossible ? 2 : 1) + step.extra);

  const marked = current?.refreshInFlightSince != null || current?.statusReason === TOKEN_REASONS.lostResponse;
  if (marked && !real.markerSeen) real.lostEpisodes += 1;
  real.markerSeen = marked;
  const storedPrefix = current ? openAccessToken(current).slice(0, 10) : null;
  // (2) orphans: every failed revocation and every killed holder may leave one.
  const allowed =
    events.filter((e) => e.type === "revocation_failed").length +
    model.kills +
    real.lostEpisodes +
    (model.accountClosed ? 1 : 0);
  if (current) {
    real.tokensSeen.add(openAccessToken(current));
    if (current.refreshTokenCiphertext)
      real.tokensSeen.add(openRefreshToken({ id: current.id, refreshTokenCiphertext: current.refreshTokenCiphertext }));
  }
  for (const prefix of live) real.tokensSeen.add(prefix);
  const others = live.filter((t) => t !== storedPrefix);
  expect(others.length, `orphans at Zendesk: ${others.length} (allowed ${allowed})`).toBeLessThanOrEqual(allowed);

  // (6) the webhooks agree with the history and the state; no secret in any.
  const webhooksFrom = performance.now();
  await checkWebhooks(real, current, events);
  executed.webhookCheckMs += performance.now() - webhooksFrom;

  if (!current) return;
  const refreshLapsed = current.refreshTokenExpiresAt !== null && current.refreshTokenExpiresAt.getTime() <= now;
  // (1) the stored pair works unless the state says otherwise.
  if (
    (current.status === "active" || current.status === "error") &&
    !model.revokedInZendesk &&
    !model.lostAnswerPossible &&
    !marked &&
    !refreshLapsed
  )
    expect(live, "the stored grant is live at Zendesk").toContain(storedPrefix);

  // (3) ended only on a verdict, a lapsed refresh token, a lost answer, or after the give-up period.
  if (current.status === "needs_reconnect" || current.status === "revoked") {
    // The give-up period counts from the failures of the current grant only (a reconnect starts anew).
    const gaveUp =
      current.failingSince !== null &&
      current.failingSince.getTime() >= model.grantStartedAt - 1000 &&
      now - current.failingSince.getTime() > s().refreshGiveUpDays * 86_400_000;
    const reason = current.statusReason ?? "";
    const explained =
      model.revokedInZendesk ||
      model.lostAnswerPossible ||
      real.lostEpisodes > 0 ||
      gaveUp ||
      reason === TOKEN_REASONS.refreshTokenExpired ||
      refreshLapsed;
    expect(explained, `ended without a verdict: ${current.status} (${reason})`).toBe(true);
  }

  // (5) the history agrees with the state; no token in any event.
  const stateEvents = events.filter(
    (e) =>
      e.connectionId === current.id &&
      ["connected", "reconnected", "refreshed", "refresh_failed", "needs_reconnect", "revoked"].includes(e.type),
  );
  const last = stateEvents.at(-1)?.type;
  const expected: Record<string, string[]> = {
    active: ["connected", "reconnected", "refreshed"],
    error: ["refresh_failed"],
    needs_reconnect: ["needs_reconnect"],
    revoked: ["revoked"],
  };
  expect(expected[current.status], `history ends with ${last} while the state is ${current.status}`).toContain(last);
  const text = JSON.stringify(events.map((e) => [e.detail, e.data]));
  for (const secret of real.tokensSeen) expect(text.includes(secret), "a token in the history").toBe(false);
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** What the runs exercised (printed at the end: a budget that ran nothing proves nothing). */
const executed = {
  steps: 0,
  kinds: {} as Record<string, number>,
  webhooks: {} as Record<string, number>,
  /** Time spent in the webhook check (6), delivery included: its share of the budget. */
  webhookCheckMs: 0,
};

/** Runs one step: clears the request log, acts, then checks every invariant. */
abstract class Step implements Cmd {
  abstract check(m: Readonly<Model>): boolean;
  abstract act(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
  /** An automatic step (not a person's action) must not send a token request while backing off. */
  automatic = false;
  /**
   * Token requests a step may send besides renewals: a reconnect ending the grant it replaced
   * renews a dead access token once to revoke what that refresh token still holds.
   */
  extraRequests = 0;
  async run(m: Model, r: Real): Promise<void> {
    executed.steps += 1;
    executed.kinds[this.constructor.name] = (executed.kinds[this.constructor.name] ?? 0) + 1;
    const before = await row(r);
    const backingOffBefore =
      before?.status === "error" && before.nextAttemptAt !== null && before.nextAttemptAt.getTime() > nowMs() + 2000;
    const faults = await fixture.sim.control.faults();
    const faultArmed = faults.length > 0;
    await fixture.sim.control.clearLog();
    await this.act(m, r);
    // A request the app gave up on (a timeout) is still held by the simulator for a moment: let it
    // finish, so it is counted in the step that sent it and never lands in the next one's log.
    if (faults.some((f) => f.kind === "delay" || f.kind === "delay_after_commit"))
      await new Promise((resolve) => setTimeout(resolve, 300));
    await checkInvariants(m, r, {
      automatic: this.automatic,
      backingOffBefore,
      faultArmed,
      requests: await refreshRequests(),
      extra: this.extraRequests,
    });
  }
}

class Connect extends Step {
  check = (m: Readonly<Model>) => !m.connected && !m.accountClosed;
  async act(m: Model, r: Real) {
    const { connectionId } = await connectTestConnection(fixture.sim, { account: r.account });
    r.connectionId = connectionId;
    r.log.push(connectionId);
    r.markerSeen = false;
    Object.assign(m, { connected: true, revokedInZendesk: false, lostAnswerPossible: false, grantStartedAt: nowMs() });
  }
  toString = () => "connect";
}

class Reconnect extends Step {
  extraRequests = 1;
  check = (m: Readonly<Model>) => m.connected && !m.accountClosed;
  async act(m: Model, r: Real) {
    await connectTestConnection(fixture.sim, { account: r.account, revokeReplaced: true });
    Object.assign(m, { revokedInZendesk: false, lostAnswerPossible: false, grantStartedAt: nowMs() });
  }
  toString = () => "reconnect";
}

class UseFromBothProcesses extends Step {
  check = (m: Readonly<Model>) => m.connected;
  automatic = true;
  async act(_m: Model, r: Real) {
    await Promise.all(workers.map((w) => w.send("use", r.connectionId!)));
  }
  toString = () => "API call on use, from two processes at once";
}

class RefreshNow extends Step {
  constructor(readonly worker: number) {
    super();
  }
  check = (m: Readonly<Model>) => m.connected;
  async act(_m: Model, r: Real) {
    await workers[this.worker]!.send("refresh_now", r.connectionId!);
  }
  toString = () => `Refresh now (worker ${this.worker})`;
}

class KeepAliveInBothProcesses extends Step {
  check = () => true;
  automatic = true;
  async act(_m: Model, r: Real) {
    await Promise.all(workers.map((w) => w.send("keep_alive", r.connectionId ?? "none")));
  }
  toString = () => "keep-alive run, in two processes at once";
}

class Disconnect extends Step {
  check = (m: Readonly<Model>) => m.connected;
  async act(m: Model, r: Real) {
    await workers[0]!.send("disconnect", r.connectionId!);
    r.connectionId = null;
    Object.assign(m, { connected: false });
  }
  toString = () => "disconnect";
}

class AdminRevokes extends Step {
  check = (m: Readonly<Model>) => m.connected;
  async act(m: Model) {
    await fixture.sim.control.revokeToken({ subdomain: "acme" });
    m.revokedInZendesk = true;
  }
  toString = () => "an admin revokes the app's tokens in Zendesk";
}

class AccountCloses extends Step {
  check = (m: Readonly<Model>) => !m.accountClosed;
  async act(m: Model) {
    m.accountClosed = true;
    await reinjectClosedAccount(m);
  }
  toString = () => "the Zendesk account closes";
}

class AccountReopens extends Step {
  check = (m: Readonly<Model>) => m.accountClosed;
  async act(m: Model) {
    m.accountClosed = false;
    await fixture.sim.control.clearFaults();
  }
  toString = () => "the Zendesk account reopens";
}

class TransientFault extends Step {
  constructor(
    readonly kind: "503" | "timeout",
    readonly times: number,
  ) {
    super();
  }
  check = () => true;
  async act() {
    if (this.kind === "503")
      await fixture.sim.control.injectFault({
        endpoint: "token",
        grant_type: "refresh_token",
        kind: "status",
        status: 503,
        body: { error: "ServiceUnavailable" },
        times: this.times,
      });
    else
      await fixture.sim.control.injectFault({
        endpoint: "token",
        grant_type: "refresh_token",
        kind: "delay",
        delay_ms: 700,
        times: this.times,
      });
  }
  toString = () => `the next ${this.times} token request(s) meet a ${this.kind}`;
}

class ClockAdvances extends Step {
  constructor(readonly seconds: number) {
    super();
  }
  check = () => true;
  async act(m: Model) {
    await advanceClock(m, this.seconds);
  }
  toString = () => `the clock moves ${this.seconds} s`;
}

class KillMidRenewal extends Step {
  constructor(readonly worker: number) {
    super();
  }
  check = (m: Readonly<Model>) => m.connected && m.kills < 1;
  async act(m: Model, r: Real) {
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: "delay",
      delay_ms: 400,
      times: 1,
    });
    const w = workers[this.worker]!;
    void w.send("refresh_now", r.connectionId!);
    // Mid-renewal: the lease is written and the request is at Zendesk.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const current = await row(r);
      if (!current || current.refreshLeaseHolder !== null || current.status !== "active") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await w.kill();
    m.kills += 1;
    m.lostAnswerPossible = true;
    workers[this.worker] = startWorker();
    // Zendesk finishes what it received; the dead holder's lease lapses.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await advanceClock(m, zendeskSettings().httpTimeoutMs / 1000 + 6);
    await fixture.sim.control.clearFaults();
    await reinjectClosedAccount(m);
    await workers[this.worker]!.ready;
  }
  toString = () => `SIGKILL worker ${this.worker} mid-renewal`;
}

/**
 * A reconnect or a disconnect racing a renewal: a worker's Refresh now is at Zendesk when the
 * person reconnects, or disconnects from the other worker — before Zendesk acted (the request is
 * held), or after (Zendesk rotated at once and its answer is held).
 */
class RaceWithRenewal extends Step {
  constructor(
    readonly what: "reconnect" | "disconnect",
    readonly when: "before" | "after",
  ) {
    super();
    if (what === "reconnect") this.extraRequests = 1;
  }
  check = (m: Readonly<Model>) => m.connected && !m.accountClosed;
  async act(m: Model, r: Real) {
    await fixture.sim.control.injectFault({
      endpoint: "token",
      grant_type: "refresh_token",
      kind: this.when === "before" ? "delay" : "delay_after_commit",
      delay_ms: 300,
      times: 1,
    });
    const renewal = workers[0]!.send("refresh_now", r.connectionId!);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const current = await row(r);
      if (!current || current.refreshLeaseHolder !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (this.what === "reconnect") {
      await connectTestConnection(fixture.sim, { account: r.account, revokeReplaced: true });
      Object.assign(m, { revokedInZendesk: false, lostAnswerPossible: false, grantStartedAt: nowMs() });
    } else {
      await workers[1]!.send("disconnect", r.connectionId!);
      r.connectionId = null;
      m.connected = false;
    }
    await renewal;
    await fixture.sim.control.clearFaults();
    await reinjectClosedAccount(m);
  }
  toString = () => `${this.what} while a renewal is at Zendesk (${this.when} Zendesk acted)`;
}

const commands = [
  fc
    .tuple(
      fc.constantFrom("reconnect" as const, "disconnect" as const),
      fc.constantFrom("before" as const, "after" as const),
    )
    .map(([what, when]) => new RaceWithRenewal(what, when)),
  fc.constant(new Connect()),
  fc.constant(new Connect()),
  fc.constant(new Connect()),
  fc.constant(new Reconnect()),
  fc.constant(new UseFromBothProcesses()),
  fc.constant(new UseFromBothProcesses()),
  fc.integer({ min: 0, max: 1 }).map((w) => new RefreshNow(w)),
  fc.constant(new KeepAliveInBothProcesses()),
  fc.constant(new Disconnect()),
  fc.constant(new AdminRevokes()),
  fc.constant(new AccountCloses()),
  fc.constant(new AccountReopens()),
  fc
    .tuple(fc.constantFrom("503" as const, "timeout" as const), fc.integer({ min: 1, max: 3 }))
    .map(([kind, times]) => new TransientFault(kind, times)),
  fc.constantFrom(3_600 + 120, 86_400, 8 * 86_400, 5 * 86_400).map((seconds) => new ClockAdvances(seconds)),
  fc.integer({ min: 0, max: 1 }).map((w) => new KillMidRenewal(w)),
];

describe("a connection's life under randomized faults (model-based)", () => {
  it(
    `keeps every invariant over ${RUNS} runs of up to ${STEPS} steps`,
    async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: STEPS, size: "max" }), async (cmds) => {
          await fixture.sim.control.reset();
          await db.delete(zendeskConnections);
          await db.delete(webhookMessages);
          hooks.receiver.messages.length = 0;
          const account = await createTestAccount();
          // Every run starts from a live connection (a disconnect and a connect are steps of their own).
          const { connectionId } = await connectTestConnection(fixture.sim, { account });
          const model: Model = {
            connected: true,
            revokedInZendesk: false,
            accountClosed: false,
            lostAnswerPossible: false,
            kills: 0,
            grantStartedAt: Date.now(),
          };
          const real: Real = {
            account,
            connectionId,
            log: [connectionId],
            lostEpisodes: 0,
            markerSeen: false,
            tokensSeen: new Set(),
            webhooksCounted: 0,
          };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        }),
        {
          numRuns: RUNS,
          ...(SEED === undefined ? {} : { seed: SEED }),
          ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
          verbose: 1,
        },
      );
      console.info(
        `[measure] lifecycle model: ${RUNS} runs x <=${STEPS} steps, ${executed.steps} steps run in ${Math.round(performance.now() - started)} ms: ${JSON.stringify(executed.kinds)}; webhooks checked in ${Math.round(executed.webhookCheckMs)} ms: ${JSON.stringify(executed.webhooks)}`,
      );
    },
    Math.max(180_000, RUNS * 60_000),
  );
});
