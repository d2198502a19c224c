/**
 * Test helper, run as a child process by lib/zendesk/tokens/crash.pg.test.ts (never imported by the app):
 *   tsx --conditions=react-server testing/refresh-worker.ts <connectionId>
 * Opens the database, prints "ready", waits for a line on stdin, then forces one refresh of the
 * connection ("Refresh now"), waits for its post-commit follow-ups (current.json), and prints
 * {"ok": ...}. The tests SIGKILL it at chosen moments; it never prints token material.
 */
import { closeDatabase, database } from "@/db";
import { settleAfterResponse } from "@pkg/after-response";
import { refreshConnection } from "@pkg/tokens/lifecycle";

const [connectionId] = process.argv.slice(2);
if (!connectionId) throw new Error("usage: testing/refresh-worker.ts <connectionId>");

await database().ping();
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const result = await refreshConnection(connectionId, { force: true });
await settleAfterResponse();
process.stdout.write(`${JSON.stringify({ ok: result.ok, code: result.ok ? null : result.code })}\n`);
await closeDatabase();
