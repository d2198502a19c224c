import type { BrowserContext, Page, Request } from "@playwright/test";
import type { RequestLogEntry, ZendeskSimulator } from "@/simulator/index";
import type { BenchChromium } from "../support/chromium";
import {
  BENCH_PASSWORD,
  BROWSER_CONNECT_LATENCY_MS,
  BROWSER_CONNECT_TARGET_RATIO,
  type SampleSizes,
} from "../support/config";
import { median, ratio, round, type Summary, summarize } from "../support/stats";

/*
 * Scenario 6, the whole connect in a real browser (issue 14). Chromium, driven by Playwright,
 * against the production build and the simulator with every Zendesk request delayed
 * BROWSER_CONNECT_LATENCY_MS. Ours: a signed-in owner on /settings/integrations (hydrated, the
 * network idle) types the subdomain and presses Connect Zendesk at once → the simulator's
 * consent page → Allow → back on the settings page, timed until the connected card shows the
 * Zendesk user. Each of our connects is a first connect, in a fresh workspace of the same owner.
 * The baseline is the same journey through scenarios/tutorial-app.ts. Interleaved: ours,
 * baseline, ours, … in one tab each.
 *
 * Besides the legs, each sample records what the time is made of: the simulator's request log
 * (which Zendesk endpoints each leg waits for, and the union of their intervals: the leg's time
 * on Zendesk's critical path) and Chromium's own timing of every request the tab makes
 * (Playwright's request.timing(): the redirect hops, the server action, the page loads).
 * Only paths are recorded, never query strings (codes and states travel there).
 */

const SUBDOMAIN = "acme";
const ZENDESK_USER = "Ada Admin"; // the consent page's default "Sign in as": acme's first admin

export interface HopSummary {
  /** "GET app /settings/integrations", "POST Zendesk /acme/oauth/authorizations", … */
  label: string;
  leg: 1 | 2;
  /** In how many samples it happened (prefetches and assets may vary). */
  seen: number;
  /** Requests under this label per sample (median; assets are grouped). */
  count: number;
  /** Medians over the samples it happened in (ms): from the leg's click to its start, its first byte, its end. */
  startMs: number;
  ttfbMs: number;
  endMs: number;
}

export interface LegZendesk {
  /** Zendesk endpoints the leg waited for, in order (one typical sample; all samples must agree). */
  endpoints: string[];
  /** Time with at least one Zendesk request open during the leg (union of their intervals). */
  criticalMs: Summary;
}

export interface BrowserSide {
  connect: Summary;
  allow: Summary;
  whole: Summary;
  zendesk: { connect: LegZendesk; allow: LegZendesk };
  hops: HopSummary[];
}

export interface BrowserConnectResult {
  browser: string;
  simulatedLatencyMs: number;
  warmup: number;
  samples: number;
  ours: BrowserSide;
  baseline: BrowserSide;
  ratios: { connect: number | null; allow: number | null; whole: number | null };
  target: { ratio: number; met: boolean };
}

interface RawHop {
  label: string;
  start: number;
  ttfb: number;
  end: number;
}

