import type { BrowserContext, Page, Request } from "@playwright/test";
import type { RequestLogEntry, ZendeskSimulator } from "@zendesk-connect/simulator";
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
  /** 0: from entering the subdomain to the Connect click (the form's check); 1: Connect; 2: Allow. */
  leg: 0 | 1 | 2;
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
  /** Other sequences seen, with how many samples had each (normally none). */
  variants: { endpoints: string; samples: number }[];
  /** Time with at least one Zendesk request open during the leg (union of their intervals). */
  criticalMs: Summary;
}

export interface BrowserSide {
  connect: Summary;
  allow: Summary;
  whole: Summary;
  /** From the card entering the DOM to its being visible (React's reveal of a streamed Suspense boundary). */
  cardReveal: Summary;
  /** From entering the subdomain (one input event: the bench enters it whole) to the Connect click. */
  entryToClick: Summary;
  /** How long the requests started before the click (the form's check) were still open after it (0 when none). */
  entryLeftAtClick: Summary;
  zendesk: { entry: LegZendesk; connect: LegZendesk; allow: LegZendesk; afterCard: LegZendesk };
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

/** The instants of one connect, in epoch ms as the page itself saw them (performance.timeOrigin + now). */
interface Instants {
  /** The subdomain field's input event (the bench enters the subdomain whole, as a paste does). */
  entered: number;
  connectClick: number;
  consentShown: number;
  allowClick: number;
  cardShown: number;
}

interface Sample extends Instants {
  /** When the card was first in the DOM, maybe still hidden (a streamed Suspense boundary not yet revealed). */
  cardInDom: number;
  hops: RawHop[];
  zendesk: RequestLogEntry[];
  clockOffsetMs: number;
}

/*
 * Installed in every document of both contexts before its own scripts: the page notes when the
 * bench's clicks happen (the click event's own timestamp, sent to the bench) and when the consent
 * page's Allow button and the card with the Zendesk user first become visible (a mutation
 * observer, as the parser or React inserts them). So the legs are timed by the browser, without
 * Playwright's polling and actionability checks, which on a loaded machine add tens of ms.
 */
const MARKER_SCRIPT = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const shown = (window.__benchShown = {});
  addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (button && window.__benchClicked) window.__benchClicked(button.textContent.trim(), performance.timeOrigin + event.timeStamp);
  }, true);
  const visible = (el) => el !== null && el.checkVisibility();
  addEventListener("input", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.name === "subdomain" && window.__benchClicked)
      window.__benchClicked("entered", performance.timeOrigin + event.timeStamp);
  }, true);
  const check = () => {
    if (!shown.allow) {
      for (const b of document.querySelectorAll("button")) if (b.textContent.trim() === "Allow" && visible(b)) shown.allow = now();
    }
    if (!shown.card) {
      const user = document.querySelector('[data-testid="connection-${SUBDOMAIN}"] [data-testid="zendesk-user"]');
      if (user && user.textContent.includes(${JSON.stringify(ZENDESK_USER)})) {
        shown.cardInDom ??= now();
        if (visible(user)) shown.card = now();
      }
    }
    if (shown.allow || shown.card) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
})();`;

/** Sets up a context for timing: the marker script and the binding that receives clicks. */
async function instrument(context: BrowserContext): Promise<Map<string, number>> {
  const clicks = new Map<string, number>();
  await context.exposeBinding("__benchClicked", (_source, label: string, at: number) => {
    clicks.set(label, at);
  });
  await context.addInitScript(MARKER_SCRIPT);
  return clicks;
}

async function shownAt(page: Page, what: "allow" | "card" | "cardInDom"): Promise<number> {
  const at = await page.evaluate(
    (key) => (window as unknown as { __benchShown?: Record<string, number> }).__benchShown?.[key],
    what,
  );
  if (typeof at !== "number")
    throw new Error(`the page did not record when ${what === "allow" ? "the consent page" : "the card"} showed`);
  return at;
}

async function clickedAt(clicks: Map<string, number>, label: string): Promise<number> {
  // The binding's message may trail the navigation it started by a moment.
  for (let i = 0; i < 100 && !clicks.has(label); i++) await new Promise((r) => setTimeout(r, 10));
  const at = clicks.get(label);
  if (at === undefined) throw new Error(`the page did not report the click on ${label}`);
  return at;
}

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

/** Types the subdomain and clicks Connect Zendesk at once, then Allow as soon as it shows; the instants. */
async function connectOnce(page: Page, clicks: Map<string, number>): Promise<Instants & { cardInDom: number }> {
  clicks.clear();
  await page.getByLabel("Zendesk subdomain").fill(SUBDOMAIN);
  await page.getByRole("button", { name: "Connect Zendesk" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  const consentShown = await shownAt(page, "allow");
  await page.getByRole("button", { name: "Allow" }).click();
  await userOnCard(page).waitFor();
  const cardShown = await shownAt(page, "card");
  const cardInDom = await shownAt(page, "cardInDom");
  return {
    cardInDom,
    entered: await clickedAt(clicks, "entered"),
    connectClick: await clickedAt(clicks, "Connect Zendesk"),
    consentShown,
    allowClick: await clickedAt(clicks, "Allow"),
    cardShown,
  };
}

const userOnCard = (page: Page) =>
  page.getByTestId(`connection-${SUBDOMAIN}`).getByTestId("zendesk-user").filter({ hasText: ZENDESK_USER });

async function oursOnce(
  sim: ZendeskSimulator,
  context: BrowserContext,
  page: Page,
  clicks: Map<string, number>,
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
  const t = await connectOnce(page, clicks);
  if (!page.url().includes(`connected=${SUBDOMAIN}`))
    throw new Error(`the connect ended on ${new URL(page.url()).pathname}, not with connected=${SUBDOMAIN}`);
  await page.waitForLoadState("load");
  await page.waitForLoadState("networkidle");
  return { ...t, hops: hops.take(), zendesk: (await sim.control.requestLog()).entries, clockOffsetMs: clockOffset };
}

async function baselineOnce(
  sim: ZendeskSimulator,
  page: Page,
  clicks: Map<string, number>,
  hops: { take(): RawHop[] },
  baselineUrl: string,
): Promise<Sample> {
  await page.goto(`${baselineUrl}/`);
  await page.waitForLoadState("networkidle");
  const clockOffset = await clockOffsetMs(sim);
  await sim.control.clearLog();
  hops.take();
  const t = await connectOnce(page, clicks);
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

/** Zendesk's requests of one sample as intervals in the browser's time (the simulator logs answer time and duration). */
function zendeskIntervals(s: Sample) {
  return (
    s.zendesk
      // Chromium's own favicon request to the simulator's origin is no part of any flow.
      .filter((e) => !e.path.startsWith("/favicon.ico"))
      .map((e) => {
        const end = Date.parse(e.time) - s.clockOffsetMs;
        return { endpoint: `${e.method} ${e.endpoint ?? e.path}`, start: end - e.duration_ms, end };
      })
  );
}

/** How long after the click the requests started before it (the form's check) were still open. */
function leftAtClick(s: Sample): number {
  const before = zendeskIntervals(s).filter((e) => e.start >= s.entered - 5 && e.start < s.connectClick);
  return Math.max(0, ...before.map((e) => e.end - s.connectClick));
}

/**
 * Leg 0: from entering the subdomain to the Connect click (the form's check), 1: Connect,
 * 2: Allow, or 3: after the card showed (work that no longer keeps anyone waiting).
 */
function legZendesk(samples: Sample[], leg: 0 | 1 | 2 | 3): LegZendesk {
  const perSample = samples.map((s) => {
    const from = [s.entered, s.connectClick, s.allowClick, s.cardShown][leg]!;
    const to = [s.connectClick, s.allowClick, s.cardShown, Number.POSITIVE_INFINITY][leg]!;
    // The simulator logs when it answered (its clock: wall clock + offset) and how long it took.
    const all = zendeskIntervals(s).sort((a, b) => a.start - b.start);
    // A request belongs to the leg it started in (the browser's and the simulator's clocks are
    // the same wall clock, read in different processes: a few ms apart at worst, far less than
    // a round trip) ...
    const entries = all.filter((e) => e.start >= from - 5 && e.start < to);
    // ... but the leg waits on every request open during it: the Connect leg on what is left of
    // the form's check too. Its time on the critical path is clipped to the leg.
    const open = all.filter((e) => e.start >= s.entered - 5 && e.start < to && e.end > from);
    return {
      endpoints: entries.map((e) => e.endpoint),
      critical: unionLength(open.map((e) => [Math.max(e.start, from), Math.min(e.end, to)])),
    };
  });
  // The most frequent sequence; a sample that differs is flagged.
  const counts = new Map<string, number>();
  for (const p of perSample) counts.set(p.endpoints.join(", "), (counts.get(p.endpoints.join(", ")) ?? 0) + 1);
  const [common, commonCount] = [...counts].sort((x, y) => y[1] - x[1])[0]!;
  const differ = perSample.length - commonCount;
  return {
    endpoints: common
      .split(", ")
      .filter(Boolean)
      .concat(differ ? [`(${differ} of ${perSample.length} samples differ)`] : []),
    variants: [...counts]
      .filter(([signature]) => signature !== common)
      .map(([signature, n]) => ({ endpoints: signature || "none", samples: n })),
    criticalMs: summarize(perSample.map((p) => p.critical)),
  };
}

function hopSummaries(samples: Sample[]): HopSummary[] {
  const byKey = new Map<
    string,
    { label: string; leg: 0 | 1 | 2; rows: { count: number; start: number; ttfb: number; end: number }[] }
  >();
  for (const s of samples) {
    const grouped = new Map<
      string,
      { label: string; leg: 0 | 1 | 2; count: number; start: number; ttfb: number; end: number }
    >();
    for (const h of s.hops) {
      if (h.start < s.entered - 1 || h.start > s.cardShown) continue;
      const leg: 0 | 1 | 2 = h.start < s.connectClick - 1 ? 0 : h.start < s.allowClick ? 1 : 2;
      // Leg 0's requests are timed from the click too: negative starts are before it.
      const origin = leg === 2 ? s.allowClick : s.connectClick;
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
    connect: summarize(samples.map((s) => s.consentShown - s.connectClick)),
    allow: summarize(samples.map((s) => s.cardShown - s.allowClick)),
    // The bench's own reaction between the legs (seeing Allow, clicking it) is a person's, not the app's.
    whole: summarize(samples.map((s) => s.consentShown - s.connectClick + (s.cardShown - s.allowClick))),
    cardReveal: summarize(samples.map((s) => s.cardShown - s.cardInDom)),
    entryToClick: summarize(samples.map((s) => s.connectClick - s.entered)),
    entryLeftAtClick: summarize(samples.map(leftAtClick)),
    zendesk: {
      entry: legZendesk(samples, 0),
      connect: legZendesk(samples, 1),
      allow: legZendesk(samples, 2),
      afterCard: legZendesk(samples, 3),
    },
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

    const oursClicks = await instrument(oursContext);
    const baselineClicks = await instrument(baselineContext);
    const oursPage = await oursContext.newPage();
    const baselinePage = await baselineContext.newPage();
    const oursHops = recordHops(oursPage, origins);
    const baselineHops = recordHops(baselinePage, origins);

    await sim.control.setOptions({ latency_ms: BROWSER_CONNECT_LATENCY_MS });
    const total = sizes.browserConnectWarmup + sizes.browserConnectSamples;
    if (owner.workspaceIds.length < total) throw new Error("not enough bench workspaces");
    for (let i = 0; i < total; i++) {
      const a = await oursOnce(sim, oursContext, oursPage, oursClicks, oursHops, urls.app, owner.workspaceIds[i]!);
      const b = await baselineOnce(sim, baselinePage, baselineClicks, baselineHops, urls.baseline);
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
