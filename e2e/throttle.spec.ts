import { expect, signUp, test } from "./fixtures";

// e2e/env.ts sets 5 attempts per account and delays of 2 s doubling to 4 s (production: 1 s to 15 min).
const TOO_MANY = /^Too many attempts — try again in (\d+) seconds?\.$/;
const MISMATCH = "That email and password don't match an account.";

test.describe("sign-in throttling", () => {
  test("30 rapid wrong passwords are refused with a retry time after a handful; the right one works after the wait", async ({
    page,
  }) => {
    const account = await signUp(page, { name: "Tess Throttle" });
    await page.context().clearCookies();
    await page.goto("/login");

    const answers: string[] = [];
    await test.step("30 wrong passwords", async () => {
      for (let i = 0; i < 30; i++) {
        await page.getByLabel("Email").fill(account.email);
        await page.getByLabel("Password").fill(`wrong-password-${i}`);
        const answered = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/login"));
        await page.getByRole("button", { name: "Sign in" }).click();
        await answered;
        // React resets the form when the action's answer is rendered: then the message is this one's.
        await expect(page.getByLabel("Password")).toHaveValue("");
        const alert = page.locator("form").getByRole("alert");
        await expect(alert).toBeVisible();
        answers.push((await alert.textContent()) ?? "");
      }
    });

    expect(answers.slice(0, 5)).toEqual(Array(5).fill(MISMATCH));
    expect(answers[5]).toMatch(TOO_MANY);
    for (const answer of answers)
      expect([MISMATCH, "throttled"]).toContain(TOO_MANY.test(answer) ? "throttled" : answer);
    // Only attempts after a delay ran out were checked at all.
    expect(answers.filter((a) => a === MISMATCH).length).toBeLessThan(15);
    const waits = answers.filter((a) => TOO_MANY.test(a)).map((a) => Number(TOO_MANY.exec(a)![1]));
    expect(Math.max(...waits)).toBeLessThanOrEqual(4);
    await expect(page.getByLabel("Email")).toHaveValue(account.email);

    await test.step("Auth.js's own callback route is throttled too", async () => {
      const locations: string[] = [];
      // Playwright's HTTP client may reach the server over another loopback address than the
      // browser, which then shares the account's bucket for unknown addresses: still 5 at most.
      for (let i = 0; i < 8; i++) {
        const csrf = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
        const response = await page.request.post("/api/auth/callback/credentials", {
          form: { csrfToken: csrf.csrfToken, email: account.email, password: "still-wrong", callbackUrl: "/" },
          maxRedirects: 0,
        });
        locations.push(response.headers().location ?? "");
      }
      const refused = locations.filter((l) => l.endsWith("/login?error=CredentialsSignin&code=too_many_attempts"));
      expect(refused.length, locations.join(" | ")).toBeGreaterThanOrEqual(3);
    });

    await test.step("after the wait, the right password signs in", async () => {
      // As a person would: try again until the form lets them in. Refused attempts are never
      // counted, so retrying cannot extend the block; the configured cap is 4 s.
      await expect(async () => {
        await page.goto("/login");
        await page.getByLabel("Email").fill(account.email);
        await page.getByLabel("Password").fill(account.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL("/", { timeout: 2_000 });
      }).toPass({ intervals: [1_000], timeout: 15_000 });
      await expect(page.getByRole("heading", { name: "Welcome, Tess Throttle" })).toBeVisible();
    });
  });
});
