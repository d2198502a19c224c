// `npm run db:seed`: demo users in two workspaces (owner, admin, member), idempotent.
// With the embedded database, stop `npm run dev` first: PGlite allows one process at a time.
import { eq } from "drizzle-orm";
import { closeDatabase, db, migrateAll } from "@/db";
import { users, workspaces } from "@/db/schema";
import { addMember, createAccount } from "@/lib/accounts/accounts";

export const DEMO_PASSWORD = "demo-password-123";

export const DEMO_USERS = [
  { email: "owner@acme.test", name: "Olivia Owner", workspace: "Acme Inc", role: "owner" },
  { email: "admin@acme.test", name: "Adam Admin", workspace: "Acme Inc", role: "admin" },
  { email: "member@acme.test", name: "Mia Member", workspace: "Acme Inc", role: "member" },
  { email: "owner@globex.test", name: "Gus Globex", workspace: "Globex Corp", role: "owner" },
] as const;

/** Creates the demo users and workspaces if they do not exist yet. */
export async function seedDemoData(): Promise<void> {
  const workspaceIds = new Map<string, string>();
  for (const demo of DEMO_USERS) {
    let [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, demo.email));
    if (demo.role === "owner") {
      if (!user) {
        const created = await createAccount({
          email: demo.email,
          name: demo.name,
          password: DEMO_PASSWORD,
          workspaceName: demo.workspace,
        });
        if (!created.ok || !created.workspaceId) throw new Error(`could not create ${demo.email}`);
        workspaceIds.set(demo.workspace, created.workspaceId);
      } else {
        const [ws] = await db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.name, demo.workspace));
        if (ws) workspaceIds.set(demo.workspace, ws.id);
      }
      continue;
    }
    const workspaceId = workspaceIds.get(demo.workspace);
    if (!workspaceId) throw new Error(`seed order: ${demo.workspace} has no owner yet`);
    if (!user) {
      const created = await createAccount(
        { email: demo.email, name: demo.name, password: DEMO_PASSWORD },
        { withWorkspace: false },
      );
      if (!created.ok) throw new Error(`could not create ${demo.email}`);
      user = { id: created.userId };
    }
    await addMember(workspaceId, user.id, demo.role);
  }
}

/** Migrates, seeds and closes the database: the `npm run db:seed` entry point. */
export async function runSeed(): Promise<void> {
  try {
    await migrateAll();
    await seedDemoData();
    console.log(
      `Seeded ${DEMO_USERS.length} demo users (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => `${u.email} (${u.role}, ${u.workspace})`).join(", ")}`,
    );
    await closeDatabase();
  } catch (error) {
    console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runSeed();
