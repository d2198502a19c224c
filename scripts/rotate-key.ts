// `npm run tokens:rotate-key`: re-encrypts every stored secret under the current (first) key of
// TOKEN_ENCRYPTION_KEYS. Run it after deploying with the new key prepended; once it reports
// success, the old key can be removed. Safe to run while the app serves, and to run again.
// With embedded PGlite, stop the app first (one process per data directory).
import { closeDatabase } from "@/db";
import { reencryptAllSecrets } from "@/lib/crypto/rotate-keys";

const batchArg = process.argv.find((a) => a.startsWith("--batch-size="));
const batchSize = batchArg ? Number(batchArg.slice("--batch-size=".length)) : 100;

try {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error("--batch-size must be a positive integer");
  const counts = await reencryptAllSecrets({ batchSize });
  console.log(
    `Re-encrypted ${counts.secrets} secret(s) under key "${counts.currentKeyId}": ${counts.connections} connection(s), ${counts.oauthClients} OAuth client(s). Every stored secret now uses "${counts.currentKeyId}".`,
  );
} catch (error) {
  // MissingKeyError names the key id to put back; no message here ever contains key material.
  console.error(`Key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
