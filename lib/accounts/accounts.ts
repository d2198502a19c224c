import { and, asc, eq, inArray } from "drizzle-orm";
import { db } from "@/db";
import { type MembershipRole, memberships, users, workspaces } from "@/db/schema";
import { hashPassword, verifyPassword } from "@/lib/crypto/password";
type NewAccount = { email: string; name: string; password: string; workspaceName?: string | undefined };

export type CreateAccountResult =
  { ok: true; userId: string; workspaceId: string | null } | { ok: false; error: "email_taken" };

/**
 * Creates a user and a workspace they own, atomically. `withWorkspace: false` creates only the
 * user (an invited member; the demo seed).
 */
export async function createAccount(input: NewAccount, { withWorkspace = true } = {}): Promise<CreateAccountResult> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(users)
      .values({ email: input.email, name: input.name, passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    const user = inserted[0];
    if (!user) return { ok: false, error: "email_taken" } as const;
    if (!withWorkspace) return { ok: true, userId: user.id, workspaceId: null } as const;
    const [workspace] = await tx
      .insert(workspaces)
      .values({ name: input.workspaceName ?? `${input.name.split(/\s+/)[0]}'s workspace` })
      .returning({ id: workspaces.id });
    await tx.insert(memberships).values({ workspaceId: workspace!.id, userId: user.id, role: "owner" });
    return { ok: true, userId: user.id, workspaceId: workspace!.id } as const;
  });
}

/** Returns the user for a correct email + password, otherwise null (one answer for every failure). */
export async function verifyCredentials(email: string, password: string) {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  const ok = await verifyPassword(user?.passwordHash, password);
  return ok && user ? { id: user.id, email: user.email, name: user.name } : null;
}

/** The workspaces a user belongs to, oldest membership first. */
export async function listMemberships(userId: string) {
  return db
    .select({ workspaceId: workspaces.id, workspaceName: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(workspaces.name));
}

/** Adds (or changes the role of) a user in a workspace. */
export async function addMember(workspaceId: string, userId: string, role: MembershipRole) {
  await db
    .insert(memberships)
    .values({ workspaceId, userId, role })
    .onConflictDoUpdate({ target: [memberships.workspaceId, memberships.userId], set: { role } });
}

/** The user row without its password hash, or null. */
export async function findUser(userId: string) {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return user ?? null;
}

/** Names and emails of users by id (ids that are not this app's uuids are simply unknown). */
export async function userNames(userIds: string[]): Promise<Map<string, { name: string; email: string | null }>> {
  const ids = [...new Set(userIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, { name: r.name, email: r.email }]));
}

/** The one owner-or-admin rule: owners and admins change integrations; members only look. */
export function canManageIntegrations(role: MembershipRole): boolean {
  return role === "owner" || role === "admin";
}

/**
 * Whether the user may change the workspace's integrations (owner or admin), read from the
 * database: flows that outlive a request re-check it rather than trust an earlier session.
 */
export async function userCanManage(userId: string, workspaceId: string): Promise<boolean> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.workspaceId, workspaceId)));
  return row !== undefined && canManageIntegrations(row.role);
}