interface Sample {
  /** Epoch ms (performance.timeOrigin-based, sub-ms) of the two clicks and of the card. */
  t0: number;
  t1: number;
  t2: number;
  hops: RawHop[];
  zendesk: RequestLogEntry[];
  clockOffsetMs: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Groups a tab's requests under readable labels: the host's role, the method and the path. */
function hopLabel(request: Request, origins: Record<string, string>): string | null {
  const url = new URL(request.url());
  const host = origins[url.origin];
  if (!host) return null;
  if (url.pathname.startsWith("/_next/static/") || request.resourceType() === "font")
    return `${host}: scripts, CSS, fonts`;
  const headers = request.headers();
  const kind = headers["next-action"]
    ? " (server action)"
    : headers.rsc === "1" || url.searchParams.has("_rsc")
      ? headers["next-router-prefetch"]
        ? " (RSC prefetch)"
        : " (RSC)"
      : request.resourceType() === "document"
        ? ""
        : ` (${request.resourceType()})`;
  return `${request.method()} ${host} ${url.pathname}${kind}`;
}

/** One tab that records the timing of every request it makes into the current sample. */
function recordHops(page: Page, origins: Record<string, string>): { take(): RawHop[] } {
  let hops: RawHop[] = [];
  const note = (request: Request) => {
    const label = hopLabel(request, origins);
    if (!label) return;
    const t = request.timing();
    if (!(t.startTime > 0)) return;
    const ttfb = t.responseStart >= 0 ? t.responseStart : t.responseEnd;
    const end = t.responseEnd >= 0 ? t.responseEnd : ttfb;
    hops.push({ label, start: t.startTime, ttfb: t.startTime + ttfb, end: t.startTime + end });
  };
  page.on("requestfinished", note);
  page.on("requestfailed", note);
  return {
    take() {
      const out = hops;
      hops = [];
      return out;
    },
  };
}

async function clockOffsetMs(sim: ZendeskSimulator): Promise<number> {
  return (await sim.control.clock()).offset_seconds * 1000;
}

/** Clicks Connect Zendesk with the subdomain typed, then Allow; returns the three instants. */
async function connectOnce(
  page: Page,
  isDone: () => Promise<unknown>,
): Promise<{ t0: number; t1: number; t2: number }> {
  await page.getByLabel("Zendesk subdomain").fill(SUBDOMAIN);
  const t0 = epochNow();
  await page.getByRole("button", { name: "Connect Zendesk" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  const t1 = epochNow();
  await page.getByRole("button", { name: "Allow" }).click();
  await isDone();
  const t2 = epochNow();
  return { t0, t1, t2 };
}

const userOnCard = (page: Page) =>
  page.getByTestId(`connection-${SUBDOMAIN}`).getByTestId("zendesk-user").filter({ hasText: ZENDESK_USER });

async function oursOnce(
  sim: ZendeskSimulator,
  context: BrowserContext,
  page: Page,
  hops: { take(): RawHop[] },
  appUrl: string,
  workspaceId: string,
): Promise<Sample> {
  await context.addCookies([{ name: "zc_workspace", value: workspaceId, url: appUrl }]);
  await page.goto(`${appUrl}/settings/integrations`);
  // A person reads the page before clicking: the form is hydrated and nothing is loading.
  await page.waitForFunction(() => {
    const input = document.querySelector('form input[name="subdomain"]');
    return input !== null && Object.keys(input).some((k) => k.startsWith("__reactFiber"));
  });
  await page.waitForLoadState("networkidle");
  if ((await page.getByTestId(`connection-${SUBDOMAIN}`).count()) !== 0)
    throw new Error("the bench workspace already has a connection: not a first connect");
  const clockOffset = await clockOffsetMs(sim);
  await sim.control.clearLog();
  hops.take();
  const t = await connectOnce(page, () => userOnCard(page).waitFor());
  if (!page.url().includes(`connected=${SUBDOMAIN}`))
    throw new Error(`the connect ended on ${new URL(page.url()).pathname}, not with connected=${SUBDOMAIN}`);
  await page.waitForLoadState("load");
  await page.waitForLoadState("networkidle");
  return { ...t, hops: hops.take(), zendesk: (await sim.control.requestLog()).entries, clockOffsetMs: clockOffset };
}

async function baselineOnce(
  sim: ZendeskSimulator,
  page: Page,
  hops: { take(): RawHop[] },
  baselineUrl: string,
): Promise<Sample> {
  await page.goto(`${baselineUrl}/`);
  await page.waitForLoadState("networkidle");
  const clockOffset = await clockOffsetMs(sim);
  await sim.control.clearLog();
  hops.take();
  const t = await connectOnce(page, () => userOnCard(page).waitFor());
  await page.waitForLoadState("load");
  return { ...t, hops: hops.take(), zendesk: (await sim.control.requestLog()).entries, clockOffsetMs: clockOffset };
}

/** Union of intervals [a, b] (ms). */
function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  let total = 0;
  let current: [number, number] | null = null;
  for (const [a, b] of sorted) {
    if (!current || a > current[1]) {
      if (current) total += current[1] - current[0];
      current = [a, b];
    } else current[1] = Math.max(current[1], b);
  }
  if (current) total += current[1] - current[0];
  return total;
}

function legZendesk(samples: Sample[], leg: 1 | 2): LegZendesk {
  const perSample = samples.map((s) => {
    const from = leg === 1 ? s.t0 : s.t1;
    const to = leg === 1 ? s.t1 : s.t2;
    // The simulator logs when it answered (its clock: wall clock + offset) and how long it took.
    const entries = s.zendesk
      .map((e) => {
        const end = Date.parse(e.time) - s.clockOffsetMs;
        return { endpoint: `${e.method} ${e.endpoint ?? e.path}`, start: end - e.duration_ms, end };
      })
      // Whole-millisecond log times: 2 ms of slack at the boundaries.
      .filter((e) => e.end > from - 2 && e.end <= to + 2)
      .sort((a, b) => a.start - b.start);
    return { endpoints: entries.map((e) => e.endpoint), critical: unionLength(entries.map((e) => [e.start, e.end])) };
  });
  const signatures = new Set(perSample.map((p) => p.endpoints.join(", ")));
  return {
    endpoints:
      signatures.size === 1
        ? perSample[0]!.endpoints
        : [...signatures]
            .sort((a, b) => b.length - a.length)[0]!
            .split(", ")
            .concat(["(varies)"]),
    criticalMs: summarize(perSample.map((p) => p.critical)),
  };
}

function hopSummaries(samples: Sample[]): HopSummary[] {
  const byKey = new Map<
    string,
    { label: string; leg: 1 | 2; rows: { count: number; start: number; ttfb: number; end: number }[] }
  >();
  for (const s of samples) {
    const grouped = new Map<
      string,
      { label: string; leg: 1 | 2; count: number; start: number; ttfb: number; end: number }
    >();
    for (const h of s.hops) {
      if (h.start < s.t0 - 1 || h.start > s.t2) continue;
      const leg: 1 | 2 = h.start < s.t1 ? 1 : 2;
      const origin = leg === 1 ? s.t0 : s.t1;
      const key = `${leg} ${h.label}`;
      const g = grouped.get(key);
      if (g) {
        g.count += 1;
        g.start = Math.min(g.start, h.start - origin);
        g.ttfb = Math.min(g.ttfb, h.ttfb - origin);
        g.end = Math.max(g.end, h.end - origin);
      } else
        grouped.set(key, {
          label: h.label,
          leg,
          count: 1,
          start: h.start - origin,
          ttfb: h.ttfb - origin,
          end: h.end - origin,
        });
    }
    for (const [key, g] of grouped) {
      const entry = byKey.get(key) ?? { label: g.label, leg: g.leg, rows: [] };
      entry.rows.push(g);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()]
    .map(({ label, leg, rows }) => ({
      label,
      leg,
      seen: rows.length,
      count: median(rows.map((r) => r.count)),
      startMs: round(median(rows.map((r) => r.start)), 1),
      ttfbMs: round(median(rows.map((r) => r.ttfb)), 1),
      endMs: round(median(rows.map((r) => r.end)), 1),
    }))
    .sort((a, b) => a.leg - b.leg || a.startMs - b.startMs);
}

function side(samples: Sample[]): BrowserSide {
  return {
    connect: summarize(samples.map((s) => s.t1 - s.t0)),
    allow: summarize(samples.map((s) => s.t2 - s.t1)),
    whole: summarize(samples.map((s) => s.t2 - s.t0)),
    zendesk: { connect: legZendesk(samples, 1), allow: legZendesk(samples, 2) },
    hops: hopSummaries(samples),
  };
}

export async function connectInBrowser(
  sim: ZendeskSimulator,
  chromium: BenchChromium,
  urls: { app: string; baseline: string },
  owner: { email: string; workspaceIds: string[] },
  sizes: SampleSizes,
  log: (line: string) => void = () => {},
): Promise<BrowserConnectResult> {
  const origins = { [urls.app]: "app", [urls.baseline]: "tutorial", [sim.url]: "Zendesk" };
  const oursContext = await chromium.browser.newContext();
  const baselineContext = await chromium.browser.newContext();
  const ours: Sample[] = [];
  const bare: Sample[] = [];
  try {
    // Signed in over HTTP, as e2e/fixtures.ts does: the context's request API shares the tab's cookies.
    const csrf = (await (await oursContext.request.get(`${urls.app}/api/auth/csrf`)).json()) as { csrfToken: string };
    const signIn = await oursContext.request.post(`${urls.app}/api/auth/callback/credentials`, {
      form: { csrfToken: csrf.csrfToken, email: owner.email, password: BENCH_PASSWORD, callbackUrl: "/" },
      maxRedirects: 0,
    });
    if (signIn.status() !== 302 || (signIn.headers().location ?? "").includes("error"))
      throw new Error(`sign-in of ${owner.email} failed (${signIn.status()})`);

    const oursPage = await oursContext.newPage();
    const baselinePage = await baselineContext.newPage();
    const oursHops = recordHops(oursPage, origins);
    const baselineHops = recordHops(baselinePage, origins);

    await sim.control.setOptions({ latency_ms: BROWSER_CONNECT_LATENCY_MS });
    const total = sizes.browserConnectWarmup + sizes.browserConnectSamples;
    if (owner.workspaceIds.length < total) throw new Error("not enough bench workspaces");
    for (let i = 0; i < total; i++) {
      const a = await oursOnce(sim, oursContext, oursPage, oursHops, urls.app, owner.workspaceIds[i]!);
      const b = await baselineOnce(sim, baselinePage, baselineHops, urls.baseline);
      if (i < sizes.browserConnectWarmup) continue;
      ours.push(a);
      bare.push(b);
      if ((i + 1 - sizes.browserConnectWarmup) % 5 === 0)
        log(`  ${i + 1 - sizes.browserConnectWarmup}/${sizes.browserConnectSamples} pairs`);
    }
  } finally {
    await sim.control.setOptions({ latency_ms: 0 });
    await oursContext.close();
    await baselineContext.close();
  }
  const o = side(ours);
  const b = side(bare);
  const whole = ratio(o.whole.median, b.whole.median);
  return {
    browser: chromium.describe,
    simulatedLatencyMs: BROWSER_CONNECT_LATENCY_MS,
    warmup: sizes.browserConnectWarmup,
    samples: sizes.browserConnectSamples,
    ours: o,
    baseline: b,
    ratios: {
      connect: ratio(o.connect.median, b.connect.median),
      allow: ratio(o.allow.median, b.allow.median),
      whole,
    },
    target: { ratio: BROWSER_CONNECT_TARGET_RATIO, met: whole !== null && whole <= BROWSER_CONNECT_TARGET_RATIO },
  };
}
