// The statuses a card shows beyond Connected / Needs reconnect / Revoked: driven by what
// "Zendesk" (the simulator) really answers.
import { expect, signUp, test } from "./fixtures";
import { connectThroughUi, freshInstance, simControl } from "./zendesk";

test("Expiring soon: Zendesk grants an access token shorter than the Expiring soon window", async ({ page }) => {
  await signUp(page);
  const subdomain = await freshInstance("soon");
  const card = await connectThroughUi(page, subdomain);
  // A 10-minute token is inside the 15-minute window (ZENDESK_EXPIRING_SOON_SECONDS = 900).
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
      refresh_token_expires_in: 2_592_000,
    },
  });
  await card.getByRole("button", { name: "Refresh now" }).click();
  await expect(card.getByRole("status")).toContainText("Token refreshed");
  await expect(card.getByTestId("connection-status")).toHaveText("Expiring soon");
  await expect(card.getByTestId("status-reason")).toHaveText(
    "The access token expires soon; it is renewed automatically.",
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
