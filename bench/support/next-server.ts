import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_APP_PORT, BENCH_APP_URL, BENCH_DIST_DIR } from "./config";
import { logFile, type RunningApp, startServerProcess } from "./server-process";

export type { RunningApp };

const NEXT_BIN = path.resolve("node_modules/next/dist/bin/next");
// `next build` rewrites these two for its distDir (.next-bench): they are put back afterwards,
// so the bench never changes tracked files or the dev/test type set-up.
const REWRITTEN_BY_BUILD = ["tsconfig.json", "next-env.d.ts"];

/** `next build` into .next-bench with the bench configuration; output goes to a log file. */
export async function buildApp(env: Record<string, string | undefined>): Promise<number> {
  const saved = REWRITTEN_BY_BUILD.filter((f) => existsSync(f)).map((f) => ({ f, text: readFileSync(f, "utf8") }));
  const log = logFile("build.log");
  const started = performance.now();
  try {
    const code = await new Promise<number>((resolve) => {
      const out = createWriteStream(log);
      const child = spawn(process.execPath, [NEXT_BIN, "build"], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.pipe(out);
      child.stderr.pipe(out);
      child.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error(`next build failed (exit ${code}); see ${log}`);
  } finally {
    for (const { f, text } of saved) if (readFileSync(f, "utf8") !== text) writeFileSync(f, text);
  }
  return Math.round(performance.now() - started);
}

export function hasBuild(): boolean {
  return existsSync(path.join(BENCH_DIST_DIR, "BUILD_ID"));
}

/** `next start` on the bench port; resolves once /login answers. */
export function startApp(env: Record<string, string | undefined>): Promise<RunningApp> {
  return startServerProcess({
    name: "next start",
    args: [NEXT_BIN, "start", "-p", String(BENCH_APP_PORT)],
    env,
    url: BENCH_APP_URL,
    readyUrl: `${BENCH_APP_URL}/login`,
    log: "server.log",
  });
}
