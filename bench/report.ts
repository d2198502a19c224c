import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ClientJsResult } from "./scenarios/client-js";
import type { BrowserConnectResult, BrowserSide, LegZendesk } from "./scenarios/connect-browser";
import type { ConnectResult } from "./scenarios/connect-callback";
import type { SettingsPageResult } from "./scenarios/settings-page";
import type { StormResult, StormSide } from "./scenarios/refresh-storm";
import type { HotPathResult } from "./scenarios/token-hot-path";
import type { TelemetryOverheadResult } from "./scenarios/telemetry-overhead";
import type { SimulatorPagingResult } from "./scenarios/simulator-paging";
import {
  type KeepAliveCostResult,
  keepAliveCostSection,
  keepAliveCostTarget,
  slowZendeskSection,
  slowZendeskTarget,
} from "./scenarios/token-report";
import type { SlowZendeskResult } from "./scenarios/slow-zendesk";
import { CONNECT_LATENCY_MS, PAGE_SIZES } from "./support/config";
import type { MachineInfo } from "./support/machine";
import { ratio, type Summary } from "./support/stats";

/** The scenarios `--only` names, and the field of ReportData each one fills. */
export const SCENARIO_FIELDS = {
  storm: "storm",
  callback: "connect",
  page: "page",
  hot: "hot",
  js: "js",
  connect: "browserConnect",
  slow: "slowZendesk",
  keepalive: "keepAliveCost",
  otel: "telemetry",
  paging: "simulatorPaging",
} as const;
export type ScenarioKey = keyof typeof SCENARIO_FIELDS;
type ScenarioField = (typeof SCENARIO_FIELDS)[ScenarioKey];

/** `--only=connect,page` → the set; no flag → null (all). Unknown names throw, listing the valid ones. */
export function parseOnly(value: string | undefined): Set<ScenarioKey> | null {
  if (value === undefined) return null;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(n in SCENARIO_FIELDS));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `--only takes scenario names separated by commas (${Object.keys(SCENARIO_FIELDS).join(", ")})${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}`,
    );
  return new Set(names as ScenarioKey[]);
}

/** Which run a section's figures come from (a run with --only keeps the other sections of the last one). */
export interface SectionRun {
  generatedAt: string;
  commit: string;
  database: string;
  quick: boolean;
}

export interface ReportData {
  generatedAt: string;
  quick: boolean;
  durationSeconds: number;
  buildSeconds: number | null;
  machine: MachineInfo;
  loadAverageAtEnd: number[];
  database: { kind: "postgres" | "pglite"; version: string };
  ports?: { app: number; simulator: number };
  /** The scenarios this run measured (`--only`), null for all. */
  only?: ScenarioKey[] | null;
  /** Sections kept from earlier runs, by field. */
  earlier?: Partial<Record<ScenarioField, SectionRun>>;
  storm?: StormResult;
  connect?: ConnectResult;
  page?: SettingsPageResult;
  hot?: HotPathResult;
  js?: ClientJsResult;
  browserConnect?: BrowserConnectResult;
  /** Issue 13: scenario 7, slow Zendesk isolation. */
  slowZendesk?: SlowZendeskResult;
  /** Issue 13: scenario 8, keep-alive cost. */
  keepAliveCost?: KeepAliveCostResult;
  /** Issue 23: scenario 9, telemetry overhead. */
  telemetry?: TelemetryOverheadResult;
  /** Issue 24: scenario 10, the simulator paging a large account. */
  simulatorPaging?: SimulatorPagingResult;
}

export interface Target {
  scenario: string;
  target: string;
  measured: string;
  met: boolean | null;
}

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const list = (values: number[]) =>
  new Set(values).size === 1 ? String(values[0]) : `${Math.min(...values)}–${Math.max(...values)}`;
const x = (r: number | null) => (r === null ? "—" : `${r.toFixed(2)}×`);

