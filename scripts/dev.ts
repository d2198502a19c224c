// `npm run dev`: the Zendesk simulator and the Next.js dev server together, stopped together.
// With ZENDESK_BASE_URL_TEMPLATE pointing at real Zendesk, the simulator is not started.
import { type ChildProcess, spawn } from "node:child_process";

const template = process.env.ZENDESK_BASE_URL_TEMPLATE;
const startSimulator = !template || template.startsWith("http://127.0.0.1:");
const children: ChildProcess[] = [];

function start(name: string, command: string, args: string[]) {
  const child = spawn(command, args, { stdio: "inherit", env: process.env });
  child.on("exit", (code) => {
    console.log(`[dev] ${name} exited${code === null ? "" : ` with code ${code}`}; stopping.`);
    shutdown(code ?? 0);
  });
  children.push(child);
}

let stopping = false;
function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 300).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

if (startSimulator) start("Zendesk simulator", "npx", ["tsx", "simulator/cli.ts"]);
start("Next.js", "npx", ["next", "dev", ...process.argv.slice(2)]);
