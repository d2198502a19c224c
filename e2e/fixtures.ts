import { randomBytes } from "node:crypto";
import { type APIRequestContext, type Page, test as base, expect } from "@playwright/test";

export const DEMO_PASSWORD = "demo-password-123";
export const DEMO = {
  owner: "owner@acme.test",
  admin: "admin@acme.test",
  member: "member@acme.test",
  otherOwner: "owner@globex.test",
} as const;

/** Signs in over HTTP (Auth.js's credentials callback): fast, and shares cookies with the page. */
export async function signInOverHttp(request: APIRequestContext, email: string, password = DEMO_PASSWORD) {
  const csrf = await request.get("/api/auth/csrf");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password, callbackUrl: "/" },
    maxRedirects: 0,
  });
  expect(response.status(), `sign-in of ${email}`).toBe(302);
  expect(response.headers().location ?? "").not.toContain("error");
}

/** A unique email for a test that creates its own account. */
export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomBytes(4).toString("hex")}@example.test`;
}

/** Signs up through the UI and lands on the app. */
export async function signUp(
  page: Page,
  { name = "Test User", email = uniqueEmail(), password = "a-long-password-1" } = {},
) {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("/");
  return { name, email, password };
}

export const test = base.extend<{ signInAs: (email: string) => Promise<void> }>({
  signInAs: async ({ page }, provide) => {
    await provide((email) => signInOverHttp(page.request, email));
  },
});
export { expect };