/** The targets of issues 7 and 14, judged from the figures. */
export function targets(d: ReportData): Target[] {
  const out: Target[] = [];
  if (d.storm)
    out.push({
      scenario: "1. Refresh storm",
      target: "1 token request at Zendesk per storm (the physical limit)",
      measured: `${list(d.storm.ours.tokenRequests)} per storm in ${d.storm.samples} storms; ${sum(d.storm.ours.failedCallers)} failed callers (naive: ${list(d.storm.naive.tokenRequests)} requests, ${list(d.storm.naive.failedCallers)} failed callers per storm)`,
      met: d.storm.ours.tokenRequests.every((n) => n === 1) && d.storm.ours.failedCallers.every((n) => n === 0),
    });
  if (d.page) out.push(...pageTargets(d.page));
  const b = d.browserConnect;
  if (b)
    out.push({
      scenario: "6. Connect in a browser",
      target: `whole connect ≤ ${b.target.ratio} × the tutorial baseline (median, ${b.simulatedLatencyMs} ms per Zendesk request)`,
      measured: `${ms(b.ours.whole.median)} vs ${ms(b.baseline.whole.median)} (median of ${b.samples}): ${x(b.ratios.whole)}`,
      met: b.target.met,
    });
  if (d.slowZendesk) out.push(slowZendeskTarget(d.slowZendesk));
  if (d.keepAliveCost) out.push(keepAliveCostTarget(d.keepAliveCost));
  if (d.telemetry)
    out.push({
      scenario: "9. Telemetry overhead",
      target: "token hot path with tracing exported ≤ 1.05 × its time with telemetry off",
      measured: `${x(d.telemetry.hotPath.ratio)} (hot path; p50 ${x(d.telemetry.hotPath.p50Ratio)}), ${x(d.telemetry.pageData.ratio)} (settings page data; p50 ${x(d.telemetry.pageData.p50Ratio)})`,
      met: d.telemetry.hotPath.ratio <= 1.05,
    });
  if (d.simulatorPaging)
    out.push({
      scenario: "10. Simulator paging",
      target: `a ${d.simulatorPaging.tickets.toLocaleString("en")}-ticket instance pages through at ≥ ${d.simulatorPaging.targetTicketsPerSecond.toLocaleString("en")} tickets/s (cursor, page[size]=${d.simulatorPaging.pageSize})`,
      measured: `${d.simulatorPaging.ours.medianTicketsPerSecond.toLocaleString("en")} tickets/s (median of ${d.simulatorPaging.samples}); offset pages ${d.simulatorPaging.baseline.medianTicketsPerSecond.toLocaleString("en")}`,
      met: d.simulatorPaging.meetsTarget,
    });
  return out;
}

