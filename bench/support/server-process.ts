import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { BENCH_BASELINE_PORT, BENCH_BASELINE_URL, BENCH_LOG_DIR, TUTORIAL_REDIRECT_URI } from "./config";

export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

export function logFile(name: string): string {
  mkdirSync(BENCH_LOG_DIR, { recursive: true });
  return path.join(BENCH_LOG_DIR, name);
}

/**
 * A server the bench starts as a child process (`next start`, the tutorial baseline): output to
 * .data/bench-logs/<log>, its own process group (so stopping it also stops what it forks), and
 * ready once `readyUrl` answers 200.
 */
export async function startServerProcess(options: {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  url: string;
  readyUrl: string;
  log: string;
}): Promise<RunningApp> {
  const log = logFile(options.log);
  const out = createWriteStream(log);
  const child: ChildProcess = spawn(process.execPath, options.args, {
    env: { ...process.env, ...options.env },
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
    if (exited !== null) throw new Error(`${options.name} exited with ${exited}; see ${log}`);
    try {
      const response = await fetch(options.readyUrl, { redirect: "manual" });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not answer within 60 s; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url: options.url, stop };
}

/** The tutorial-style baseline of scenario 6 (scenarios/tutorial-app.ts), with the app's Zendesk client. */
export function startTutorialApp(env: Record<string, string>): Promise<RunningApp> {
  return startServerProcess({
    name: "the tutorial app",
    args: ["--import", "tsx", "bench/scenarios/tutorial-app.ts"],
    env: {
      TUTORIAL_PORT: String(BENCH_BASELINE_PORT),
      TUTORIAL_REDIRECT_URI,
      ZENDESK_BASE_URL_TEMPLATE: env.ZENDESK_BASE_URL_TEMPLATE,
      ZENDESK_CLIENT_ID: env.ZENDESK_CLIENT_ID,
      ZENDESK_CLIENT_SECRET: env.ZENDESK_CLIENT_SECRET,
      NODE_ENV: "production",
    },
    url: BENCH_BASELINE_URL,
    readyUrl: `${BENCH_BASELINE_URL}/`,
    log: "tutorial-app.log",
  });
}
