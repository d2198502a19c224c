import { readFileSync } from "node:fs";
import {
  DEFAULT_SEED_PATH,
  type Seed,
  type SeedInstance,
  startZendeskSimulator,
  type ZendeskSimulator,
} from "@zendesk-connect/simulator";
import { BENCH_APP_URL, BENCH_SIM_PORT, TUTORIAL_REDIRECT_URI } from "./config";

/** Subdomain and admin user of the i-th extra instance (the settings page needs 100 distinct accounts). */
export function benchInstance(i: number): { subdomain: string; adminId: number } {
  return { subdomain: `bench-${String(i).padStart(3, "0")}`, adminId: 500_000 + i };
}

/**
 * The default seed, plus: the redirect URLs of the bench app and of the tutorial baseline on every
 * client, no rate limit that a benchmark could hit (the limit is not what is measured), and
 * `count` extra instances.
 */
export function benchSeed(count: number): Seed {
  const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, "utf8")) as Seed;
  const redirect = `${BENCH_APP_URL}/api/zendesk-connect/callback/zendesk`;
  const withRedirect = <T extends { redirect_uris: string[] }>(client: T): T => ({
    ...client,
    redirect_uris: [...client.redirect_uris, redirect, TUTORIAL_REDIRECT_URI],
  });
  const unlimited = (instance: SeedInstance): SeedInstance => ({
    ...instance,
    rate_limit_per_minute: 10_000_000,
    clients: (instance.clients ?? []).map(withRedirect),
  });
  const extra: SeedInstance[] = Array.from({ length: count }, (_, index) => {
    const { subdomain, adminId } = benchInstance(index + 1);
    return {
      subdomain,
      name: `Bench ${index + 1}`,
      users: [
        { id: adminId, name: `Bench Admin ${index + 1}`, email: `admin@${subdomain}.example.com`, role: "admin" },
      ],
    };
  });
  return {
    global_clients: (seed.global_clients ?? []).map(withRedirect),
    instances: [...seed.instances.map(unlimited), ...extra.map(unlimited)],
  };
}

export function startBenchSimulator(extraInstances: number): Promise<ZendeskSimulator> {
  return startZendeskSimulator({ port: BENCH_SIM_PORT, seed: benchSeed(extraInstances) });
}