function pageTargets(page: SettingsPageResult): Target[] {
  const one = page.sizes.find((s) => s.connections === 1)!;
  const hundred = page.sizes.find((s) => s.connections === 100)!;
  const wireCounts = page.sizes.map((s) => s.wireQueries?.median);
  const constantQueries =
    new Set(page.sizes.map((s) => s.inProcessQueries)).size === 1 &&
    (wireCounts[0] === undefined || new Set(wireCounts).size === 1);
  return [
    {
      scenario: "3. Settings page",
      target: "query count constant in the number of connections",
      measured:
        `${page.sizes.map((s) => s.inProcessQueries).join(" / ")} data queries` +
        (wireCounts[0] === undefined
          ? " (in-process count; PGlite)"
          : `, ${wireCounts.join(" / ")} statements on the wire`) +
        ` at ${PAGE_SIZES.join(" / ")} connections`,
      met: constantQueries,
    },
    {
      scenario: "3. Settings page",
      target: "time at 100 connections ≤ 1.5 × time at 1",
      measured: `${ms(hundred.total.median)} vs ${ms(one.total.median)} (median): ${x(hundred.ratioToOne)}`,
      met: hundred.ratioToOne !== null && hundred.ratioToOne <= 1.5,
    },
  ];
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function stormRow(name: string, s: StormSide, callers: number): string {
  return `| ${name} | ${list(s.tokenRequests)} | ${list(s.failedCallers)} / ${callers} | ${list(s.distinctTokens)} | ${list(s.callersWithCurrentToken)} / ${callers} | ${ms(s.latency.median)} | ${ms(s.latency.p99)} | ${ms(s.wall.median)} | ${list(s.queriesPerCaller)} |`;
}

export function renderMarkdown(d: ReportData): string {
  const m = d.machine;
  const t = targets(d);
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);

  push(
    "# Benchmark results",
    "",
    `Generated by \`npm run bench\` on ${d.generatedAt.slice(0, 16).replace("T", " ")} UTC against **${d.database.version}**` +
      ` (${d.database.kind === "postgres" ? "`DATABASE_URL` set: a throw-away database" : "no `DATABASE_URL`: embedded PGlite"}).` +
      ` The whole run took ${d.durationSeconds} s${d.buildSeconds === null ? " (build reused)" : `, of which ${d.buildSeconds} s for \`next build\``}.` +
      " This file and `results.json` are rewritten by every run; how each figure is taken is under *Method* below.",
    "",
  );
  if (d.quick) push("> **Quick run (`--quick`)**: too few samples to quote these figures.", "");
  const earlier = Object.entries(d.earlier ?? {}) as [ScenarioField, SectionRun][];
  if (d.only)
    push(
      `This run measured only ${d.only.map((k) => `\`${k}\``).join(", ")} (\`--only\`).` +
        (earlier.length
          ? " The other sections are kept from earlier runs: " +
            earlier
              .map(
                ([field, r]) =>
                  `${sectionTitle(field)} from ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC (code ${r.commit}, ${r.database}${r.quick ? ", quick" : ""})`,
              )
              .join("; ") +
            ". The machine table below is this run's."
          : ""),
      "",
    );
  push(
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node.js / Next.js | ${m.node} / ${m.next} |`,
    `| database | ${d.database.version} |`,
    `| code | ${m.commit} |`,
    `| load average (1/5/15 min) at start / end | ${m.loadAverageAtStart.join(" / ")} — ${d.loadAverageAtEnd.join(" / ")} |`,
    "",
    "Everything (app server, simulator, bench, database) shares these cores, so absolute times are",
    "this machine's; the ratios to the baselines taken in the same run are the portable part.",
    "",
  );
  const peakLoad = Math.max(m.loadAverageAtStart[0] ?? 0, d.loadAverageAtEnd[0] ?? 0);
  if (peakLoad > m.cores)
    push(
      `> **Loaded machine:** a 1-minute load average of up to ${peakLoad} on ${m.cores} cores during this run (other work shared them).` +
        " Absolute times are inflated and even the ratios are noisy (the heavier side suffers more from a starved CPU): re-run on a quiet machine before quoting them.",
      "",
    );
  push(
    "## Targets",
    "",
    "| scenario | target | measured | |",
    "|---|---|---|---|",
    ...t.map(
      (r) => `| ${r.scenario} | ${r.target} | ${r.measured} | ${r.met === null ? "—" : r.met ? "met" : "**missed**"} |`,
    ),
    "",
  );

  if (d.storm) {
    const s = d.storm;
    const callers = s.processes * s.callersPerProcess;
    push(
      "## 1. Refresh storm",
      "",
      `An expired connection; ${s.layout}; the simulator answers every request after ${s.simulatedLatencyMs} ms.` +
        ` ${s.warmup} warm-up storm${s.warmup === 1 ? "" : "s"}, then ${s.samples} storms each for ours and the baseline (alternating, a fresh connection each).` +
        " Latency: from the common start to each caller's answer, all storms pooled.",
      "",
      "| | token requests at Zendesk per storm | callers without a token | distinct tokens handed out | callers holding the stored token | caller p50 | caller p99 | last caller (median) | DB statements per caller |",
      "|---|---|---|---|---|---|---|---|---|",
      stormRow("`getAccessToken`", s.ours, callers),
      stormRow("naive baseline", s.naive, callers),
      "",
      `Ratio to the baseline: ${list(s.ours.tokenRequests)} / ${list(s.naive.tokenRequests)} token requests; caller p50 ${x(ratio(s.ours.latency.median, s.naive.latency.median))}, p99 ${x(ratio(s.ours.latency.p99, s.naive.latency.p99))}.` +
        (Object.keys(s.naive.errorKinds).length
          ? ` The baseline's failures: ${Object.entries(s.naive.errorKinds)
              .map(([k, v]) => `${v} × \`${k}\``)
              .join(", ")}.`
          : ""),
      "",
      "The baseline is refresh as commonly written from Auth.js's refresh-token-rotation guide",
      "(`bench/scenarios/naive-refresh.ts`): read the row, and if the token has expired, refresh and",
      "write back, with no coordination. Zendesk's refresh tokens are single-use, so its first refresh",
      "wins and every concurrent one gets `invalid_grant`: its lower latency is that of callers that",
      "mostly get an error. `getAccessToken` makes its callers wait for the one refresh (token request",
      "plus `current.json`, two simulated round-trips) and all of them get the new token.",
      "",
    );
  }

  if (d.connect) {
    const c = d.connect;
    push(
      "## 2. Connect callback overhead",
      "",
      `Full connect flows over HTTP against the production build, every simulator request delayed ${c.simulatedLatencyMs} ms;` +
        ` ${c.warmup} warm-up flows, then ${c.samples} flows, each a first connect in a fresh workspace, alternating with the baseline.`,
      "",
      "| step | simulator requests | total p50 | total p99 | simulator time p50 | own time p50 | own time p99 |",
      "|---|---|---|---|---|---|---|",
      `| \`GET /api/zendesk-connect/callback/zendesk\` (ours) | ${c.callback.simulatorRequests} | ${ms(c.callback.total.median)} | ${ms(c.callback.total.p99)} | ${ms(c.callback.simulator.median)} | ${ms(c.callback.own.median)} | ${ms(c.callback.own.p99)} |`,
      `| bare baseline: code exchange + users/me | ${c.baseline.simulatorRequests} | ${ms(c.baseline.total.median)} | ${ms(c.baseline.total.p99)} | ${ms(c.baseline.simulator.median)} | ${ms(c.baseline.own.median)} | ${ms(c.baseline.own.p99)} |`,
      `| (for reference) the Connect Zendesk server action | ${c.start.simulatorRequests} | ${ms(c.start.total.median)} | ${ms(c.start.total.p99)} | ${ms(c.start.simulator.median)} | ${ms(c.start.own.median)} | ${ms(c.start.own.p99)} |`,
      "",
      `Ratio to the baseline (medians): own time ${x(c.ratioOwn)}, total ${x(c.ratioTotal)}.` +
        (c.callback.simulatorRequests > c.baseline.simulatorRequests
          ? ` The callback makes ${c.callback.simulatorRequests - c.baseline.simulatorRequests} more Zendesk request(s) than the baseline, so its total carries as many more ${CONNECT_LATENCY_MS} ms round-trips;`
          : " The callback makes the baseline's Zendesk requests and no more (`current.json` refines the token's details after the response);") +
        " its own time is intent + session + role checks, Auth.js's state and PKCE checks, encryption of both tokens and the upsert with its event, inside Next.js's request handling." +
        " The baseline runs in the bench process with none of that, so its own time is little more than the HTTP client's.",
      "",
    );
  }

  if (d.page) {
    const p = d.page;
    push(
      "## 3. Settings page scaling",
      "",
      `\`GET /settings/integrations\` over HTTP, signed in as the owner of a workspace with 1, 10 or 100 connections;` +
        ` ${p.warmup} warm-up requests per size, then ${p.samples} each, interleaved. Time to the last byte of the streamed page.`,
      "",
      "| connections | cards rendered | HTML | TTFB p50 | total p50 | total p99 | ratio to 1 (p50) | statements on the wire per request | data queries (in-process) | data time (in-process, p50) |",
      "|---|---|---|---|---|---|---|---|---|---|",
      ...p.sizes.map(
        (r) =>
          `| ${r.connections} | ${r.cardsRendered} | ${kb(r.htmlBytes)} | ${ms(r.ttfb.median)} | ${ms(r.total.median)} | ${ms(r.total.p99)} | ${x(r.ratioToOne)} | ${r.wireQueries ? (r.wireQueries.min === r.wireQueries.max ? r.wireQueries.median : `${r.wireQueries.median} (${r.wireQueries.min}–${r.wireQueries.max})`) : "— (PGlite)"} | ${r.inProcessQueries} | ${ms(r.inProcessDataMs)} |`,
      ),
      "",
    );

    const first = p.sizes[0]!;
    const last = p.sizes[p.sizes.length - 1]!;
    push(
      `Where the time goes at ${last.connections} connections: the page's data calls take ${ms(last.inProcessDataMs)} (in-process, ${last.inProcessQueries} queries) of the ${ms(last.total.median)};` +
        ` the rest is rendering and streaming ${kb(last.htmlBytes)} of HTML and RSC payload, ≈ ${kb((last.htmlBytes - first.htmlBytes) / (last.connections - first.connections))} per connection card.` +
        ` The first byte (the page shell; the connections stream in behind a Suspense boundary) comes at ${x(ratio(last.ttfb.median, first.ttfb.median))} the time it takes at ${first.connections}.`,
      "",
    );
  }

  if (d.hot) {
    const h = d.hot;
    push(
      "## 4. Token hot path",
      "",
      `\`getAccessToken\` on a connection whose token is valid, in one process; ${h.samples} samples of ${h.sequentialCalls} sequential calls` +
        ` and ${h.concurrentCalls} calls at concurrency ${h.concurrency}, after warm-up. Baseline: the bare read of the connection row by id` +
        " (the same select, without the status check and the AES-GCM decryption): the least any implementation must do.",
      "",
      "| | calls/s, sequential (median) | calls/s, concurrency " +
        h.concurrency +
        " (median) | per-call p50 | per-call p99 | DB round-trips per call |",
      "|---|---|---|---|---|---|",
      `| \`getAccessToken\` | ${h.ours.medianCallsPerSecond} | ${h.ours.medianConcurrentCallsPerSecond} | ${ms(h.ours.latency.median)} | ${ms(h.ours.latency.p99)} | ${h.ours.dbRoundTripsPerCall} |`,
      `| bare row read | ${h.baseline.medianCallsPerSecond} | ${h.baseline.medianConcurrentCallsPerSecond} | ${ms(h.baseline.latency.median)} | ${ms(h.baseline.latency.p99)} | ${h.baseline.dbRoundTripsPerCall} |`,
      "",
      `Ratio to the baseline: ${x(ratio(h.ours.medianCallsPerSecond, h.baseline.medianCallsPerSecond))} the throughput sequentially,` +
        ` ${x(ratio(h.ours.medianConcurrentCallsPerSecond, h.baseline.medianConcurrentCallsPerSecond))} at concurrency ${h.concurrency}. Zendesk requests during the run: ${h.zendeskRequests}.`,
      "",
    );
  }

  if (d.telemetry) {
    const t = d.telemetry;
    const row = (label: string, p: TelemetryOverheadResult["hotPath"]) => [
      `| ${label}, telemetry off | ${p.off.medianCallsPerSecond} | ${ms(p.off.latency.median)} | ${ms(p.off.latency.p99)} |`,
      `| ${label}, traced, OTLP export on | ${p.on.medianCallsPerSecond} | ${ms(p.on.latency.median)} | ${ms(p.on.latency.p99)} |`,
    ];
    push(
      "## 9. Telemetry overhead",
      "",
      `Each call inside a span and an AsyncLocalStorage request context (as Next runs a request), ${t.samples} samples interleaved off/on: \`getAccessToken\` on a valid token` +
        ` (${t.hotPath.calls} sequential calls per sample) and \`loadIntegrationsData\` for one connection (${t.pageData.calls} per sample).` +
        " On: the OpenTelemetry SDK (this package's starter) exporting every span over OTLP/HTTP JSON to a local receiver in its own process (bench/support/otlp-sink.ts)." +
        " Off: no SDK (the default when no OTEL_* endpoint is set).",
      "",
      "| | calls/s (median) | per-call p50 | per-call p99 |",
      "|---|---|---|---|",
      ...row("token hot path", t.hotPath),
      ...row("settings page data", t.pageData),
      ...(t.hotPathBare ? row("token hot path, no request context", t.hotPathBare) : []),
      "",
      `Cost of tracing (median calls/s off ÷ on): ${x(t.hotPath.ratio)} on the hot path, ${x(t.pageData.ratio)} on the page data (target ≤ 1.05 ×);` +
        ` per-call p50 on ÷ off: ${x(t.hotPath.p50Ratio)} and ${x(t.pageData.p50Ratio)}. ${t.spansExported} spans exported.` +
        (t.hotPathBare
          ? ` Without a request context (no AsyncLocalStorage active but the SDK's own, so tracing is charged for enabling one): ${x(t.hotPathBare.ratio)}.`
          : "") +
        " On a shared 2-core machine single samples vary by ±40 %: compare the medians, and rerun before drawing conclusions.",
      "",
    );
  }

  if (d.simulatorPaging) {
    const p = d.simulatorPaging;
    push(
      "## 10. Simulator paging",
      "",
      `A simulator of its own (no rate limit) with ${p.tickets.toLocaleString("en")} generated tickets (built in ${p.generateMs} ms), read to the end over HTTP` +
        ` as node-zendesk and a host's sync do: cursor pages of ${p.pageSize} following \`links.next\` (${p.ours.requests} requests).` +
        ` Baseline, same run, interleaved: the same tickets by offset pages (\`page\`/\`per_page=${p.pageSize}\`, ${p.baseline.requests} requests), the plainest way through the list.`,
      "",
      "| | tickets/s (median) | samples |",
      "|---|---|---|",
      `| cursor (page[size]) | ${p.ours.medianTicketsPerSecond.toLocaleString("en")} | ${p.ours.ticketsPerSecond.join(", ")} |`,
      `| offset pages (baseline) | ${p.baseline.medianTicketsPerSecond.toLocaleString("en")} | ${p.baseline.ticketsPerSecond.join(", ")} |`,
      "",
    );
  }

  if (d.js) {
    const j = d.js;
    push(
      "## 5. Client JavaScript",
      "",
      "Every script chunk the HTML document references (its `<script>` tags and the client-component chunks named in the inline RSC payload), gzipped at zlib's default level.",
      "",
      "| page | chunks | raw | gzip |",
      "|---|---|---|---|",
      `| \`${j.page.path}\` (owner, 1 connection) | ${j.page.chunks} | ${kb(j.page.rawBytes)} | ${kb(j.page.gzipBytes)} |`,
      `| empty page of the same build (the built-in 404, root layout only) | ${j.empty.chunks} | ${kb(j.empty.rawBytes)} | ${kb(j.empty.gzipBytes)} |`,
      `| only on \`${j.page.path}\` | ${j.pageOnly.chunks} | ${kb(j.pageOnly.rawBytes)} | ${kb(j.pageOnly.gzipBytes)} |`,
      "",
      `Ratio to the empty page: ${x(j.ratio)}. Largest chunks only this page loads: ${j.largestPageOnly.map((c) => `\`${c.chunk.split("/").pop()}\` ${kb(c.gzipBytes)}${c.contains.length ? ` (${c.contains.join(", ")})` : ""}`).join(", ") || "none"}.`,
      "",
    );
  }

  if (d.browserConnect) push(...browserConnectSection(d.browserConnect));
  if (d.slowZendesk) push(...slowZendeskSection(d.slowZendesk));
  if (d.keepAliveCost) push(...keepAliveCostSection(d.keepAliveCost));

  push(
    "## Method",
    "",
    `- **Build and servers.** \`next build\` into \`.next-bench\` and \`next start -p ${d.ports?.app ?? 3300}\` with` +
      " `NODE_ENV=production` and the end-to-end suite's test-only configuration (`e2e/env.ts`, ports changed); the simulator (`packages/zendesk-simulator/`) runs in the bench process on :" +
      String(d.ports?.simulator ?? 4310) +
      " with its default seed plus the redirect URLs of the bench app and of the tutorial baseline, one extra Zendesk account per connection of scenario 3 (" +
      String(PAGE_SIZES.reduce((a, b) => a + b, 0)) +
      ") and no rate limit.",
    "- **Database.** With `DATABASE_URL`, a database `zc_bench_*` is created on that server and dropped at the end; without it, PGlite in `.data/bench-pglite`, removed at the end. Scenarios 1 and 4 run while the bench process owns the database (before the server starts: PGlite admits one process), 2, 3, 5 and 6 against the server.",
    "- **Statistics.** Medians, nearest-rank p90 and p99, and the spread (min–max) of all samples after warm-up (with fewer than 100 samples, p99 is the largest one); each ratio divides by a baseline measured in the same run, interleaved with the measured side.",
    "- **Query counts.** The app has no endpoint that reports queries, and the bench adds none. On Postgres, when scenario 3 runs, the server connects through a small TCP proxy in the bench (`bench/support/pg-wire-counter.ts`) that counts the statements it sends (protocol `Execute` and `Query` messages) during each request — one request at a time, so the count is that request's. On both backends the page's data calls (session user, memberships, `loadIntegrationsData`) are also replayed in the bench process and counted with the database handle's `queryCount()`. Storm and hot-path counts use `queryCount()` in the calling processes.",
    "- **Simulator time** is the `duration_ms` the simulator logs per request (its fixed latency included, whole milliseconds); own time = total − simulator time, so it includes the loopback HTTP of each Zendesk call.",
    "",
  );
  return `${lines.join("\n")}\n`;
}

