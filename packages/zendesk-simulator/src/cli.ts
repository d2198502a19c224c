#!/usr/bin/env node
/**
 * `zendesk-simulator` (in this repository also `npm run sim --`): the Zendesk simulator as a
 * process. Port from --port, else ZENDESK_SIM_PORT, else 4010; always bound to 127.0.0.1.
 */
import { parseArgs } from "node:util";
import { redirectUrlProblem, startZendeskSimulator } from "./index.js";
import type { ZendeskSimulator } from "./index.js";

const USAGE = `Usage: zendesk-simulator [options]        (in this repository: npm run sim -- [options])

A local Zendesk Support for development and QA: OAuth consent, token endpoints, the Support API
and a control API under /__sim/. Listens on 127.0.0.1 only.

Options:
  --port PORT           port to listen on (default: $ZENDESK_SIM_PORT, else 4010; 0 = any free port)
  --seed PATH           seed JSON file (default: the package's seed.json)
  --redirect-url URL    one more redirect URL every seeded client accepts (global and local
                        clients), e.g. your app's OAuth callback; repeat for several.
                        http or https, no credentials, no fragment. Kept across resets.
  -h, --help            show this help and exit

Environment:
  ZENDESK_SIM_PORT      port when --port is not given
`;

function fail(message: string): never {
  process.stderr.write(`zendesk-simulator: ${message}\n`);
  process.exit(1);
}

interface CliOptions {
  port: number;
  seed: string | undefined;
  redirectUrls: string[];
}

function readOptions(): CliOptions {
  let values: {
    seed?: string | undefined;
    port?: string | undefined;
    "redirect-url"?: string[] | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      options: {
        seed: { type: "string" },
        port: { type: "string" },
        "redirect-url": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message} (see --help)`);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const rawPort = values.port ?? process.env.ZENDESK_SIM_PORT ?? "4010";
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`invalid port "${rawPort}"`);
  const redirectUrls = values["redirect-url"] ?? [];
  for (const url of redirectUrls) {
    const problem = redirectUrlProblem(url);
    if (problem !== null) fail(`invalid --redirect-url: ${problem}`);
  }
  return { port, seed: values.seed, redirectUrls };
}

async function main(): Promise<void> {
  const { port, seed, redirectUrls } = readOptions();
  let simulator: ZendeskSimulator;
  try {
    simulator = await startZendeskSimulator({ port, seed, redirectUrls });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      code === "EADDRINUSE"
        ? `port ${port} is already in use (set ZENDESK_SIM_PORT or --port)`
        : (error as Error).message,
    );
  }
  const instances = (await simulator.control.health()).instances.join(", ");
  const extra = redirectUrls.length === 0 ? "" : `; extra redirect URLs: ${redirectUrls.join(", ")}`;
  process.stdout.write(
    `Zendesk simulator listening on ${simulator.url} (base URL ${simulator.baseUrlTemplate}; instances: ${instances}${extra})\n`,
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
