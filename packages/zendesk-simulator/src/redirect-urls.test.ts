import { afterEach, describe, expect, it } from "vitest";
import { SimulatorControlError } from "./control.js";
import { startZendeskSimulator } from "./index.js";
import { authorizeUrl, connect } from "./test-support.js";
import type { ZendeskSimulator } from "./index.js";

// Redirect URLs outlive resets by design, so each test gets a simulator of its own.
const running: ZendeskSimulator[] = [];
async function start(redirectUrls?: string[]): Promise<ZendeskSimulator> {
  const sim = await startZendeskSimulator({ port: 0, ...(redirectUrls === undefined ? {} : { redirectUrls }) });
  running.push(sim);
  return sim;
}
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.stop();
});

const HOST_CALLBACK = "http://localhost:3999/cb";

async function consentStatus(sim: ZendeskSimulator, clientId: string, redirectUri: string): Promise<number> {
  const page = await fetch(
    authorizeUrl(sim, { clientId, redirectUri, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" }),
    {
      redirect: "manual",
    },
  );
  return page.status;
}

describe("redirect URLs added at run time", () => {
  it("control.allowRedirectUrl adds the URL to every client without resetting, and resets keep it", async () => {
    const sim = await start();
    const kept = await connect(sim); // a token issued before the change survives it
    expect(await consentStatus(sim, "zdg-zendesk-connect-dev", HOST_CALLBACK)).toBe(400);

    const added = await sim.control.allowRedirectUrl(HOST_CALLBACK);
    expect(added).toEqual({
      url: HOST_CALLBACK,
      clients: null,
      changed_clients: ["zdg-zendesk-connect-dev", "acme-local-app", "acme-public-app", "globex-connect"],
    });
    for (const clientId of ["zdg-zendesk-connect-dev", "acme-local-app", "acme-public-app"]) {
      expect(await consentStatus(sim, clientId, HOST_CALLBACK), clientId).toBe(200);
    }
    expect((await sim.control.tokens({ subdomain: "acme" })).map((token) => token.token)).toEqual([
      kept.accessToken.slice(0, 10),
    ]);
    // Adding it again changes nothing.
    await sim.control.allowRedirectUrl(HOST_CALLBACK);
    const [instance] = await sim.control.instances();
    expect(
      instance?.clients
        .find((client) => client.identifier === "acme-local-app")
        ?.redirect_uris.filter((uri) => uri === HOST_CALLBACK),
    ).toHaveLength(1);

    await sim.control.reset();
    expect(await consentStatus(sim, "acme-local-app", HOST_CALLBACK)).toBe(200);
    expect(await sim.control.redirectUrls()).toEqual([{ url: HOST_CALLBACK, clients: null }]);
  });

  it("can name the clients; the others still refuse the URL", async () => {
    const sim = await start();
    const added = await sim.control.allowRedirectUrl(HOST_CALLBACK, ["acme-local-app"]);
    expect(added.changed_clients).toEqual(["acme-local-app"]);
    expect(await consentStatus(sim, "acme-local-app", HOST_CALLBACK)).toBe(200);
    expect(await consentStatus(sim, "zdg-zendesk-connect-dev", HOST_CALLBACK)).toBe(400);
    await sim.control.reset();
    expect(await consentStatus(sim, "acme-local-app", HOST_CALLBACK)).toBe(200);
    expect(await consentStatus(sim, "acme-public-app", HOST_CALLBACK)).toBe(400);
  });

  it("refuses a bad URL (400) and an unknown client (404), changing nothing", async () => {
    const sim = await start();
    for (const url of ["javascript:alert(1)", "http://u:p@localhost/cb", "http://localhost/cb#frag", "/cb"]) {
      const error = await sim.control.allowRedirectUrl(url).catch((caught: unknown) => caught);
      expect(error, url).toBeInstanceOf(SimulatorControlError);
      expect((error as SimulatorControlError).status, url).toBe(400);
    }
    const unknown = await sim.control.allowRedirectUrl(HOST_CALLBACK, ["nope"]).catch((caught: unknown) => caught);
    expect((unknown as SimulatorControlError).status).toBe(404);
    expect((unknown as SimulatorControlError).body).toEqual({ error: "not_found", message: 'No client "nope".' });
    expect(await sim.control.redirectUrls()).toEqual([]);
  });

  it("startZendeskSimulator({ redirectUrls }) registers them from the start; a bad one throws", async () => {
    const sim = await start([HOST_CALLBACK]);
    expect(await consentStatus(sim, "globex-connect", HOST_CALLBACK)).toBe(400); // globex's client on acme: unknown there
    expect(await consentStatus(sim, "zdg-zendesk-connect-dev", HOST_CALLBACK)).toBe(200);
    expect(await consentStatus(sim, "zdg-zendesk-connect-dev", "http://localhost:3998/cb")).toBe(400);
    await expect(startZendeskSimulator({ port: 0, redirectUrls: ["ftp://x.test/cb"] })).rejects.toThrow(
      'Invalid redirect URL: "ftp://x.test/cb" must be an http or https URL',
    );
  });
});