const SECTION_TITLES: Record<ScenarioField, string> = {
  storm: "1. Refresh storm",
  connect: "2. Connect callback overhead",
  page: "3. Settings page scaling",
  hot: "4. Token hot path",
  js: "5. Client JavaScript",
  browserConnect: "6. Connect in a browser",
  slowZendesk: "7. Slow Zendesk isolation",
  keepAliveCost: "8. Keep-alive cost",
  telemetry: "9. Telemetry overhead",
  simulatorPaging: "10. Simulator paging",
};

function sectionTitle(field: ScenarioField): string {
  return SECTION_TITLES[field];
}

// What each Zendesk request of the connect is for, to read the leg breakdown.
const ZENDESK_PURPOSE: Record<string, string> = {
  "0 GET users_me":
    "`users/me` without a token: the form's check of the subdomain as it is entered, which refuses an unknown subdomain before anyone leaves the app",
  "1 GET users_me":
    "`users/me` without a token: the pre-flight that refuses an unknown subdomain before anyone leaves the app",
  "1 GET authorize": "the consent page",
  "2 POST authorize": "the Allow form",
  "2 POST token": "the code exchange",
  "2 GET users_me": "`users/me`: who connected",
  "2 GET tokens_current":
    "`tokens/current.json`: token id and exact expiries, asked after the callback has answered (Next's `after()`) while the browser loads the settings page; nobody waits for it, though it counts in the leg's time on Zendesk",
};

