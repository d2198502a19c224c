/**
 * One process of the cross-process refresh storm (Postgres only), modelled on
 * testing/race-worker.ts but long-lived, so every sample starts both processes'
 * callers at the same instant without paying process start-up:
 *   stdin  {"cmd":"run","mode":"ours"|"naive","connectionId":"…","calls":50} | {"cmd":"exit"}
 *   stdout {"ready":true} once the database answers, then one CallerRun (JSON) per run.
 * It prints token digests only, never a token.
 */
import { createInterface } from "node:readline";
import { closeDatabase, database } from "@/db";
import { runCallers, type StormMode } from "./storm-callers";

await database().ping();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line) as
    { cmd: "run"; mode: StormMode; connectionId: string; calls: number } | { cmd: "exit" };
  if (message.cmd === "exit") break;
  const run = await runCallers(message.mode, message.connectionId, message.calls);
  process.stdout.write(`${JSON.stringify(run)}\n`);
}
await closeDatabase();
