import { db } from "@/db";
import { memberships, workspaces } from "@/db/schema";
import { createAccount } from "@/lib/accounts/accounts";
import { connectTestConnection } from "@/testing/zendesk";
import type { ZendeskSimulator } from "@zendesk-connect/simulator";
import { BENCH_PASSWORD } from "./config";
import { benchInstance } from "./simulator";

export interface BenchAccount {
  email: string;
  userId: string;
  workspaceId: string;
}

/** A user who can sign in over HTTP (argon2 password, like sign-up) and owns one workspace. */
export async function createBenchAccount(email: string, workspaceName: string): Promise<BenchAccount> {
  const created = await createAccount({
    email,
    name: `Bench ${email.split("@")[0]}`,
    password: BENCH_PASSWORD,
    workspaceName,
  });
  if (!created.ok || !created.workspaceId) throw new Error(`could not create ${email}`);
  return { email, userId: created.userId, workspaceId: created.workspaceId };
}

/** `count` more workspaces the user owns (each connect flow of the bench gets a fresh one). */
export async function addOwnedWorkspaces(userId: string, count: number, prefix: string): Promise<string[]> {
  if (count === 0) return [];
  const rows = await db
    .insert(workspaces)
    .values(Array.from({ length: count }, (_, i) => ({ name: `${prefix} ${i + 1}` })))
    .returning({ id: workspaces.id });
  await db.insert(memberships).values(rows.map((w) => ({ workspaceId: w.id, userId, role: "owner" as const })));
  return rows.map((w) => w.id);
}

/** `count` real connections in the account's workspace, one per bench instance (made through the simulator's consent page). */
export async function connectInstances(
  sim: ZendeskSimulator,
  account: BenchAccount,
  first: number,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = first; i < first + count; i++) {
    const { subdomain, adminId } = benchInstance(i);
    const { connectionId } = await connectTestConnection(sim, {
      subdomain,
      zendeskUserId: adminId,
      account: { userId: account.userId, workspaceId: account.workspaceId },
    });
    ids.push(connectionId);
  }
  return ids;
}
