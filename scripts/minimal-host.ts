/**
 * `npm run test:minimal-host [-- --node 22]`: adoption proven from the published tarballs.
 *
 * Packs @zendesk-connect/next and @zendesk-connect/simulator (prepack builds them), checks what
 * the tarballs hold, installs them into a copy of e2e/minimal-host in a fresh temp directory
 * (with next@16, react@19, react-dom@19, no --force / --legacy-peer-deps: an npm refusal fails
 * the run), builds it, serves it against the simulator from the tarball's bin on PGlite, runs
 * its Playwright spec in Chromium, then its worker (plain node), and stops everything.
 * `--node N` runs install, build, servers, tests and worker under Node N (`npx -y -p node@N`).
 * `--keep` leaves the temp directory (it is always kept when the run fails).
 * Prints `ok   minimal host on Node N (…)` or `FAIL minimal host on Node N: <step>` last.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE = path.join(ROOT, "e2e/minimal-host");
const PACKAGES = ["@zendesk-connect/next", "@zendesk-connect/simulator"] as const;
const CLIENT = { id: "zdg-zendesk-connect-dev", secret: "dev-global-client-secret" }; // the simulator's seeded global client

const { values: args } = parseArgs({ options: { node: { type: "string" }, keep: { type: "boolean" } } });
const currentMajor = process.versions.node.split(".")[0]!;
const nodeMajor = args.node ?? currentMajor;
if (!/^\d+$/.test(nodeMajor)) throw new Error(`--node takes a major version, e.g. 22 (got "${nodeMajor}")`);
const label = `minimal host on Node ${nodeMajor}`;

class StepFailure extends Error {}
const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const children: ChildProcess[] = [];
let step = "setup";

function log(message: string) {
  process.stdout.write(`\n==> [${label}] ${message}\n`);
}

/** Runs one step; a failure names the step in the final line. */
async function run<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  step = name;
  const t = Date.now();
  log(name);
  const value = await fn();
  process.stdout.write(`    ${name}: ${seconds(t)}\n`);
  return value;
}

/** A command in the foreground, its output passed through; throws on a non-zero exit. */
function exec(command: string, argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: "inherit" });
    children.push(child);
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new StepFailure(
            `${path.basename(argv[0] ?? command)} ${argv.slice(1, 3).join(" ")} exited with ${code ?? signal}`,
          ),
        );
    });
  });
}

