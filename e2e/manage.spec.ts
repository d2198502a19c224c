import { DEMO, expect, signInOverHttp, signUp, test } from "./fixtures";
import { connectThroughUi, freshInstance, simControl, ZendeskConsentPage } from "./zendesk";

const SETTINGS = "/settings/integrations";

async function grants(subdomain: string, grantType: string) {
  const log = await simControl.requestLog();
  return log.entries.filter((e) => e.endpoint === "token" && e.subdomain === subdomain && e.grant_type === grantType)
    .length;
}

test.describe("Managing a connection", () => {
  test("two instances: Refresh now, Test connection, history and the status endpoint", async ({ page }) => {
    await signUp(page, { name: "Manny Manage" });
    const first = await freshInstance("two-a");
    const second = await freshInstance("two-b");
    const card = await connectThroughUi(page, first);
    await connectThroughUi(page, second);
    await expect(page.locator("article[data-connection-id]")).toHaveCount(2);
    await expect(card.getByTestId("last-refreshed")).toHaveText("Not yet");

    await test.step("Refresh now rotates the token once and shows the new lifetime", async () => {
      await card.getByRole("button", { name: "Refresh now" }).click();
      await expect(card.getByRole("status")).toHaveText(
        /^Token refreshed\. The new access token is valid for (59|60) minutes\.$/,
      );
      expect(await grants(first, "refresh_token")).toBe(1);
      expect(await grants(second, "refresh_token")).toBe(0);
      await expect(card.getByTestId("last-refreshed")).not.toHaveText("Not yet");
      await expect(card.getByTestId("access-expiry")).toContainText(/in (59 minutes|1 hour)/);
    });

    await test.step("Test connection calls users/me live and reports who answered", async () => {
      await card.getByRole("button", { name: "Test connection" }).click();
      await expect(card.getByRole("status").last()).toHaveText(
        /^Connection works: Zendesk answered as .+ \(.+@.+\) in \d+ ms\.$/,
      );
    });

    await test.step("Test connection when Zendesk is down says so, specifically", async () => {
      await simControl.injectFault({ endpoint: "users_me", kind: "status", status: 503, subdomain: first, times: 10 });
      await card.getByRole("button", { name: "Test connection" }).click();
      await expect(card.getByRole("alert")).toContainText("Zendesk had a problem");
    });

    await test.step("the history lists every action, newest first, with its actor", async () => {
      await card.getByRole("link", { name: "Show history" }).click();
      const entries = card.getByTestId("history-entry");
      await expect(entries).toHaveCount(4);
      await expect(entries.nth(0)).toHaveAttribute("data-type", "test_failed");
      await expect(entries.nth(1)).toHaveAttribute("data-type", "test_succeeded");
      await expect(entries.nth(2)).toHaveAttribute("data-type", "refreshed");
      await expect(entries.nth(3)).toHaveAttribute("data-type", "connected");
      await expect(entries.nth(3)).toContainText("Manny Manage");
    });

    await test.step("the host app's status endpoint reports both, with no token material", async () => {
      const response = await page.request.get("/api/zendesk-connect/status");
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { connections: { subdomain: string; status: string }[] };
      expect(body.connections.map((c) => [c.subdomain, c.status]).sort()).toEqual([
        [first, "connected"],
        [second, "connected"],
      ]);
      const text = JSON.stringify(body);
      for (const token of await simControl.tokens({ subdomain: first })) expect(text).not.toContain(token.token);
      expect(text).not.toMatch(/ciphertext|secret/i);
    });
  });

  test("revoked in Zendesk: Refresh now → Needs reconnect → Reconnect; an API call → Revoked in Zendesk", async ({
    page,
  }) => {
    await signUp(page);
    const subdomain = await freshInstance("revoke");
    const card = await connectThroughUi(page, subdomain);
    const connectionId = await card.getAttribute("data-connection-id");

    await test.step("a refused refresh asks for a reconnect", async () => {
      await simControl.revokeToken({ subdomain });
      await card.getByRole("button", { name: "Refresh now" }).click();
      await expect(card.getByRole("alert")).toContainText("needs to be reconnected");
      await expect(card.getByTestId("connection-status")).toHaveText("Needs reconnect");
      await expect(card.getByTestId("status-reason")).toContainText("invalid_grant");
    });

    await test.step("Reconnect runs the flow again, pre-filled, and updates the same connection", async () => {
      await card.getByRole("link", { name: "Reconnect" }).click();
      await expect(page.getByLabel("Zendesk subdomain")).toHaveValue(subdomain);
      await page.getByRole("button", { name: "Reconnect Zendesk" }).click();
      const consent = new ZendeskConsentPage(page);
      await consent.waitFor(subdomain);
      await consent.allow();
      await page.waitForURL(`${SETTINGS}?reconnected=${subdomain}`);
      await expect(card.getByTestId("connection-status")).toHaveText("Connected");
      expect(await card.getAttribute("data-connection-id")).toBe(connectionId);
      await card.getByRole("button", { name: "Test connection" }).click();
      await expect(card.getByRole("status").last()).toContainText("Connection works");
    });

    await test.step("an API call refused after revocation shows Revoked in Zendesk", async () => {
      await simControl.revokeToken({ subdomain });
      await card.getByRole("button", { name: "Test connection" }).click();
      await expect(card.getByRole("alert")).toContainText("Zendesk no longer accepts this connection");
      await expect(card.getByTestId("connection-status")).toHaveText("Revoked in Zendesk");
      await expect(card.getByRole("link", { name: "Reconnect" })).toBeVisible();
    });
  });

  test("Disconnect asks first, revokes the token in Zendesk and removes the connection", async ({ page }) => {
    await signUp(page);
    const subdomain = await freshInstance("disc");
    const card = await connectThroughUi(page, subdomain);
    expect(await simControl.tokens({ subdomain })).toHaveLength(1);

    await test.step("the dialog traps focus, closes on Escape and gives focus back", async () => {
      const opener = card.getByRole("button", { name: "Disconnect" });
      await opener.click();
      const dialog = page.getByRole("dialog", { name: `Disconnect ${subdomain}.zendesk.com?` });
      await expect(dialog).toBeVisible();
      await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
      await page.keyboard.press("Tab");
      await expect(dialog.getByRole("button", { name: "Disconnect" })).toBeFocused();
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();
      await expect(opener).toBeFocused();
      expect(await simControl.tokens({ subdomain })).toHaveLength(1);
    });

    await card.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
    await page.waitForURL(`${SETTINGS}?disconnected=${subdomain}&revocation=revoked`);
    await expect(page.getByRole("status")).toHaveText(
      `Disconnected ${subdomain}.zendesk.com. Its token was revoked in Zendesk.`,
    );
    await expect(page.getByTestId(`connection-${subdomain}`)).toHaveCount(0);
    await expect(page.getByTestId("empty-state")).toBeVisible();

    const log = await simControl.requestLog();
    const revocations = log.entries.filter((e) => e.endpoint === "token_revoke" && e.subdomain === subdomain);
    expect(revocations.map((e) => [e.method, e.status])).toEqual([["DELETE", 204]]);
    expect(revocations[0]!.path).toMatch(/\/api\/v2\/oauth\/tokens\/\d+\.json$/);
    expect(await simControl.tokens({ subdomain })).toHaveLength(0);
  });

  test("when Zendesk fails the revocation, the connection is still removed and the admin is told how to revoke", async ({
    page,
  }) => {
    await signUp(page);
    const subdomain = await freshInstance("revfail");
    const card = await connectThroughUi(page, subdomain);
    await simControl.injectFault({ endpoint: "token_revoke", kind: "status", status: 500, subdomain, times: 5 });

    await card.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
    const [token] = await simControl.tokens({ subdomain });
    await page.waitForURL(`${SETTINGS}?disconnected=${subdomain}&revocation=failed&token=${token!.id}`);
    const notice = page.getByTestId("revocation-failed");
    await expect(notice).toContainText("Zendesk did not confirm that its token was revoked");
    await expect(notice).toContainText(`(id ${token!.id})`);
    await expect(notice).toContainText(`DELETE /api/v2/oauth/tokens/${token!.id}.json`);
    await expect(notice.getByRole("link", { name: "Learn more" })).toHaveAttribute(
      "href",
      "/help/zendesk#revocation_failed",
    );
    await expect(page.getByTestId(`connection-${subdomain}`)).toHaveCount(0);
    // Zendesk still holds it: exactly what the notice asks the admin to clean up.
    expect(await simControl.tokens({ subdomain })).toHaveLength(1);
  });

  test("a member sees the connection without actions; another workspace's owner cannot act on it", async ({
    page,
    browser,
  }) => {
    await signInOverHttp(page.request, DEMO.admin);
    const subdomain = await freshInstance("member");
    const card = await connectThroughUi(page, subdomain);
    const connectionId = (await card.getAttribute("data-connection-id"))!;

    await test.step("a member of the same workspace sees status, no actions", async () => {
      const context = await browser.newContext();
      const member = await context.newPage();
      await signInOverHttp(member.request, DEMO.member);
      await member.goto(SETTINGS);
      const memberCard = member.getByTestId(`connection-${subdomain}`);
      await expect(memberCard.getByTestId("connection-status")).toHaveText("Connected");
      for (const name of ["Refresh now", "Test connection", "Disconnect"])
        await expect(memberCard.getByRole("button", { name })).toHaveCount(0);
      await expect(memberCard.getByRole("link", { name: "Reconnect" })).toHaveCount(0);
      const status = await member.request.get("/api/zendesk-connect/status");
      expect(((await status.json()) as { connections: { id: string }[] }).connections.map((c) => c.id)).toContain(
        connectionId,
      );
      await context.close();
    });

    await test.step("another workspace's owner posts the forms with this connection's id: refused, nothing changes", async () => {
      const context = await browser.newContext();
      const other = await context.newPage();
      await signInOverHttp(other.request, DEMO.otherOwner);
      const own = await freshInstance("other");
      const otherCard = await connectThroughUi(other, own);
      // Wait for hydration (the dialog opens only then), so React won't reset the edited inputs.
      await otherCard.getByRole("button", { name: "Disconnect" }).click();
      await other.keyboard.press("Escape");
      // Craft the posts: the other owner's own forms, pointed at the victim's connection.
      // React re-applies its own values on every render, so craft right before each post.
      const craft = () =>
        otherCard
          .locator('input[name="connectionId"]')
          .evaluateAll((inputs, id) => inputs.forEach((i) => ((i as HTMLInputElement).value = id)), connectionId);
      const before = await simControl.requestLog();
      await craft();
      await otherCard.getByRole("button", { name: "Refresh now" }).click();
      await expect(otherCard.getByRole("alert")).toContainText("This connection no longer exists");
      await otherCard.getByRole("button", { name: "Disconnect" }).click();
      await craft();
      await other.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
      await expect(other.getByRole("dialog").getByRole("alert")).toContainText("This connection no longer exists");
      // The other owner's own connection was untouched too: the crafted id was the only target.
      await other.keyboard.press("Escape");
      await expect(otherCard.getByTestId("last-refreshed")).toHaveText("Not yet");
      const after = await simControl.requestLog();
      expect(after.entries.filter((e) => e.subdomain === subdomain).length).toBe(
        before.entries.filter((e) => e.subdomain === subdomain).length,
      );
      const status = await other.request.get("/api/zendesk-connect/status");
      expect(((await status.json()) as { connections: { id: string }[] }).connections.map((c) => c.id)).not.toContain(
        connectionId,
      );
      await context.close();
    });

    await page.reload();
    await expect(page.getByTestId(`connection-${subdomain}`).getByTestId("connection-status")).toHaveText("Connected");
    await expect(page.getByTestId(`connection-${subdomain}`).getByTestId("last-refreshed")).toHaveText("Not yet");
  });

  test("the status endpoint needs a signed-in user", async ({ request }) => {
    const response = await request.get("/api/zendesk-connect/status");
    expect(response.status()).toBe(401);
    expect(await response.json()).toEqual({ error: "unauthorized", message: "Sign in to read integration status" });
  });
});
