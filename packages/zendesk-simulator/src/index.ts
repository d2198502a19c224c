import { SimulatorControl } from "./control.js";
import { redirectUrlProblem } from "./redirect-urls.js";
import { loadSeed } from "./seed.js";
import { listen } from "./server.js";
import { SimulatorState } from "./state.js";
import type { Seed } from "./seed.js";

export { SimulatorControl, SimulatorControlError } from "./control.js";
export { DEFAULT_SEED_PATH, loadSeed, parseSeed, readSeedFile } from "./seed.js";
export { DEFAULT_SWITCHES } from "./state.js";
export { redirectUrlProblem } from "./redirect-urls.js";
export type {
  Seed,
  SeedClient,
  SeedComment,
  SeedInstance,
  SeedOrganization,
  SeedTicket,
  SeedUser,
  GenerateSpec,
  ClientKind,
  UserRole,
} from "./seed.js";
export type {
  ZendeskComment,
  ZendeskOrganization,
  ZendeskTicket,
  ZendeskUser,
  ZendeskVia,
} from "./support-api/json.js";
export { ENDPOINT_NAMES, FAULT_KINDS } from "./control-schema.js";
export type * from "./control-schema.js";

export interface StartZendeskSimulatorOptions {
  /** 0 picks a free port. Default 4010, the port of the documented base-URL template. */
  port?: number;
  /** Default 127.0.0.1: the simulator is a local test fixture and must not be reachable from elsewhere. */
  host?: string;
  /** A seed object or the path of a seed JSON file; default `simulator/seed.json`. */
  seed?: Seed | string;
  /**
   * Redirect URLs every seeded client (global and local) also accepts, after every reset too:
   * the callback of the host app under test. http(s), no credentials, no fragment.
   */
  redirectUrls?: string[];
}

export interface ZendeskSimulator {
  /** Root URL, e.g. `http://127.0.0.1:4010`. */
  url: string;
  port: number;
  /** `{url}/{subdomain}`: give this to the app as its Zendesk base-URL template. */
  baseUrlTemplate: string;
  /** The base URL of one instance. */
  instanceUrl(subdomain: string): string;
  /** A control client bound to this simulator. */
  control: SimulatorControl;
  stop(): Promise<void>;
}

/** Starts a Zendesk simulator; the seed is validated first, so a bad seed throws here. */
export async function startZendeskSimulator(options: StartZendeskSimulatorOptions = {}): Promise<ZendeskSimulator> {
  const state = new SimulatorState(loadSeed(options.seed));
  for (const url of options.redirectUrls ?? []) {
    const problem = redirectUrlProblem(url);
    if (problem !== null) throw new Error(`Invalid redirect URL: ${problem}`);
    state.allowRedirectUrl({ url, clients: null });
  }
  const running = await listen(state, { host: options.host ?? "127.0.0.1", port: options.port ?? 4010 });
  return {
    url: running.url,
    port: running.port,
    baseUrlTemplate: `${running.url}/{subdomain}`,
    instanceUrl: (subdomain) => `${running.url}/${subdomain}`,
    control: new SimulatorControl(running.url),
    stop: () => running.close(),
  };
}
