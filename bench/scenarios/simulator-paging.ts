import { pathToFileURL } from "node:url";
import { startZendeskSimulator } from "@zendesk-connect/simulator";
import { median, round } from "../support/stats";

/*
 * Simulator paging (issue 24): a 10,000-ticket instance read to the end over HTTP, page[size]=100,
 * following links.next (100 requests), as node-zendesk and a host's sync would. Target: at least
 * 2,000 tickets/s. The baseline, in the same run and process, reads the same 10,000 tickets through
 * the same HTTP path with offset pagination (page=1..100, per_page=100): the same request count and
 * bytes, without cursors, so the figure shows what cursor paging costs over the plainest way
 * through the list. Both run against one simulator (its own port, no rate limit), interleaved.
 *
 * Standalone: `npm run build:packages && npx tsx bench/scenarios/simulator-paging.ts [--quick]`
 * prints the result as JSON.
 */

export const PAGING_TICKETS = 10_000;
const TARGET_TICKETS_PER_SECOND = 2_000;

export interface SimulatorPagingResult {
  tickets: number;
  pageSize: number;
  samples: number;
  /** Instance generation at simulator start (10,000 tickets + comments), ms. */
  generateMs: number;
  ours: { ticketsPerSecond: number[]; medianTicketsPerSecond: number; requests: number };
  baseline: { ticketsPerSecond: number[]; medianTicketsPerSecond: number; requests: number };
  targetTicketsPerSecond: number;
  meetsTarget: boolean;
}

interface Page {
  tickets: { id: number }[];
  links?: { next: string | null };
  next_page?: string | null;
}

async function readAll(firstUrl: string, headers: Record<string, string>): Promise<{ ids: number; requests: number }> {
  let url: string | null = firstUrl;
  let ids = 0;
  let requests = 0;
  let last = 0;
  while (url !== null) {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    const page = (await response.json()) as Page;
    requests += 1;
    for (const ticket of page.tickets) {
      if (ticket.id <= last) throw new Error(`tickets out of order at ${ticket.id}`);
      last = ticket.id;
      ids += 1;
    }
    url = page.links !== undefined ? page.links.next : (page.next_page ?? null);
  }
  return { ids, requests };
}

export async function simulatorPaging(options: { samples: number }): Promise<SimulatorPagingResult> {
  const started = performance.now();
  const sim = await startZendeskSimulator({
    port: 0,
    seed: {
      instances: [
        {
          subdomain: "paging",
          name: "Paging",
          rate_limit_per_minute: 10_000_000,
          users: [{ id: 1, name: "Bench Admin", email: "admin@paging.example.com", role: "admin" }],
          generate: { tickets: PAGING_TICKETS, users: 200, organizations: 20, comments_per_ticket: 1, seed: 24 },
        },
      ],
      global_clients: [
        {
          id: 360000001,
          identifier: "zdg-bench-paging",
          name: "Bench paging",
          kind: "confidential",
          secret: "bench-paging-secret",
          redirect_uris: ["http://localhost:3999/cb"],
        },
      ],
    },
  });
  const generateMs = performance.now() - started;
  try {
    const issued = await sim.control.issueToken({
      subdomain: "paging",
      client_id: "zdg-bench-paging",
      scopes: ["read"],
    });
    const headers = { authorization: `Bearer ${issued.access_token}` };
    const base = `${sim.instanceUrl("paging")}/api/v2/tickets.json`;
    const cursor = () => readAll(`${base}?page[size]=100`, headers);
    const offset = () => readAll(`${base}?page=1&per_page=100`, headers);

    await cursor();
    await offset();
    const acc = { ours: { tps: [] as number[], requests: 0 }, baseline: { tps: [] as number[], requests: 0 } };
    for (let sample = 0; sample < options.samples; sample++) {
      const order = sample % 2 === 0 ? (["ours", "baseline"] as const) : (["baseline", "ours"] as const);
      for (const which of order) {
        const t = performance.now();
        const { ids, requests } = await (which === "ours" ? cursor() : offset());
        const seconds = (performance.now() - t) / 1000;
        if (ids !== PAGING_TICKETS) throw new Error(`${which} read ${ids} tickets, expected ${PAGING_TICKETS}`);
        acc[which].tps.push(ids / seconds);
        acc[which].requests = requests;
      }
    }
    const ours = Math.round(median(acc.ours.tps));
    return {
      tickets: PAGING_TICKETS,
      pageSize: 100,
      samples: options.samples,
      generateMs: round(generateMs, 0),
      ours: {
        ticketsPerSecond: acc.ours.tps.map(Math.round),
        medianTicketsPerSecond: ours,
        requests: acc.ours.requests,
      },
      baseline: {
        ticketsPerSecond: acc.baseline.tps.map(Math.round),
        medianTicketsPerSecond: Math.round(median(acc.baseline.tps)),
        requests: acc.baseline.requests,
      },
      targetTicketsPerSecond: TARGET_TICKETS_PER_SECOND,
      meetsTarget: ours >= TARGET_TICKETS_PER_SECOND,
    };
  } finally {
    await sim.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  console.log(JSON.stringify(await simulatorPaging({ samples: quick ? 2 : 7 }), null, 2));
}
