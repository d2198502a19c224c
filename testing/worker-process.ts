import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";

/**
 * A test worker in its own process (`tsx --conditions=react-server testing/<script> ...args`),
 * with this process's environment (the same database and simulator). The worker prints
 * "ready" once its database is open, waits for a line on stdin (go), and prints one JSON line
 * with its outcome. kill() SIGKILLs it, as a crash or an OOM killer would.
 */
export function startWorkerProcess(script: string, args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(
    "npx",
    ["tsx", "--conditions=react-server", `testing/${script}`, ...args],
    { env: process.env, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let onReady: () => void;
  let onEarlyExit: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onEarlyExit = reject;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) onReady();
  });
  const exited = new Promise<void>((resolve) =>
    child.on("exit", () => {
      // A worker that dies before it is ready fails the test with what it printed, never hangs it.
      onEarlyExit(new Error(`the worker exited before it was ready: ${stdout}\n${stderr}`));
      resolve();
    }),
  );
  return {
    ready,
    /** The worker's pipes, for long-lived workers that take one command per line. */
    stdin: child.stdin,
    stdout: child.stdout,
    go: () => child.stdin.write("go\n"),
    /** The worker's JSON line, once it has exited. */
    result: async <T>(): Promise<T> => {
      await exited;
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (!line) throw new Error(`the worker printed no result: ${stdout}\n${stderr}`);
      return JSON.parse(line) as T;
    },
    /** SIGKILL the worker's node process (npx spawns tsx spawns node). */
    kill: async () => {
      killTree(child.pid!);
      await exited;
    },
  };
}

function killTree(pid: number): void {
  // npx -> tsx -> node: kill the children first so the working node process dies by SIGKILL.
  const children = (() => {
    try {
      return execFileSync("pgrep", ["-P", String(pid)])
        .toString()
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  })();
  for (const child of children) killTree(child);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
