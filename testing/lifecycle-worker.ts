/**
 * Test helper, run as a long-lived child process by the lifecycle model runs
 * (packages/zendesk-connect/src/tokens/lifecycle.model.pg.test.ts, `npm run chaos`):
 *   tsx --conditions=react-server testing/lifecycle-worker.ts
 * Opens the database, prints "ready", then reads one JSON command per stdin line
 * ({"seq", "op", "connectionId"}) and answers one JSON line per command ({"seq", "ok", "code"}),
 * after the command's post-commit follow-ups settled. Several commands may run at once. It never
 * prints token material; the model SIGKILLs it mid-renewal and starts another.
 */
import { createInterface } from "node:readline";
import { closeDatabase, database } from "@/db";
import { settleAfterResponse } from "@pkg/after-response";
import { zendesk } from "@pkg/api-client";
import { disconnectConnection } from "@pkg/connect/disconnect";
import { refreshDueConnections } from "@pkg/tokens/keep-alive";
import { refreshConnection, setRefreshRetryPolicy } from "@pkg/tokens/lifecycle";
import { ZendeskError } from "@pkg/transport/errors";

type Command = { seq: number; op: "use" | "refresh_now" | "keep_alive" | "disconnect"; connectionId: string };

setRefreshRetryPolicy({ maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, maxTotalWaitMs: 1500 });

async function run(command: Command): Promise<{ ok: boolean; code: string | null }> {
  try {
    switch (command.op) {
      case "use":
        await zendesk(command.connectionId).me();
        return { ok: true, code: null };
      case "refresh_now": {
        const result = await refreshConnection(command.connectionId, { force: true });
        return { ok: result.ok, code: result.ok ? null : result.code };
      }
      case "keep_alive": {
        const summary = await refreshDueConnections({ concurrency: 2 });
        return { ok: true, code: `refreshed=${summary.refreshed} failed=${summary.failed}` };
      }
      case "disconnect": {
        const result = await disconnectConnection(command.connectionId, null);
        return { ok: result.ok, code: result.ok ? result.revocation.status : result.code };
      }
    }
  } catch (error) {
    if (error instanceof ZendeskError) return { ok: false, code: error.code };
    return { ok: false, code: `crash:${error instanceof Error ? error.name : "error"}` };
  }
}

await database().ping();
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
const pending = new Set<Promise<void>>();
lines.on("line", (line) => {
  const command = JSON.parse(line) as Command;
  const task = run(command)
    .then(async (outcome) => {
      await settleAfterResponse();
      process.stdout.write(`${JSON.stringify({ seq: command.seq, ...outcome })}\n`);
    })
    .finally(() => pending.delete(task));
  pending.add(task);
});
lines.on("close", () => {
  void Promise.all(pending).then(() => closeDatabase());
});
