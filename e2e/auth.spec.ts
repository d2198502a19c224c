import { E2E_APP_PORT } from "./env";
import { DEMO, DEMO_PASSWORD, expect, signUp, test, uniqueEmail } from "./fixtures";

test.describe("app sign-in", () => {
  test("sign up creates a workspace, then sign out and sign back in", async ({ page }) => {
    const account = await test.step("sign up", () => signUp(page, { name: "Sam Signup" }));
    await expect(page.getByRole("heading", { name: "Welcome, Sam Signup" })).toBeVisible();
    await expect(page.getByTestId("workspace-name")).toHaveText("Sam's workspace");

    await test.step("sign out", async () => {
      await page.locator("summary", { hasText: "Account menu" }).click();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL("**/login");
    });

    await test.step("protected pages redirect to sign-in again", async () => {
      await page.goto("/settings/integrations");
      await page.waitForURL("**/login?returnTo=%2Fsettings%2Fintegrations");
    });

    await test.step("sign in with a differently-cased email returns to the page asked for", async () => {
      await page.getByLabel("Email").fill(account.email.toUpperCase());
      await page.getByLabel("Password").fill(account.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("/settings/integrations");
      await expect(page.getByRole("heading", { name: "Integrations" })).toBeVisible();
    });
  });

  test("a wrong password gets one generic message and keeps the email", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(DEMO.owner);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText("That email and password don't match an account.");
    await expect(page.getByLabel("Email")).toHaveValue(DEMO.owner);

    // An unknown email gets exactly the same message.
    await page.getByLabel("Email").fill(uniqueEmail("nobody"));
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText("That email and password don't match an account.");
  });

  test("a duplicate email gets a clear message and keeps what was typed", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Your name").fill("Dup Licate");
    await page.getByLabel("Email").fill(DEMO.owner.toUpperCase());
    await page.getByLabel("Password").fill("a-long-password-1");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("An account with this email already exists. Sign in instead.")).toBeVisible();
    await expect(page.getByLabel("Your name")).toHaveValue("Dup Licate");
  });

  test("sign-up fields are validated with field-level messages", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Enter your name")).toBeVisible();
    await expect(page.getByText("Enter a valid email address, like name@example.com")).toBeVisible();
    await expect(page.getByText("Use at least 10 characters")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  });

  test("the return path after sign-in is never another origin", async ({ page }) => {
    await page.goto("/login?returnTo=//evil.example/steal");
    await page.getByLabel("Email").fill(DEMO.owner);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("/");
    expect(new URL(page.url()).host).toBe(`localhost:${E2E_APP_PORT}`);
  });

  test("a member sees settings without management rights; an owner may manage", async ({ page, signInAs }) => {
    await signInAs(DEMO.member);
    await page.goto("/settings/integrations");
    await expect(page.getByTestId("workspace-name")).toHaveText("Acme Inc");
    await expect(page.getByText("only the people who manage them can change them")).toBeVisible();

    await page.context().clearCookies();
    await signInAs(DEMO.owner);
    await page.goto("/settings/integrations");
    await expect(page.getByText("You can connect and manage the integrations of Acme Inc")).toBeVisible();
  });
});