/** A server in the background; resolves once `ready` says so, rejects if it exits first. */
function startServer(
  name: string,
  command: string,
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: () => Promise<boolean>; timeoutMs: number },
) {
  const child = spawn(command, argv, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(`    [${name}] ${chunk.toString().trimEnd().replaceAll("\n", `\n    [${name}] `)}\n`);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  return new Promise<{ child: ChildProcess; output: () => string }>((resolve, reject) => {
    let exited = false;
    child.on("exit", (code) => {
      exited = true;
      reject(new StepFailure(`${name} exited with ${code} before it was ready: ${output.trim().split("\n").at(-1)}`));
    });
    const deadline = Date.now() + options.timeoutMs;
    const poll = async () => {
      if (exited) return;
      if (await options.ready().catch(() => false)) return resolve({ child, output: () => output });
      if (Date.now() > deadline) return reject(new StepFailure(`${name} was not ready within ${options.timeoutMs} ms`));
      setTimeout(poll, 250);
    };
    void poll();
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const ok = async (url: string) => (await fetch(url, { redirect: "manual" })).status < 500;

/** The Node binary of this run: this one, or Node N fetched once by `npx -y -p node@N`. */
function resolveNode(): string {
  if (nodeMajor === currentMajor) return process.execPath;
  const binary = execFileSync("npx", ["-y", "-p", `node@${nodeMajor}`, "node", "-p", "process.execPath"], {
    encoding: "utf8",
    timeout: 180_000,
  }).trim();
  const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (!version.startsWith(`v${nodeMajor}.`)) throw new StepFailure(`npx node@${nodeMajor} gave ${version}`);
  return binary;
}

/** npm's own CLI script, so npm runs under the chosen Node rather than the one on PATH. */
function npmCli(): string {
  const globalRoot = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim();
  const cli = path.join(globalRoot, "npm/bin/npm-cli.js");
  if (!existsSync(cli)) throw new StepFailure(`npm's CLI is not at ${cli}`);
  return cli;
}

interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** What an adopter must find in each tarball, and must not. */
function checkTarball(pack: Packed): string[] {
  const files = pack.files.map((f) => f.path);
  const problems: string[] = [];
  const tests = files.filter((f) => /\.test\.|test-support/.test(f));
  if (tests.length) problems.push(`ships test files: ${tests.slice(0, 5).join(", ")}${tests.length > 5 ? ", …" : ""}`);
  if (!files.includes("README.md")) problems.push("has no README.md");
  if (!files.some((f) => f.startsWith("dist/") && f.endsWith(".js"))) problems.push("has no dist/*.js");
  if (!files.some((f) => f.endsWith(".d.ts"))) problems.push("has no type declarations");
  if (pack.name === "@zendesk-connect/next") {
    if (!files.some((f) => f.startsWith("migrations/") && f.endsWith(".sql"))) problems.push("has no migrations/*.sql");
    // The settings page imports "@zendesk-connect/next/styles.css"; without it `next build` fails.
    if (!files.includes("dist/styles.css")) problems.push("has no dist/styles.css (exported as ./styles.css)");
    if (!files.includes("dist/routes/index.js")) problems.push("has no dist/routes/index.js");
    // The entries the minimal host imports, as the packed package.json exports them.
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "packages/zendesk-connect/package.json"), "utf8")) as {
      exports?: Record<string, unknown>;
    };
    const missing = ["./routes", "./ui", "./styles.css"].filter((entry) => !manifest.exports?.[entry]);
    if (missing.length) problems.push(`does not export ${missing.join(", ")}`);
  } else if (!files.includes("seed.json")) problems.push("has no seed.json");
  return problems.map((p) => `${pack.filename} ${p}`);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "zc-minimal-host-"));
  const app = path.join(work, "app");
  const tarballs = path.join(work, "tarballs");
  mkdirSync(tarballs);
  let failed = true;
  try {
    const node = await run(`Node ${nodeMajor}`, () => {
      const binary = resolveNode();
      process.stdout.write(`    ${binary} (${execFileSync(binary, ["--version"], { encoding: "utf8" }).trim()})\n`);
      return binary;
    });
    const npm = npmCli();

    const packs = await run("npm pack (prepack builds the packages)", () => {
      const out = execFileSync(
        "npm",
        ["pack", ...PACKAGES.flatMap((p) => ["--workspace", p]), "--pack-destination", tarballs, "--json"],
        { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 240_000 },
      );
      return JSON.parse(out.slice(out.indexOf("["))) as Packed[];
    });
    await run("tarball contents", () => {
      for (const p of packs)
        process.stdout.write(
          `    ${p.filename}: ${kib(p.size)} packed, ${kib(p.unpackedSize)} unpacked, ${p.files.length} files\n`,
        );
      const problems = packs.flatMap(checkTarball);
      for (const p of problems) process.stdout.write(`    FAIL ${p}\n`);
      if (problems.length) throw new StepFailure(problems.join("; "));
    });
    const tarball = (name: string) => path.join(tarballs, packs.find((p) => p.name === name)!.filename);

    await run("copy e2e/minimal-host into a fresh directory", () => {
      cpSync(SOURCE, app, {
        recursive: true,
        filter: (src) => !/(^|\/)(node_modules|\.next|test-results|next-env\.d\.ts)$/.test(src),
      });
      const manifest = path.join(app, "package.json");
      writeFileSync(
        manifest,
        readFileSync(manifest, "utf8")
          .replace("__NEXT_TARBALL__", tarball("@zendesk-connect/next"))
          .replace("__SIMULATOR_TARBALL__", tarball("@zendesk-connect/simulator")),
      );
    });

    // No --force, no --legacy-peer-deps: a peer range npm refuses is a failure an adopter would hit.
    await run("npm install (tarballs + next@16 react@19 react-dom@19)", () =>
      exec(
        node,
        [
          npm,
          "install",
          "--no-audit",
          "--no-fund",
          tarball("@zendesk-connect/next"),
          tarball("@zendesk-connect/simulator"),
          "next@16",
          "react@19",
          "react-dom@19",
        ],
        { cwd: app, timeoutMs: 240_000 },
      ),
    );

    await run("the server entry imports under plain Node", () =>
      exec(
        node,
        [
          "--input-type=module",
          "-e",
          'import("@zendesk-connect/next").then(m => { if (!m.zendesk || !m.getAccessToken) process.exit(1) })',
        ],
        { cwd: app, timeoutMs: 60_000 },
      ),
    );

    const simPort = await freePort();
    const appPort = await freePort();
    const simUrl = `http://127.0.0.1:${simPort}`;
    const appUrl = `http://localhost:${appPort}`;
    const redirectUrl = `${appUrl}/api/zendesk-connect/callback/zendesk`;
    // Test-only secrets, new for every run.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: appUrl,
      PGLITE_DIR: path.join(work, "pglite"),
      TOKEN_ENCRYPTION_KEYS: `mh1:${randomBytes(32).toString("base64")}`,
      ZENDESK_CONNECT_SECRET: randomBytes(33).toString("base64"),
      SESSION_SECRET: randomBytes(33).toString("base64"),
      ZENDESK_BASE_URL_TEMPLATE: `${simUrl}/{subdomain}`,
      ZENDESK_CLIENT_ID: CLIENT.id,
      ZENDESK_CLIENT_SECRET: CLIENT.secret,
      ZENDESK_SIM_URL: simUrl,
      MINIMAL_HOST_URL: appUrl,
      MINIMAL_HOST_RESULTS: path.join(work, "test-results"),
    };
    delete env.DATABASE_URL;
    const next = path.join(app, "node_modules/next/dist/bin/next");

    await run("next build", () => exec(node, [next, "build"], { cwd: app, env, timeoutMs: 240_000 }));

    const simulator = await run("zendesk-simulator (the tarball's bin) --redirect-url", () =>
      startSimulator(node, app, env, simPort, redirectUrl),
    );
    const server = await run("next start (PGlite)", () =>
      startServer("next", node, [next, "start", "-p", String(appPort)], {
        cwd: app,
        env,
        ready: () => ok(`${appUrl}/login`),
        timeoutMs: 60_000,
      }),
    );

    await run("Playwright: connect acme → Refresh now / Test connection → disconnect", () =>
      exec(node, [path.join(app, "node_modules/@playwright/test/cli.js"), "test"], {
        cwd: app,
        env,
        timeoutMs: 180_000,
      }),
    );
    // PGlite allows one process: the server stops before the worker opens the same directory.
    await run("stop next start", () => stop(server.child));
    await run("worker.mjs (plain node): tickets paged, the expired token renewed exactly once", () =>
      exec(node, ["worker.mjs"], { cwd: app, env, timeoutMs: 60_000 }),
    );
    await stop(simulator);
    failed = false;
  } finally {
    await Promise.all(children.map(stop));
    if (failed || args.keep) process.stdout.write(`\n    kept ${work} (build, test results, PGlite)\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** The simulator from the installed tarball, its seeded clients accepting this app's callback URL. */
async function startSimulator(node: string, app: string, env: NodeJS.ProcessEnv, port: number, redirectUrl: string) {
  const dir = path.join(app, "node_modules/@zendesk-connect/simulator");
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = path.join(dir, manifest.bin["zendesk-simulator"]!);
  const { child } = await startServer("simulator", node, [bin, "--port", String(port), "--redirect-url", redirectUrl], {
    cwd: app,
    env,
    ready: () => ok(`http://127.0.0.1:${port}/__sim/health`),
    timeoutMs: 20_000,
  });
  return child;
}

main().then(
  () => {
    process.stdout.write(`\n  ok   ${label} (${seconds(started)})\n`);
  },
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    if (!(error instanceof StepFailure)) console.error(error);
    process.stdout.write(`\n  FAIL ${label}: ${step}: ${reason} (${seconds(started)})\n`);
    process.exitCode = 1;
  },
);
