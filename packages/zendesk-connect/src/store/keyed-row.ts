import { randomUUID } from "node:crypto";

/*
 * Rows keyed by (workspace, subdomain) whose sealed columns are bound to the row id (the
 * associated data names it). Two first writes racing must not seal for an id that loses: a
 * blind upsert would keep the winner's id with the loser's ciphertext, undecryptable forever.
 * So: lock the existing row; else insert with a fresh id and ON CONFLICT DO NOTHING; if a
 * concurrent insert won meanwhile (read committed: the conflict waits for its commit), lock
 * that row and update it, sealing for its id.
 */

export async function writeKeyedRow<Existing extends { id: string }>(steps: {
  /** SELECT ... FOR UPDATE of the row by its natural key. */
  lock: () => Promise<Existing | undefined>;
  /** INSERT with this id, ON CONFLICT DO NOTHING; true when the row was inserted. */
  insert: (id: string) => Promise<boolean>;
  /** UPDATE of the locked row. */
  update: (existing: Existing) => Promise<void>;
}): Promise<{ id: string; existing: Existing | undefined }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await steps.lock();
    if (existing) {
      await steps.update(existing);
      return { id: existing.id, existing };
    }
    const id = randomUUID();
    if (await steps.insert(id)) return { id, existing: undefined };
  }
  // Inserted and deleted again by others three times in a row: give up rather than loop.
  throw new Error("the row kept changing while it was being written");
}