const spread = (v: Summary) => `${ms(v.min)} – ${ms(v.max)}`;
/** The endpoints of a leg without the note on differing samples. */
const calls = (z: LegZendesk) => z.endpoints.filter((e) => !e.startsWith("("));

/** Endpoints of `a` not matched in `b` (multiset difference). */
function extraCalls(a: string[], b: string[]): string[] {
  const left = [...b];
  return a.filter((e) => {
    const i = left.indexOf(e);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

function browserConnectSection(b: BrowserConnectResult): string[] {
  const legs: { name: string; key: "connect" | "allow" | "whole"; zendesk?: "connect" | "allow"; leg?: 1 | 2 }[] = [
    { name: "click *Connect Zendesk* → consent page shown", key: "connect", zendesk: "connect", leg: 1 },
    {
      name: "click *Allow* → back in the app, the card shows the Zendesk user",
      key: "allow",
      zendesk: "allow",
      leg: 2,
    },
    { name: "whole (from the first click to the card)", key: "whole" },
  ];
  const out = [
    "## 6. Connect in a browser",
    "",
    `${b.browser}, driven by Playwright, against the production build; every Zendesk request delayed ${b.simulatedLatencyMs} ms by the simulator's \`latency_ms\`.` +
      ` ${b.warmup} warm-up pairs, then ${b.samples} connects each, interleaved (ours, baseline, ours, …).` +
      " **Ours:** a signed-in owner on `/settings/integrations` (hydrated, network idle) enters `acme` (one input event, as a paste) and presses *Connect Zendesk* at once → the simulator's consent page → *Allow* →" +
      " back on the settings page, timed until the connected card shows the Zendesk user. Every connect is a **first connect**, in a fresh workspace of the same owner (no disconnect between samples)." +
      ' **Baseline:** the same clicks through `bench/scenarios/tutorial-app.ts`, Zendesk\'s tutorial "OAuth in a web app" on bare `node:http`:' +
      " Connect → 302 to the authorize URL with a state → on the callback, a JSON code exchange at `/oauth/tokens` and `users/me`, and the page with the user rendered by the callback itself (no database, session, PKCE, encryption or redirect after the callback).",
    "",
    "| leg | ours p50 | ours p90 | ours spread | baseline p50 | baseline p90 | baseline spread | ratio (p50) |",
    "|---|---|---|---|---|---|---|---|",
    ...legs.map(
      (l) =>
        `| ${l.name} | ${ms(b.ours[l.key].median)} | ${ms(b.ours[l.key].p90)} | ${spread(b.ours[l.key])} | ${ms(b.baseline[l.key].median)} | ${ms(b.baseline[l.key].p90)} | ${spread(b.baseline[l.key])} | ${l.key === "whole" ? `**${x(b.ratios.whole)}**` : x(b.ratios[l.key])} |`,
    ),
    "",
    `Target of issue 14, whole ≤ ${b.target.ratio}× the baseline: **${b.target.met ? "met" : "not met"}** (${x(b.ratios.whole)}).` +
      " Every instant is the browser's own: the click events' timestamps, and when the *Allow* button and the card with the Zendesk user became visible (a mutation observer the bench adds to every page);" +
      " the whole is the sum of the two legs, so the bench's own reaction on the consent page (a person's think time) is not counted.",
    "",
    "### Where the time goes",
    "",
    "Zendesk requests per leg come from the simulator's request log (each entry's answer time and duration, placed in the leg it started in);" +
      " *on Zendesk* is the time at least one of them was open (the union of their intervals: concurrent requests count once), so *the rest* (leg p50 − on-Zendesk p50) is the leg's time in browser, app and redirects.",
    "",
    "| leg | Zendesk requests, ours | Zendesk requests, baseline | on Zendesk p50, ours | baseline | the rest, ours | baseline |",
    "|---|---|---|---|---|---|---|",
  ];
  const zendeskRow = (name: string, o: LegZendesk, z: LegZendesk, oursLeg: Summary, bareLeg: Summary) =>
    `| ${name} | ${calls(o).length}: ${o.endpoints.join(", ")} | ${calls(z).length}: ${z.endpoints.join(", ")} | ${ms(o.criticalMs.median)} | ${ms(z.criticalMs.median)} | ${ms(oursLeg.median - o.criticalMs.median)} | ${ms(bareLeg.median - z.criticalMs.median)} |`;
  const entry = (side: BrowserSide) => side.zendesk.entry ?? { endpoints: [], variants: [], criticalMs: side.connect };
  out.push(
    `| subdomain entered → Connect click (${ms(b.ours.entryToClick?.median ?? 0)}; not in the legs) | ${calls(entry(b.ours)).length}: ${entry(b.ours).endpoints.join(", ") || "—"} | ${calls(entry(b.baseline)).length}: ${entry(b.baseline).endpoints.join(", ") || "—"} | | | | |`,
    zendeskRow(
      "Connect → consent",
      b.ours.zendesk.connect,
      b.baseline.zendesk.connect,
      b.ours.connect,
      b.baseline.connect,
    ),
    zendeskRow("Allow → card", b.ours.zendesk.allow, b.baseline.zendesk.allow, b.ours.allow, b.baseline.allow),
    `| after the card showed (nobody waits) | ${calls(b.ours.zendesk.afterCard).length}: ${b.ours.zendesk.afterCard.endpoints.join(", ") || "—"} | ${calls(b.baseline.zendesk.afterCard).length}: ${b.baseline.zendesk.afterCard.endpoints.join(", ") || "—"} | | | | |`,
    "",
  );

  const variants = [
    ...(["connect", "allow", "afterCard"] as const).flatMap((leg) =>
      (
        [
          ["ours", b.ours],
          ["baseline", b.baseline],
        ] as const
      ).flatMap(([who, side]) =>
        side.zendesk[leg].variants.map(
          (v) =>
            `${who}, ${leg === "connect" ? "Connect leg" : leg === "allow" ? "Allow leg" : "after the card"}, ${v.samples} × ${v.endpoints}`,
        ),
      ),
    ),
  ];
  if (variants.length) out.push(`Samples with other Zendesk requests: ${variants.join("; ")}.`, "");
  if (b.ours.entryLeftAtClick && calls(entry(b.ours)).length)
    out.push(
      `- **before the click**: the form checks the subdomain as it is entered: ${calls(entry(b.ours))
        .map((e) => `\`${e}\` (${ZENDESK_PURPOSE[`0 ${e}`] ?? "?"})`)
        .join("; ")}.` +
        ` The bench presses *Connect Zendesk* ${ms(b.ours.entryToClick.median)} (median) after entering the subdomain, so the check is still on its way:` +
        ` it ends ${ms(b.ours.entryLeftAtClick.median)} after the click (median; p90 ${ms(b.ours.entryLeftAtClick.p90)}), and the Connect server action waits for that rest instead of asking Zendesk again.` +
        " A person who types, or pauses before clicking, finds the answer already in and waits for none of it. The check's time is counted in the Connect leg only as that wait.",
    );
  for (const l of legs) {
    if (!l.zendesk || !l.leg) continue;
    const o = b.ours.zendesk[l.zendesk];
    const z = b.baseline.zendesk[l.zendesk];
    const extra = extraCalls(calls(o), calls(z));
    const delta = b.ours[l.key].median - b.baseline[l.key].median;
    const zDelta = o.criticalMs.median - z.criticalMs.median;
    out.push(
      `- **${l.name}**: ours takes ${ms(delta)} more than the baseline (median), ${ms(zDelta)} of it waiting on Zendesk and ${ms(delta - zDelta)} elsewhere.` +
        (extra.length
          ? ` Zendesk requests the baseline does not make: ${extra.map((e) => `\`${e}\` (${ZENDESK_PURPOSE[`${l.leg} ${e}`] ?? "?"})`).join("; ")}.`
          : " No Zendesk request beyond the baseline's.") +
        (l.leg === 1 && b.ours.entryLeftAtClick?.median
          ? ` Its time on Zendesk includes the rest of the form's check, open ${ms(b.ours.entryLeftAtClick.median)} into the leg.`
          : calls(o).length > 1
            ? ` ${
                calls(o).includes("GET tokens_current")
                  ? "The others run one after the other."
                  : o.criticalMs.median > (calls(o).length - 0.5) * b.simulatedLatencyMs
                    ? "They run one after the other (time on Zendesk ≈ requests × latency)."
                    : "Some of them overlap."
              }`
            : ""),
    );
  }
  const appHops = (side: BrowserSide, leg: 0 | 1 | 2) =>
    side.hops
      .filter((h) => h.leg === leg && !h.label.includes(": ") && !h.label.includes(" Zendesk "))
      .map(
        (h) => `\`${h.label}\` ${ms(h.ttfbMs - h.startMs)} to its first byte, ${ms(h.endMs - h.startMs)} to its last`,
      );
  for (const leg of [0, 1, 2] as const) {
    const where = ["between entering the subdomain and the click", "in the Connect leg", "in the Allow leg"][leg];
    out.push(
      `- Own requests ${where} (medians, Zendesk time included): ours ${appHops(b.ours, leg).join("; ") || "none"};` +
        ` baseline ${appHops(b.baseline, leg).join("; ") || "none"}.`,
    );
  }
  // The Allow leg as a timeline: Zendesk's redirect, the callback, the landing page, the card.
  const timeline = (side: BrowserSide) => {
    const documents = side.hops.filter((h) => h.leg === 2 && !h.label.includes("(") && !h.label.includes(": "));
    const consent = documents.find((h) => h.label.includes(" Zendesk "));
    const callback = documents.find((h) => h.label.includes("callback"));
    const landing = documents.filter((h) => h !== consent && h !== callback).at(-1) ?? callback;
    if (!consent || !callback || !landing) return "—";
    const at = (v: number) => `${v.toFixed(0)} ms`;
    return (
      `Zendesk's redirect at ${at(consent.endMs)}, the callback's first byte at ${at(callback.ttfbMs)}` +
      (landing === callback
        ? ` (it is the page)`
        : `, the redirect to \`${landing.label.replace(/^GET \S+ /, "")}\`: its first byte at ${at(landing.ttfbMs)}, its last at ${at(landing.endMs)}`) +
      `, the card visible at ${at(side.allow.median)}`
    );
  };
  out.push(
    `- The Allow leg as a timeline (medians, ms after the click) — ours: ${timeline(b.ours)}; baseline: ${timeline(b.baseline)}.`,
    `- The card's element is in the document ${ms(b.ours.cardReveal.median)} (median; p90 ${ms(b.ours.cardReveal.p90)}) before it is visible on ours (${ms(b.baseline.cardReveal.median)} on the baseline)` +
      (b.ours.cardReveal.median > 100
        ? ": a streamed Suspense boundary waiting for React to reveal it (React 19 batches reveals, at most one per 300 ms)."
        : ": the card is in the page's first paint (the page waits up to `ZENDESK_PAGE_INLINE_WAIT_MS` for its stored data instead of streaming it behind a Suspense boundary, which React 19 reveals at most once per 300 ms); what is left is the stylesheet, style and layout."),
  );
  out.push(
    "",
    "Requests of each tab, from Chromium's own timing (Playwright's `request.timing()`), grouped by what they are; times are medians in ms after the click that starts the leg (for *entry*, the Connect click: negative is before it)" +
      " (*seen*: in how many samples; assets are grouped, so their count is the number fetched and their times span the first to the last).",
    "",
  );
  const hopTable = (name: string, side: BrowserSide) => [
    `${name}:`,
    "",
    "| leg | request | seen | count | starts | first byte | ends |",
    "|---|---|---|---|---|---|---|",
    ...side.hops.map(
      (h) =>
        `| ${["entry", "Connect", "Allow"][h.leg]} | ${h.label} | ${h.seen} | ${h.count} | ${h.startMs.toFixed(0)} | ${h.ttfbMs.toFixed(0)} | ${h.endMs.toFixed(0)} |`,
    ),
    "",
  ];
  out.push(...hopTable("Ours", b.ours), ...hopTable("Baseline", b.baseline));
  return out;
}

