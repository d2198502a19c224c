// Server-side refusals: hidden buttons are not a permission check. A member's (and another
// workspace's owner's) requests, sent exactly as the browser sends them (the server action's POST
// with its Next-Action id and form body), change nothing and get a clear refusal.
import type { APIRequestContext, Page, Request } from "@playwright/test";
import { DEMO, expect, signInOverHttp, test } from "./fixtures";
import { connectThroughUi, freshInstance, simControl } from "./zendesk";

const SETTINGS = "/settings/integrations";

interface CapturedAction {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Does `act` in the page and captures the server-action POST it makes, without letting it reach
 * the server: the admin's own action never runs, only its exact request is kept for replay.
 */
async function captureAction(page: Page, act: () => Promise<void>): Promise<CapturedAction> {
  let captured: Request | undefined;
  await page.route(`**${SETTINGS}**`, async (route) => {
    const request = route.request();
    if (request.method() === "POST" && request.headers()["next-action"]) {
      captured = request;
      await route.abort();
    } else await route.continue();
  });
  await act();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unroute(`**${SETTINGS}**`);
  const request = captured!;
  const headers = await request.allHeaders();
  return {
    url: request.url(),
    // What the browser sent, minus what belongs to the browser's own session and connection.
    headers: Object.fromEntries(
      Object.entries(headers).filter(([name]) => !["cookie", "content-length", "host"].includes(name)),
    ),
    body: request.postDataBuffer()!,
  };
}

async function replay(as: APIRequestContext, action: CapturedAction) {
  const response = await as.post(action.url, { headers: action.headers, data: action.body, maxRedirects: 0 });
  return { status: response.status(), text: await response.text(), location: response.headers().location };
}

test("a member's and another workspace's owner's server-action requests are refused and change nothing", async ({
  page,
  browser,
}) => {
  test.slow();
  await signInOverHttp(page.request, DEMO.admin);
  const subdomain = await freshInstance("refuse");
  await connectThroughUi(page, subdomain);

  // A fresh, hydrated page for each capture (an aborted action leaves its form pending).
  const hydratedCard = async () => {
    await page.goto(SETTINGS);
    const fresh = page.getByTestId(`connection-${subdomain}`);
    await fresh.getByRole("button", { name: "Disconnect" }).click(); // the dialog opens once hydrated
    await page.keyboard.press("Escape");
    return fresh;
  };
  const capture = async (button: string) => {
    const fresh = await hydratedCard();
    return captureAction(page, async () => {
      await fresh.getByRole("button", { name: button }).click();
      if (button === "Disconnect") await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
    });
  };
  const actions = {
    "Refresh now": await capture("Refresh now"),
    "Test connection": await capture("Test connection"),
    Disconnect: await capture("Disconnect"),
  };
  await page.goto(SETTINGS);
  const connect = await captureAction(page, async () => {
    await page.getByLabel("Zendesk subdomain").fill(subdomain);
    // The form checks the subdomain as it is entered: that request is done before anything is counted.
    await expect(page.getByTestId("subdomain-check")).toHaveAttribute("data-state", "found");
    await page.getByRole("button", { name: "Connect Zendesk" }).click();
  });
  for (const action of [...Object.values(actions), connect]) expect(action.headers["next-action"]).toBeTruthy();

  const logBefore = (await simControl.requestLog()).entries.filter((e) => e.subdomain === subdomain).length;
  const tokensBefore = await simControl.tokens({ subdomain });

  const member = await browser.newContext();
  await signInOverHttp(member.request, DEMO.member);
  const other = await browser.newContext();
  await signInOverHttp(other.request, DEMO.otherOwner);

  for (const [name, action] of Object.entries(actions)) {
    await test.step(`${name}: a member is told only owners and admins may`, async () => {
      const answer = await replay(member.request, action);
      expect(answer.status, name).toBe(200);
      expect(answer.text, name).toContain("Only owners and admins can do this");
    });
    await test.step(`${name}: another workspace's owner gets "no longer exists"`, async () => {
      const answer = await replay(other.request, action);
      expect(answer.status, name).toBe(200);
      expect(answer.text, name).toContain("This connection no longer exists");
    });
  }
  await test.step("Connect: a member is refused before any trip to Zendesk", async () => {
    const answer = await replay(member.request, connect);
    expect(answer.status).toBe(200);
    expect(answer.location).toBeUndefined();
    expect(answer.text).toContain("Only owners and admins can do this");
  });

  await test.step("the form's subdomain check: a member, and a page of another site, are refused before any trip to Zendesk", async () => {
    const check = "/api/zendesk-connect/subdomain-check";
    const asMember = await member.request.post(check, { data: { subdomain } });
    expect(asMember.status()).toBe(403);
    expect(await asMember.json()).toMatchObject({ error: "not_allowed" });
    const crossSite = await page.request.post(check, {
      data: { subdomain },
      headers: { origin: "https://attacker.example" },
    });
    expect(crossSite.status()).toBe(403);
  });

  await test.step("nothing changed: no call reached Zendesk, the connection and its history are as they were", async () => {
    const logAfter = (await simControl.requestLog()).entries.filter((e) => e.subdomain === subdomain).length;
    expect(logAfter).toBe(logBefore);
    expect((await simControl.tokens({ subdomain })).map((t) => t.id)).toEqual(tokensBefore.map((t) => t.id));
    await page.goto(SETTINGS);
    const fresh = page.getByTestId(`connection-${subdomain}`);
    await expect(fresh.getByTestId("connection-status")).toHaveText("Connected");
    await expect(fresh.getByTestId("last-refreshed")).toHaveText("Not yet");
    await fresh.getByRole("link", { name: "Show history" }).click();
    await expect(fresh.getByTestId("history-entry")).toHaveCount(1);
    await expect(fresh.getByTestId("history-entry").first()).toHaveAttribute("data-type", "connected");
  });
  await member.close();
  await other.close();
});
