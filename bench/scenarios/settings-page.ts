import { database } from "@/db";
import { findUser, listMemberships } from "@/lib/accounts/accounts";
import { loadIntegrationsData } from "@pkg/store/page-data";
import { type SampleSizes, PAGE_SIZES } from "../support/config";
import { type BenchBrowser } from "../support/http-client";
import { median, ratio, round, type Summary, summarize } from "../support/stats";
import type { WireCounter } from "../support/pg-wire-counter";
import type { BenchAccount } from "../support/fixtures";

/*
 * Scenario 3, settings page scaling: GET /settings/integrations over real HTTP against the
 * production build, signed in as the owner of a workspace with 1, 10 or 100 connections (owners
 * see everything: connect form, actions, history). Response time is to the last byte of the
 * streamed page. Query count: on Postgres, statements counted on the wire between the server and
 * the database for each request (support/pg-wire-counter.ts); on both backends, the data calls
 * the page makes (session user, memberships, loadIntegrationsData) counted in this process.
 */

export interface PageSizeResult {
  connections: number;
  ttfb: Summary;
  total: Summary;
  /** Statements the server sent to Postgres per request (null on PGlite: in-process, not observable). */
  wireQueries: Summary | null;
  /** Queries of the page's data calls, replayed in the bench process. */
  inProcessQueries: number;
  /** Time of those data calls in the bench process (median, ms): the database's share of the page. */
  inProcessDataMs: number;
  /** Connection cards in the HTML (sanity check: equals `connections`). */
  cardsRendered: number;
  htmlBytes: number;
  ratioToOne: number | null;
}

export interface SettingsPageResult {
  warmup: number;
  samples: number;
  sizes: PageSizeResult[];
}

export interface InProcessPageData {
  queries: number;
  /** Time of the page's data calls in this process, median of repeats (ms). */
  dataMs: number;
}

/** Phase A (this process owns the database): the page's data calls, their query count and time. */
export async function measurePageDataInProcess(
  accounts: Map<number, BenchAccount>,
  repeats: number,
): Promise<Map<number, InProcessPageData>> {
  const out = new Map<number, InProcessPageData>();
  for (const size of PAGE_SIZES) {
    const account = accounts.get(size)!;
    const load = async () => {
      await findUser(account.userId);
      await listMemberships(account.userId);
      return loadIntegrationsData(account.workspaceId, { includeClients: true });
    };
    const before = database().queryCount();
    const data = await load();
    const queries = database().queryCount() - before;
    // The page shows one page of cards (CONNECTIONS_PAGE_SIZE) and counts them all.
    if (data.paging.total !== size || data.connections.length !== Math.min(size, data.paging.pageSize)) {
      throw new Error(
        `expected ${size} connections (${Math.min(size, data.paging.pageSize)} on the first page), found ${data.paging.total} (${data.connections.length})`,
      );
    }
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      await load();
      times.push(performance.now() - started);
    }
    out.set(size, { queries, dataMs: round(median(times.slice(Math.min(3, repeats - 1)))) });
  }
  return out;
}

/** Phase B: the page over HTTP. */
export async function settingsPage(
  appUrl: string,
  browsers: Map<number, BenchBrowser>,
  inProcess: Map<number, InProcessPageData>,
  wire: WireCounter | null,
  sizes: SampleSizes,
): Promise<SettingsPageResult> {
  const url = `${appUrl}/settings/integrations`;
  const raw = new Map<number, { ttfb: number[]; total: number[]; wire: number[]; cards: number; bytes: number }>();
  for (const size of PAGE_SIZES) raw.set(size, { ttfb: [], total: [], wire: [], cards: 0, bytes: 0 });

  for (let i = 0; i < sizes.pageWarmup + sizes.pageSamples; i++) {
    // Interleaved, rotating the order, so drift in the machine's load hits every size alike.
    const order = [...PAGE_SIZES.slice(i % PAGE_SIZES.length), ...PAGE_SIZES.slice(0, i % PAGE_SIZES.length)];
    for (const size of order) {
      const before = wire?.statements() ?? 0;
      const result = await browsers.get(size)!.request(url);
      const statements = (wire?.statements() ?? 0) - before;
      if (result.status !== 200)
        throw new Error(`/settings/integrations answered ${result.status} for the ${size}-connection workspace`);
      if (i < sizes.pageWarmup) continue;
      const r = raw.get(size)!;
      r.ttfb.push(result.headersMs);
      r.total.push(result.totalMs);
      r.wire.push(statements);
      r.cards = (result.body.match(/data-connection-id="/g) ?? []).length;
      r.bytes = Buffer.byteLength(result.body);
    }
  }
  const one = summarize(raw.get(PAGE_SIZES[0])!.total).median;
  return {
    warmup: sizes.pageWarmup,
    samples: sizes.pageSamples,
    sizes: PAGE_SIZES.map((size) => {
      const r = raw.get(size)!;
      const total = summarize(r.total);
      return {
        connections: size,
        ttfb: summarize(r.ttfb),
        total,
        wireQueries: wire ? summarize(r.wire) : null,
        inProcessQueries: inProcess.get(size)!.queries,
        inProcessDataMs: inProcess.get(size)!.dataMs,
        cardsRendered: r.cards,
        htmlBytes: r.bytes,
        ratioToOne: ratio(total.median, one),
      };
    }),
  };
}
