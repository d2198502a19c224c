// `npm run tokens:rotate-key`: re-encrypts every stored secret under the current (first) key of
// TOKEN_ENCRYPTION_KEYS. Run it after deploying with the new key prepended; once it reports
// success (exit 0: a final count found no row under another key), the old key can be removed. Safe to run while the app serves, and to run again.
// With embedded PGlite, stop the app first (one process per data directory).
import { closeDatabase } from "@/db";
import { reencryptAllSecrets, rotationReport } from "@/lib/zendesk/store/rotate-keys";

const batchArg = process.argv.find((a) => a.startsWith("--batch-size="));
const batchSize = batchArg ? Number(batchArg.slice("--batch-size=".length)) : 100;

try {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error("--batch-size must be a positive integer");
  const report = rotationReport(await reencryptAllSecrets({ batchSize }));
  // Success only when a final count finds no row left under an old key.
  if (report.exitCode === 0) console.log(report.line);
  else console.error(report.line);
  process.exitCode = report.exitCode;
} catch (error) {
  // MissingKeyError names the key id to put back; no message here ever contains key material.
  console.error(`Key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
