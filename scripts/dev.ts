// `npm run dev`: the Zendesk simulator and the Next.js dev server together, stopped together.
// The launcher decides the app's port (PORT, `-p N` / `--port N`, else the first free one from
// 3000), sets APP_URL to http://localhost:<port> unless APP_URL is given, and registers that
// redirect URL with the simulator for every seeded client, so sign-out and Connect work on any port.
// With ZENDESK_BASE_URL_TEMPLATE pointing at real Zendesk, the simulator is not started.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { SimulatorControl } from "@zendesk-connect/simulator";
import { allowRedirectUrl } from "./simulator-redirect";

const children: ChildProcess[] = [];

function fail(message: string): never {
  console.error(`[dev] ${message}`);
  process.exit(1);
}

/** Whether something already listens on the port (on `host`, or on any address when omitted). */
function portFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function firstFreePort(from: number, host?: string): Promise<number> {
  for (let port = from; port < from + 100; port++) if (await portFree(port, host)) return port;
  fail(`no free port between ${from} and ${from + 99}`);
}

function parsePort(raw: string, name: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    fail(`${name} must be a port number (1-65535), not "${raw}"`);
  return port;
}

/** `-p N`, `--port N`, `--port=N` out of the arguments; everything else goes to `next dev`. */
function splitPortArgument(argv: string[]): { port: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let port: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-p" || arg === "--port") port = argv[++i] ?? fail(`${arg} needs a port number`);
    else if (arg.startsWith("--port=")) port = arg.slice("--port=".length);
    else rest.push(arg);
  }
  return { port, rest };
}

async function appPort(argPort: string | undefined): Promise<number> {
  const requested = argPort ?? process.env.PORT?.trim();
  if (!requested) return firstFreePort(3000);
  const port = parsePort(requested, argPort ? "-p" : "PORT");
  if (!(await portFree(port))) fail(`port ${port} is already in use (choose another with PORT=… or -p …)`);
  return port;
}

/** The simulator's port: ZENDESK_SIM_PORT (or the template's) exactly, else 4010 or the next free one. */
async function simulatorPort(template: string | undefined): Promise<number> {
  const fromTemplate = template ? new URL(template.replace("{subdomain}", "x")).port : "";
  const explicit = process.env.ZENDESK_SIM_PORT?.trim() || fromTemplate;
  if (explicit) {
    const port = parsePort(explicit, "ZENDESK_SIM_PORT");
    if (!(await portFree(port, "127.0.0.1"))) {
      fail(`the Zendesk simulator's port ${port} is already in use (set ZENDESK_SIM_PORT to a free port)`);
    }
    return port;
  }
  const port = await firstFreePort(4010, "127.0.0.1");
  if (port !== 4010) console.log(`[dev] port 4010 is in use: the Zendesk simulator runs on ${port} instead.`);
  return port;
}

async function waitForSimulator(control: SimulatorControl, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) fail("the Zendesk simulator stopped while starting (see above)");
    try {
      await control.health();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  fail(`the Zendesk simulator did not answer at ${control.baseUrl} within 30 s`);
}

/** Runs a local binary (not through npx, whose grandchildren a signal may not reach) in its own group. */
function start(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(path.join("node_modules", ".bin", bin), args, { stdio: "inherit", env, detached: true });
  child.on("exit", (code) => {
    console.log(`[dev] ${name} exited${code === null ? "" : ` with code ${code}`}; stopping.`);
    shutdown(code ?? 0);
  });
  children.push(child);
  return child;
}

let stopping = false;
function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGTERM"); // the whole group: Next.js starts workers of its own
    } catch {
      child.kill("SIGTERM");
    }
  }
  setTimeout(() => process.exit(code), 1000).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

const { port: argPort, rest } = splitPortArgument(process.argv.slice(2));
const port = await appPort(argPort);
const appUrl = (process.env.APP_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, "");
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), APP_URL: appUrl };

const template = process.env.ZENDESK_BASE_URL_TEMPLATE?.trim() || undefined;
if (!template || template.startsWith("http://127.0.0.1:")) {
  const simPort = await simulatorPort(template);
  env.ZENDESK_SIM_PORT = String(simPort);
  env.ZENDESK_BASE_URL_TEMPLATE = `http://127.0.0.1:${simPort}/{subdomain}`;
  const simulator = start(
    "Zendesk simulator",
    "tsx",
    ["packages/zendesk-simulator/src/cli.ts", "--port", String(simPort)],
    env,
  );
  const control = new SimulatorControl(`http://127.0.0.1:${simPort}`);
  await waitForSimulator(control, simulator);
  const redirectUrl = await allowRedirectUrl(control, appUrl).catch((error: unknown) =>
    fail(`could not register ${appUrl}'s redirect URL with the simulator: ${(error as Error).message}`),
  );
  console.log(`[dev] simulator clients accept the redirect URL ${redirectUrl}`);
}
console.log(`[dev] app on ${appUrl} (port ${port})`);
start("Next.js", "next", ["dev", "-p", String(port), ...rest], env);
