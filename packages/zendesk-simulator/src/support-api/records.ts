/**
 * The Support records one instance holds, and the table that keeps each kind sorted by id so a
 * page is a binary search and a slice, never a scan: a 10,000-ticket instance pages as fast as
 * a 10-ticket one.
 */
import type { ParsedUser, TicketStatus } from "../seed.js";

export interface TicketRecord {
  id: number;
  external_id: string | null;
  type: "problem" | "incident" | "question" | "task" | null;
  subject: string | null;
  description: string;
  priority: "low" | "normal" | "high" | "urgent" | null;
  status: TicketStatus;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  /** Epoch ms (simulator time for records written over the API). */
  created_at: number;
  updated_at: number;
  /** `web` for seeded and generated tickets, `api` for tickets created over the API. */
  channel: "web" | "api";
}

export interface CommentRecord {
  id: number;
  ticket_id: number;
  author_id: number;
  body: string;
  public: boolean;
  audit_id: number;
  created_at: number;
  channel: "web" | "api";
}

/** Users are the seed's user objects: the consent page and the API read the same ones. */
export type UserRecord = ParsedUser;

export interface OrganizationRecord {
  id: number;
  name: string;
  domain_names: string[];
  details: string | null;
  notes: string | null;
  external_id: string | null;
  tags: string[];
  shared_tickets: boolean;
  shared_comments: boolean;
  created_at: number;
  updated_at: number;
}

/** Index of the first element whose key is greater than `key` (`orEqual`: not less than). */
export function upperBound<T>(sorted: readonly T[], key: number, keyOf: (item: T) => number, orEqual = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const candidate = keyOf(sorted[middle] as T);
    if (candidate < key || (!orEqual && candidate === key)) low = middle + 1;
    else high = middle;
  }
  return low;
}

const byId = (record: { id: number }): number => record.id;

/** Records by id, plus the same records in id order for pagination. */
export class RecordTable<T extends { id: number }> {
  readonly #byId = new Map<number, T>();
  readonly #sorted: T[] = [];

  constructor(records: Iterable<T> = []) {
    for (const record of records) this.insert(record);
  }

  get size(): number {
    return this.#sorted.length;
  }

  get(id: number): T | undefined {
    return this.#byId.get(id);
  }

  /** In id order. Read-only: change the table through insert and remove. */
  get sorted(): readonly T[] {
    return this.#sorted;
  }

  /** The highest id, 0 when empty. */
  get lastId(): number {
    return this.#sorted.at(-1)?.id ?? 0;
  }

  insert(record: T): void {
    if (this.#byId.has(record.id)) throw new Error(`duplicate id ${record.id}`);
    this.#byId.set(record.id, record);
    // Ids mostly grow: appending is the common case.
    if (record.id > this.lastId) this.#sorted.push(record);
    else this.#sorted.splice(upperBound(this.#sorted, record.id, byId), 0, record);
  }

  remove(id: number): T | undefined {
    const record = this.#byId.get(id);
    if (record === undefined) return undefined;
    this.#byId.delete(id);
    this.#sorted.splice(upperBound(this.#sorted, id, byId, true), 1);
    return record;
  }
}
