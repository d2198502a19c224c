/**
 * Test helper, run as a child process by lib/zendesk/connect/subdomain-check.pg.test.ts (never
 * imported by the app): tsx --conditions=react-server testing/subdomain-check-worker.ts <workspaceId> <subdomain>
 * Opens the database, prints "ready", waits for a line on stdin, runs the connect form's
 * subdomain check (another instance of the app, as far as the database can tell) and prints
 * the verdict as one JSON line.
 */
import { closeDatabase, database } from "@/db";
import { checkSubdomain } from "@pkg/connect/subdomain-check";
import { parseSubdomain } from "@pkg/transport/subdomain";

const [workspaceId, label] = process.argv.slice(2);
const parsed = parseSubdomain(label ?? "");
if (!workspaceId || !parsed.ok) throw new Error("usage: testing/subdomain-check-worker.ts <workspaceId> <subdomain>");

await database().ping();
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
process.stdout.write(`${JSON.stringify(await checkSubdomain(workspaceId, parsed.subdomain))}\n`);
await closeDatabase();
// The transport's keep-alive sockets would hold the process open.
process.exit(0);
