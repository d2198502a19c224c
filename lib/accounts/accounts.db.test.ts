import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db";
import { memberships, users } from "@/db/schema";
import { setupTestDatabase } from "@/testing/database";
import { signUpSchema } from "./fields";
import { addMember, createAccount, listMemberships, verifyCredentials } from "./accounts";

setupTestDatabase();

describe("accounts", () => {
  it("creates a user who owns a new workspace, with a normalised email and a hashed password", async () => {
    const input = signUpSchema.parse({
      name: "Ann Example",
      email: "  Ann@Example.COM ",
      password: "correct horse battery",
    });
    const result = await createAccount(input);
    expect(result.ok).toBe(true);
    const [row] = await db.select().from(users).where(eq(users.email, "ann@example.com"));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain("correct horse");
    const list = await listMemberships(row!.id);
    expect(list).toEqual([expect.objectContaining({ role: "owner", workspaceName: "Ann's workspace" })]);
  });

  it("refuses a second account with the same email whatever its case, creating nothing", async () => {
    const before = await db.select().from(memberships);
    const again = await createAccount(
      signUpSchema.parse({ name: "Ann 2", email: "ANN@example.com", password: "another password" }),
    );
    expect(again).toEqual({ ok: false, error: "email_taken" });
    expect(await db.select().from(memberships)).toHaveLength(before.length);
  });

  it("verifies credentials and gives one answer for a wrong password and an unknown email", async () => {
    expect(await verifyCredentials("ann@example.com", "correct horse battery")).toMatchObject({
      email: "ann@example.com",
    });
    expect(await verifyCredentials("ann@example.com", "wrong password")).toBeNull();
    expect(await verifyCredentials("nobody@example.com", "correct horse battery")).toBeNull();
  });

  it("adds members and changes their role in place", async () => {
    const owner = await createAccount({
      name: "Olga",
      email: "olga@example.com",
      password: "password-olga",
      workspaceName: "Olga Co",
    });
    const member = await createAccount(
      { name: "Max", email: "max@example.com", password: "password-max" },
      { withWorkspace: false },
    );
    if (!owner.ok || !member.ok || !owner.workspaceId) throw new Error("setup");
    await addMember(owner.workspaceId, member.userId, "member");
    await addMember(owner.workspaceId, member.userId, "admin");
    expect(await listMemberships(member.userId)).toEqual([
      { workspaceId: owner.workspaceId, workspaceName: "Olga Co", role: "admin" },
    ]);
  });
});

describe("sign-up validation", () => {
  it("gives field-level messages", () => {
    const result = signUpSchema.safeParse({ name: "", email: "not-an-email", password: "short" });
    expect(result.success).toBe(false);
    const fields = Object.fromEntries(result.error!.issues.map((i) => [i.path[0], i.message]));
    expect(fields).toEqual({
      name: "Enter your name",
      email: "Enter a valid email address, like name@example.com",
      password: "Use at least 10 characters",
    });
  });
});
