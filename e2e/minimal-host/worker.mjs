// A background job of the minimal host, run with plain `node` and the app's environment
// (DATABASE_URL or PGLITE_DIR, TOKEN_ENCRYPTION_KEYS, ZENDESK_*): it pages through a
// connection's tickets with zendesk(id) — no next/*, no request — and proves that an access
// token Zendesk has expired is renewed exactly once, even with several jobs paging at once.
// ZENDESK_SIM_URL points it at the simulator's control API (the clock and the request log).
// PGlite is single-process: run it while `next start` is stopped (Postgres has no such limit).
import { closeDatabase, statusReport, zendesk } from "@zendesk-connect/next";
import { SimulatorControl } from "@zendesk-connect/simulator";

const WORKSPACE_ID = process.env.WORKER_WORKSPACE_ID ?? "1";
const JOBS = 3;
const sim = new SimulatorControl(process.env.ZENDESK_SIM_URL ?? "http://127.0.0.1:4010");

function check(condition, message) {
  if (!condition) {
    console.error(`worker: FAIL ${message}`);
    throw Object.assign(new Error(message), { reported: true });
  }
  console.log(`worker: ok   ${message}`);
}

async function allTickets(connectionId) {
  const ids = [];
  for await (const ticket of zendesk(connectionId).paginate("/api/v2/tickets.json", { query: { per_page: 2 } })) {
    ids.push(ticket.id);
  }
  return ids;
}

const tokenGrants = (entries, grantType) => entries.filter((e) => e.endpoint === "token" && e.grant_type === grantType);

try {
  const { connections } = await statusReport(WORKSPACE_ID);
  const connection = connections.find((c) => c.status === "connected");
  check(connection !== undefined, `workspace ${WORKSPACE_ID} has a connected Zendesk (${connection?.subdomain})`);
  const { instances } = await sim.health();
  const expected = (await sim.instances()).find((i) => i.subdomain === connection.subdomain)?.ticket_count;
  check(instances.includes(connection.subdomain), `the simulator knows ${connection.subdomain}`);

  const before = await allTickets(connection.id);
  check(before.length === expected, `paged ${before.length} tickets in pages of 2 with a live token`);

  await sim.clearLog();
  // Zendesk's clock moves two hours on: the access token (one hour) has expired there, while
  // our stored expiry, read by this machine's clock, still says it is valid. The first call
  // of each job is refused with 401; the refresh must happen once, not once per job.
  await sim.advanceClock(2 * 60 * 60);
  const pages = await Promise.all(Array.from({ length: JOBS }, () => allTickets(connection.id)));
  for (const ids of pages) check(ids.join() === before.join(), `a job paged all ${ids.length} tickets after expiry`);

  const { entries } = await sim.requestLog();
  const refreshes = tokenGrants(entries, "refresh_token");
  check(refreshes.length === 1, `the expired token was renewed exactly once (${refreshes.length} refresh_token grant)`);
  check(refreshes[0]?.status === 201, "the one refresh succeeded");
  check(tokenGrants(entries, "authorization_code").length === 0, "no new consent was needed");
  const rejected = entries.filter((e) => e.endpoint === "tickets" && e.status === 401).length;
  check(rejected >= 1 && rejected <= JOBS, `${rejected} request(s) with the expired token were refused, then retried`);
} catch (error) {
  process.exitCode = 1;
  if (!error?.reported) console.error("worker: FAIL", error);
} finally {
  await closeDatabase();
}
