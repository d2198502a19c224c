import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));

function authorizePage(url: string, clientId: string, redirectUri: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: "read",
    state: "s",
    // A public client needs PKCE; any well-formed S256 challenge will do for the page.
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
  });
  return `${url}/acme/oauth/authorizations/new?${params.toString()}`;
}

/** Runs the CLI until its first stdout line; the caller stops it. */
async function startCli(args: string[]): Promise<{ url: string; line: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("\n")) resolve(output);
    });
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
  });
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? "";
  return {
    url,
    line,
    stop: async () => {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
      return child.exitCode;
    },
  };
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("zendesk-simulator (npm run sim)", () => {
  it("prints one line with the URL and serves until stopped", async () => {
    const sim = await startCli([]);
    try {
      expect(sim.line).toMatch(/^Zendesk simulator listening on http:\/\/127\.0\.0\.1:\d+ .*acme, globex/);
      const health = await fetch(`${sim.url}/__sim/health`);
      expect(await health.json()).toMatchObject({ ok: true });
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  });

  it("--redirect-url (repeatable) registers the URL on every seeded client, global and local", async () => {
    const sim = await startCli([
      "--redirect-url",
      "http://localhost:3999/cb",
      "--redirect-url",
      "https://app.example.test/auth/zendesk/callback",
    ]);
    try {
      expect(sim.line).toContain("extra redirect URLs: http://localhost:3999/cb");
      for (const clientId of ["zdg-zendesk-connect-dev", "acme-local-app", "acme-public-app"]) {
        const page = await fetch(authorizePage(sim.url, clientId, "http://localhost:3999/cb"), { redirect: "manual" });
        expect(page.status, clientId).toBe(200);
        expect(await page.text()).toContain("Sign in as");
      }
      const second = await fetch(
        authorizePage(sim.url, "zdg-zendesk-connect-dev", "https://app.example.test/auth/zendesk/callback"),
      );
      expect(second.status).toBe(200);
      const refused = await fetch(authorizePage(sim.url, "zdg-zendesk-connect-dev", "http://localhost:3998/cb"), {
        redirect: "manual",
      });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("invalid_redirect_uri");
      // A reset without a seed keeps the URL: it is part of what resets return to.
      await fetch(`${sim.url}/__sim/reset`, { method: "POST", body: "{}" });
      const afterReset = await fetch(authorizePage(sim.url, "acme-local-app", "http://localhost:3999/cb"));
      expect(afterReset.status).toBe(200);
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  });

  it("refuses a bad --redirect-url with one clear line", () => {
    for (const [url, reason] of [
      ["localhost:3999/cb", "must be an http or https URL"],
      ["ftp://example.test/cb", "must be an http or https URL"],
      ["http://user:secret@localhost:3999/cb", "must not contain credentials"],
      ["http://localhost:3999/cb#x", "must not contain a fragment"],
      ["not a url", "is not an absolute URL"],
    ] as const) {
      const result = runCli(["--port", "0", "--redirect-url", url]);
      expect(result.status, url).toBe(1);
      expect(result.stderr, url).toBe(`zendesk-simulator: invalid --redirect-url: "${url}" ${reason}\n`);
    }
    const missing = runCli(["--redirect-url"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^zendesk-simulator: .*--redirect-url.*\(see --help\)\n$/);
  });

  it("--help documents every option", () => {
    const result = runCli(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: zendesk-simulator \[options\]/);
    for (const option of ["--port", "--seed", "--redirect-url", "--help", "ZENDESK_SIM_PORT"]) {
      expect(result.stdout).toContain(option);
    }
  });
});
