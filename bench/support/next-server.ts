import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_APP_PORT, BENCH_APP_URL, BENCH_DIST_DIR, BENCH_LOG_DIR } from "./config";

const NEXT_BIN = path.resolve("node_modules/next/dist/bin/next");
// `next build` rewrites these two for its distDir (.next-bench): they are put back afterwards,
// so the bench never changes tracked files or the dev/test type set-up.
const REWRITTEN_BY_BUILD = ["tsconfig.json", "next-env.d.ts"];

function logFile(name: string): string {
  mkdirSync(BENCH_LOG_DIR, { recursive: true });
  return path.join(BENCH_LOG_DIR, name);
}

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

export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

/** `next start` on the bench port; resolves once /login answers. */
export async function startApp(env: Record<string, string | undefined>): Promise<RunningApp> {
  const log = logFile("server.log");
  const out = createWriteStream(log);
  // Its own process group, so stopping it also stops the server process `next start` forks.
  const child: ChildProcess = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(BENCH_APP_PORT)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? 1));

  const stop = async () => {
    if (exited !== null || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`next start exited with ${exited}; see ${log}`);
    try {
      const response = await fetch(`${BENCH_APP_URL}/login`, { redirect: "manual" });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer within 60 s; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url: BENCH_APP_URL, stop };
}
