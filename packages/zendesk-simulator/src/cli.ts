#!/usr/bin/env node
/**
 * `npm run sim [-- --seed path.json] [--port 4010]`: the Zendesk simulator as a process.
 * Port from --port, else ZENDESK_SIM_PORT, else 4010; always bound to 127.0.0.1.
 */
import { parseArgs } from "node:util";
import { startZendeskSimulator } from "./index.js";
import type { ZendeskSimulator } from "./index.js";

function fail(message: string): never {
  process.stderr.write(`zendesk simulator: ${message}\n`);
  process.exit(1);
}

function readOptions(): { port: number; seed: string | undefined } {
  let values: { seed?: string | undefined; port?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      options: { seed: { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help === true) {
    process.stdout.write("Usage: npm run sim -- [--seed path.json] [--port 4010]   (env: ZENDESK_SIM_PORT)\n");
    process.exit(0);
  }
  const rawPort = values.port ?? process.env.ZENDESK_SIM_PORT ?? "4010";
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`invalid port "${rawPort}"`);
  return { port, seed: values.seed };
}

async function main(): Promise<void> {
  const { port, seed } = readOptions();
  let simulator: ZendeskSimulator;
  try {
    simulator = await startZendeskSimulator({ port, seed });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      code === "EADDRINUSE"
        ? `port ${port} is already in use (set ZENDESK_SIM_PORT or --port)`
        : (error as Error).message,
    );
  }
  const instances = (await simulator.control.health()).instances.join(", ");
  process.stdout.write(
    `Zendesk simulator listening on ${simulator.url} (base URL ${simulator.baseUrlTemplate}; instances: ${instances})\n`,
  );

  const stop = (): void => {
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
