/**
 * Test helper, run as a child process by tokens.db.test.ts (never imported by the app):
 *   tsx --conditions=react-server testing/race-worker.ts <connectionId> <calls>
 * Opens the database, prints "ready", waits for a line on stdin, then makes <calls> concurrent
 * getAccessToken calls and prints {"digests": [...]}: short SHA-256 digests, never a token.
 */
import { closeDatabase, database } from "@/db";
import { settleAfterResponse } from "@pkg/after-response";
import { getAccessToken } from "@pkg/tokens/lifecycle";
import { tokenDigest } from "./oauth";

const [connectionId, callsArg] = process.argv.slice(2);
if (!connectionId) throw new Error("usage: testing/race-worker.ts <connectionId> <calls>");
const calls = Number(callsArg ?? 50);

await database().ping();
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const settled = await Promise.allSettled(Array.from({ length: calls }, () => getAccessToken(connectionId)));
const digests = settled.map((r) =>
  r.status === "fulfilled"
    ? tokenDigest(r.value)
    : `error:${(r.reason as { code?: string; name?: string })?.code ?? (r.reason as Error)?.name}`,
);
process.stdout.write(`${JSON.stringify({ digests })}\n`);
await settleAfterResponse(); // the post-commit current.json, before the pool closes
await closeDatabase();
