import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));

describe("npm run sim", () => {
  it("prints one line with the URL and serves until stopped", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0"], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      child.stdout.setEncoding("utf8");
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: string) => {
          output += chunk;
          if (output.includes("\n")) resolve(output);
        });
        child.once("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
      });
      expect(line).toMatch(/^Zendesk simulator listening on http:\/\/127\.0\.0\.1:\d+ .*acme, globex/);
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      const health = await fetch(`${url}/__sim/health`);
      expect(await health.json()).toMatchObject({ ok: true });
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
    expect(child.exitCode).toBe(0);
  });
});
