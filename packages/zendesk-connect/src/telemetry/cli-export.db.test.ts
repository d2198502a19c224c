import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "@/testing/otlp-receiver";

/*
 * The CLI as an operator runs it, in its own process (node --import tsx src/cli.ts), with OTEL_*
 * pointing at a receiver in this process: the run's trace and metrics arrive before the process
 * exits, and every log line it prints is JSON carrying that trace's id. Its own PGlite directory:
 * no other process shares it.
 */

const run = promisify(execFile);
const CLI = path.resolve("packages/zendesk-connect/src/cli.ts");
let receiver: OtlpReceiver;
let dataDir: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dataDir = mkdtempSync(path.join(tmpdir(), "zc-cli-otel-"));
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[], otel: boolean) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: "test",
    LOG_FORMAT: "json",
    AUTH_SECRET: process.env.AUTH_SECRET,
    TOKEN_ENCRYPTION_KEYS: process.env.TOKEN_ENCRYPTION_KEYS,
    PGLITE_DIR: dataDir,
    ...(otel
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_SERVICE_NAME: "zendesk-connect-cli-test",
          // Far beyond the run: only the flush on exit can deliver the metrics.
          OTEL_METRIC_EXPORT_INTERVAL: "600000",
        }
      : {}),
  };
  return run(process.execPath, ["--import", "tsx", CLI, ...args], { env, timeout: 60_000 });
}

describe("the CLI with OTEL_* set", () => {
  it("exports its trace and metrics before it exits, and its log lines are JSON with the trace id", async () => {
    await cli(["migrate"], false);
    expect(receiver.rawBodies).toHaveLength(0);

    const { stdout } = await cli(["refresh-due"], true);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(2);

    const root = receiver.spans().find((s) => s.name === "zendesk_connect.cli");
    expect(root?.attributes["zendesk_connect.cli.command"]).toBe("refresh-due");
    expect(root?.resource["service.name"]).toBe("zendesk-connect-cli-test");
    const keepAlive = receiver.spans().find((s) => s.name === "zendesk_connect.keep_alive");
    expect(keepAlive?.traceId).toBe(root!.traceId);

    for (const line of lines) {
      expect(line).toMatchObject({ level: "info", trace_id: root!.traceId });
      expect(typeof line.message).toBe("string");
      expect(typeof line.span_id).toBe("string");
    }
    expect(lines.find((l) => l.job === "keep_alive")).toMatchObject({ renewed: 0, failed: 0 });

    expect(receiver.latest("zendesk_connect.keep_alive.runs", { "zendesk_connect.outcome": "ok" })?.value).toBe(1);
    expect(receiver.latest("zendesk_connect.keep_alive.time_since_last_run")?.value).toBeLessThan(60);
    expect(
      receiver.latest("zendesk_connect.connections", { "zendesk_connect.connection.status": "active" })?.value,
    ).toBe(0);
  });

  it("without OTEL_* loads no SDK and exports nothing", async () => {
    receiver.clear();
    const { stdout } = await cli(["refresh-due"], false);
    expect(receiver.rawBodies).toHaveLength(0);
    for (const line of stdout.trim().split("\n")) expect(JSON.parse(line)).not.toHaveProperty("trace_id");
  });
});
