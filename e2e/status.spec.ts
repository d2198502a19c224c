// The statuses a card shows beyond Connected / Needs reconnect / Revoked: driven by what
// "Zendesk" (the simulator) really answers.
import { expect, signUp, test } from "./fixtures";
import { connectThroughUi, freshInstance, simControl } from "./zendesk";

test("Expiring soon follows the refresh token: one that ends within the window without renewal", async ({ page }) => {
  await signUp(page);
  const subdomain = await freshInstance("soon");
  const card = await connectThroughUi(page, subdomain);
  // A refresh token that ends in a day is inside the 3-day window (ZENDESK_EXPIRING_SOON_SECONDS); a
  // 10-minute access token alone would not be (access tokens are renewed on use).
  await simControl.injectFault({
    endpoint: "token",
    grant_type: "refresh_token",
    subdomain,
    kind: "status",
    status: 201,
    body: {
      access_token: `soon-access-${subdomain}`,
      token_type: "bearer",
      refresh_token: `soon-refresh-${subdomain}`,
      scope: "read",
      expires_in: 600,
      refresh_token_expires_in: 86_400,
    },
  });
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("status")).toContainText("Token refreshed");
  await expect(card.getByTestId("connection-status")).toHaveText("Expiring soon");
  await expect(card.getByTestId("status-reason")).toHaveText(
    /^The refresh token expires on \d{4}-\d\d-\d\d and has not been renewed: check that the keep-alive job runs, or reconnect\.$/,
  );
});

test("Error: a refusal that is no verdict on the grant keeps the tokens and shows Error with its reason", async ({
  page,
}) => {
  await signUp(page);
  const subdomain = await freshInstance("err");
  const card = await connectThroughUi(page, subdomain);
  await simControl.injectFault({
    endpoint: "token",
    grant_type: "refresh_token",
    subdomain,
    kind: "status",
    status: 400,
    body: { error: "invalid_request", error_description: "The request is missing a required parameter." },
  });
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("alert")).toBeVisible();
  await expect(card.getByTestId("connection-status")).toHaveText("Error");
  await expect(card.getByTestId("status-reason")).toContainText("invalid_request");
  expect(await simControl.tokens({ subdomain })).toHaveLength(1);

  // The next attempt that succeeds clears it.
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByTestId("connection-status")).toHaveText("Connected");
});
