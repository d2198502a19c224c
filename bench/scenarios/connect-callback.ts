import { zendeskSettings } from "@pkg/transport/settings";
import { requestedLifetimes } from "@pkg/tokens/endpoint";
import { allowConsent, codeFrom, consentUrl, exchangeCode, pkcePair } from "@/testing/oauth";
import { ACME_ADMIN_ID, SIM_GLOBAL_CLIENT } from "@/testing/zendesk";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { CONNECT_LATENCY_MS, type SampleSizes } from "../support/config";
import { type BenchBrowser, formInputs } from "../support/http-client";
import { ratio, type Summary, summarize } from "../support/stats";

/*
 * Scenario 2, connect callback overhead. Our flow, over HTTP against the production build, as a
 * browser without JavaScript would do it: the Connect Zendesk form posted to its server action
 * (303 to Zendesk), the simulator's consent page allowed, then the timed step, GET
 * /api/zendesk-connect/callback/zendesk: intent, session and role checks, Auth.js's state + PKCE checks,
 * code exchange, users/me, current.json, encryption and the upsert, then the 303 back.
 * Each flow uses a fresh workspace, so each is a first connect (insert), not a reconnect.
 * The baseline is the bare minimum on the same simulator: code exchange + users/me from this
 * process, no checks, no storage, no encryption. Simulator time is what the simulator itself
 * logged for the requests of that step (its fixed latency included); the rest is ours.
 */

export interface StepResult {
  total: Summary;
  simulator: Summary;
  own: Summary;
  simulatorRequests: number;
}

export interface ConnectResult {
  simulatedLatencyMs: number;
  warmup: number;
  samples: number;
  callback: StepResult;
  baseline: StepResult;
  /** The server action that starts the flow (validation, account probe, intent, Auth.js redirect). */
  start: StepResult;
  ratioOwn: number | null;
  ratioTotal: number | null;
}

interface StepSample {
  total: number;
  simulator: number;
  requests: number;
}

async function simulatorTime(sim: ZendeskSimulator): Promise<{ ms: number; requests: number }> {
  const log = await sim.control.requestLog();
  return { ms: log.entries.reduce((n, e) => n + e.duration_ms, 0), requests: log.total };
}

/** One full connect flow of ours; returns the timings of the start action and of the callback. */
async function connectFlow(sim: ZendeskSimulator, appUrl: string, browser: BenchBrowser, workspaceId: string) {
  browser.setCookie(appUrl, "zc_workspace", workspaceId);
  const settings = await browser.request(`${appUrl}/settings/integrations`);
  if (settings.status !== 200) throw new Error(`/settings/integrations answered ${settings.status}`);
  const { inputs } = formInputs(settings.body, "subdomain");
  const form = new FormData();
  for (const input of inputs) {
    if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
    if (input.type === "submit" || input.type === "button") continue;
    form.append(input.name, input.name === "subdomain" ? "acme" : input.value);
  }

  await sim.control.clearLog();
  const start = await browser.request(`${appUrl}/settings/integrations`, {
    method: "POST",
    headers: { origin: appUrl },
    body: form,
  });
  const startSim = await simulatorTime(sim);
  if (start.status !== 303 || !start.location?.startsWith(sim.url)) {
    throw new Error(
      `the Connect Zendesk action answered ${start.status} to ${start.location?.split("?")[0] ?? "nowhere"}`,
    );
  }

  const callbackUrl = await allowConsent(start.location, ACME_ADMIN_ID);
  await sim.control.clearLog();
  const callback = await browser.request(callbackUrl);
  const callbackSim = await simulatorTime(sim);
  if (callback.status !== 303 || !callback.location?.includes("connected=acme")) {
    throw new Error(`the callback answered ${callback.status} to ${callback.location ?? "nowhere"}`);
  }
  return {
    start: { total: start.totalMs, simulator: startSim.ms, requests: startSim.requests },
    callback: { total: callback.totalMs, simulator: callbackSim.ms, requests: callbackSim.requests },
  };
}

/** The bare baseline: a consent (not timed), then code exchange + users/me, nothing else. */
async function bareFlow(sim: ZendeskSimulator): Promise<StepSample> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = zendeskSettings().callbackUrl;
  const instance = sim.instanceUrl("acme");
  const client = { clientId: SIM_GLOBAL_CLIENT.id, clientSecret: SIM_GLOBAL_CLIENT.secret };
  const redirect = await allowConsent(
    consentUrl(instance, { clientId: client.clientId, redirectUri, scope: "read", challenge }),
    ACME_ADMIN_ID,
  );
  const code = codeFrom(redirect);

  await sim.control.clearLog();
  const started = performance.now();
  const tokens = (await exchangeCode(instance, { ...client, code, redirectUri, verifier }, requestedLifetimes())) as {
    access_token?: string;
  };
  if (!tokens.access_token) throw new Error("code exchange gave no access token");
  const me = await fetch(`${sim.instanceUrl("acme")}/api/v2/users/me.json`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  const user = (await me.json()) as { user?: { id?: number } };
  if (!user.user?.id) throw new Error(`users/me answered ${me.status}`);
  const total = performance.now() - started;
  const simTime = await simulatorTime(sim);
  return { total, simulator: simTime.ms, requests: simTime.requests };
}

function step(samples: StepSample[]): StepResult {
  return {
    total: summarize(samples.map((s) => s.total)),
    simulator: summarize(samples.map((s) => s.simulator)),
    own: summarize(samples.map((s) => s.total - s.simulator)),
    simulatorRequests: Math.max(...samples.map((s) => s.requests)),
  };
}

export async function connectCallback(
  sim: ZendeskSimulator,
  appUrl: string,
  browser: BenchBrowser,
  workspaceIds: string[],
  sizes: SampleSizes,
): Promise<ConnectResult> {
  const ours: { start: StepSample[]; callback: StepSample[] } = { start: [], callback: [] };
  const bare: StepSample[] = [];
  await sim.control.setOptions({ latency_ms: CONNECT_LATENCY_MS });
  try {
    for (let i = 0; i < sizes.connectWarmup + sizes.connectSamples; i++) {
      const workspaceId = workspaceIds[i];
      if (!workspaceId) throw new Error("not enough bench workspaces");
      // Alternate which goes first, so neither always runs on a just-warmed path.
      const runOurs = () => connectFlow(sim, appUrl, browser, workspaceId);
      const a = i % 2 === 0 ? await runOurs() : undefined;
      const b = await bareFlow(sim);
      const c = a ?? (await runOurs());
      if (i < sizes.connectWarmup) continue;
      ours.start.push(c.start);
      ours.callback.push(c.callback);
      bare.push(b);
    }
  } finally {
    await sim.control.setOptions({ latency_ms: 0 });
  }
  const callback = step(ours.callback);
  const baseline = step(bare);
  return {
    simulatedLatencyMs: CONNECT_LATENCY_MS,
    warmup: sizes.connectWarmup,
    samples: sizes.connectSamples,
    callback,
    baseline,
    start: step(ours.start),
    ratioOwn: ratio(callback.own.median, baseline.own.median),
    ratioTotal: ratio(callback.total.median, baseline.total.median),
  };
}