/**
 * A run with --only keeps the other sections of the previous PREFIX.json (marked with the run
 * they come from), so one scenario can be re-measured without losing the others.
 */
function withEarlierSections(prefix: string, data: ReportData): ReportData {
  if (!data.only || !existsSync(`${prefix}.json`)) return data;
  let previous: ReportData;
  try {
    previous = JSON.parse(readFileSync(`${prefix}.json`, "utf8")) as ReportData;
  } catch {
    return data;
  }
  const merged: ReportData = { ...data, earlier: {} };
  const record = merged as unknown as Record<ScenarioField, unknown>;
  const old = previous as unknown as Record<ScenarioField, unknown>;
  for (const [key, field] of Object.entries(SCENARIO_FIELDS) as [ScenarioKey, ScenarioField][]) {
    if (data.only.includes(key) || old[field] === undefined) continue;
    record[field] = old[field];
    merged.earlier![field] = previous.earlier?.[field] ?? {
      generatedAt: previous.generatedAt,
      commit: previous.machine?.commit ?? "unknown",
      database: previous.database?.version ?? "unknown",
      quick: previous.quick,
    };
  }
  return merged;
}

/** Writes PREFIX.md and PREFIX.json; returns their paths. */
export function writeReport(prefix: string, fresh: ReportData): string[] {
  const data = withEarlierSections(prefix, fresh);
  const json = { ...data, targets: targets(data) };
  writeFileSync(`${prefix}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${prefix}.md`, renderMarkdown(data));
  return [`${prefix}.md`, `${prefix}.json`];
}
