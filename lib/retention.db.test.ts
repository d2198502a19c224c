import { describe, expect, it } from "vitest";
import { db } from "@pkg/db/index";
import { throttles, zendeskConnectIntents, zendeskConnectionEvents, zendeskSubdomainChecks } from "@pkg/db/schema";
import { setupTestDatabase } from "@/testing/database";
import { resetEnvForTests } from "@pkg/config/env";
import { throttledSignIn } from "@/lib/auth/sign-in-throttle";
import { createTestAccount, testSubdomain } from "@/testing/zendesk";
import { formatRetentionSummary, pruneExpiredData } from "@pkg/retention";

setupTestDatabase();

const NOW = new Date("2031-06-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const DAY = 86_400;

describe("pruneExpiredData", () => {
  it("removes used and expired intents, old subdomain checks, stale throttle rows and old history, and keeps everything else", async () => {
    const { userId, workspaceId } = await createTestAccount();
    const intent = (label: string, expiresAt: Date, consumedAt: Date | null) => ({
      workspaceId,
      userId,
      subdomain: testSubdomain(label),
      scopes: ["read"],
      returnTo: "/settings/integrations",
      createdAt: ago(7200),
      expiresAt,
      consumedAt,
    });
    await db
      .insert(zendeskConnectIntents)
      .values([
        intent("pending", new Date(NOW.getTime() + 300_000), null),
        intent("just-used", new Date(NOW.getTime() + 300_000), ago(60)),
        intent("used-long-ago", ago(3000), ago(3700)),
        intent("expired-long-ago", ago(3700), null),
        intent("just-expired", ago(60), null),
      ]);

    // Real throttle rows: a blocked bucket, and one whose window has passed.
    for (let i = 0; i < 6; i++) {
      await throttledSignIn({ email: "victim@example.test", address: "203.0.113.1", now: ago(1000) }, async () => null);
    }
    await throttledSignIn({ email: "old@example.test", address: "203.0.113.2", now: ago(2 * 3600) }, async () => null);
    await throttledSignIn({ email: "owner@example.test", address: "203.0.113.3", now: ago(60) }, async () => ({
      id: "x",
    }));

    const event = (detail: string, createdAt: Date) => ({
      workspaceId,
      subdomain: "acme",
      type: "refreshed" as const,
      detail,
      createdAt,
    });
    await db
      .insert(zendeskConnectionEvents)
      .values([event("recent", ago(DAY)), event("last year", ago(364 * DAY)), event("too old", ago(366 * DAY))]);

    // Subdomain checks: one within the reuse period (600 s by default), one no connect can reuse.
    const check = (label: string, startedAt: Date) => ({
      workspaceId,
      subdomain: testSubdomain(label),
      outcome: "found",
      startedAt,
      finishedAt: startedAt,
    });
    await db
      .insert(zendeskSubdomainChecks)
      .values([check("checked-now", ago(30)), check("checked-long-ago", ago(7200))]);

    const summary = await pruneExpiredData({ now: NOW });
    expect(summary).toEqual({ intents: 2, subdomainChecks: 1, throttles: 2, history: 1 });
    expect(formatRetentionSummary(summary)).toBe(
      "retention: pruned 2 connect intent(s), 1 subdomain check(s), 2 throttle row(s), 1 history event(s)",
    );
    const checks = await db.select({ subdomain: zendeskSubdomainChecks.subdomain }).from(zendeskSubdomainChecks);
    expect(checks.map((c) => c.subdomain)).toEqual(["checked-now"]);

    const intents = await db.select({ subdomain: zendeskConnectIntents.subdomain }).from(zendeskConnectIntents);
    expect(intents.map((i) => i.subdomain).sort()).toEqual(["just-expired", "just-used", "pending"]);
    const keys = (await db.select({ key: throttles.key }).from(throttles)).map((t) => t.key).sort();
    // The 1000 s-old attempts are inside the window; the owner's success left their address known.
    expect(keys).toEqual([
      "signin:account:victim@example.test",
      "signin:address:203.0.113.1",
      "signin:address:203.0.113.3",
      "signin:known:owner@example.test|203.0.113.3",
    ]);
    const history = await db.select({ detail: zendeskConnectionEvents.detail }).from(zendeskConnectionEvents);
    expect(history.map((h) => h.detail).sort()).toEqual(["last year", "recent"]);

    expect(await pruneExpiredData({ now: NOW })).toEqual({ intents: 0, subdomainChecks: 0, throttles: 0, history: 0 });
  });

  it("keeps history for HISTORY_RETENTION_DAYS", async () => {
    const { workspaceId } = await createTestAccount();
    await db.insert(zendeskConnectionEvents).values({
      workspaceId,
      subdomain: "acme",
      type: "refreshed",
      detail: "40 days old",
      createdAt: ago(40 * DAY),
    });
    process.env.HISTORY_RETENTION_DAYS = "30";
    resetEnvForTests();
    try {
      // This event and the previous test's "last year" go; the day-old one stays.
      expect((await pruneExpiredData({ now: NOW })).history).toBe(2);
      const left = await db.select({ detail: zendeskConnectionEvents.detail }).from(zendeskConnectionEvents);
      expect(left.map((h) => h.detail)).toEqual(["recent"]);
    } finally {
      delete process.env.HISTORY_RETENTION_DAYS;
      resetEnvForTests();
    }
  });
});
