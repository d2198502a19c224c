/**
 * `GET /api/v2/incremental/tickets/cursor.json`: the cursor-based incremental ticket export.
 * The first request names `start_time` (Unix seconds), the next ones `cursor` (the previous
 * `after_cursor`). Tickets come by update time, deleted ones included with status `deleted`;
 * `end_of_stream` is true on the last page, whose `after_cursor` still resumes later. Admins
 * only, as in Zendesk; `read` or `tickets:read`.
 */
import { jsonResponse } from "../http.js";
import { isResponse, requireAccess } from "./access.js";
import { apiUrlOf } from "./api-url.js";
import { invalidAttribute, invalidPagination } from "./errors.js";
import { ticketJson } from "./json.js";
import { decodeCursor, encodeCursor } from "./pagination.js";
import type { ZendeskRequest } from "../context.js";
import type { SimResponse } from "../http.js";

const ACTION = "api/v2/incremental/tickets/cursor";
/** Zendesk's export pages hold up to 1,000 tickets. */
export const EXPORT_PAGE_LIMIT = 1_000;

export function exportTickets(req: ZendeskRequest): SimResponse {
  const caller = requireAccess(req, "tickets", "read", "admin");
  if (isResponse(caller)) return caller;
  const query = req.url.searchParams;
  const rawStart = query.get("start_time");
  const rawCursor = query.get("cursor");
  const rawPerPage = query.get("per_page");

  let perPage = EXPORT_PAGE_LIMIT;
  if (rawPerPage !== null) {
    if (!/^\d{1,9}$/.test(rawPerPage)) return invalidAttribute("per_page", ACTION);
    perPage = Math.min(EXPORT_PAGE_LIMIT, Math.max(1, Number(rawPerPage)));
  }

  // A position is "after (updated time, id)": the export resumes strictly after it.
  let position: { t: number; id: number };
  if (rawCursor !== null) {
    const decoded = decodeCursor(rawCursor, ["t", "id"]);
    if (decoded === null) return invalidPagination("The cursor is invalid");
    position = { t: decoded.t as number, id: decoded.id as number };
  } else if (rawStart !== null) {
    if (!/^\d{1,12}$/.test(rawStart)) return invalidAttribute("start_time", ACTION);
    position = { t: Number(rawStart) * 1000, id: 0 };
  } else {
    return jsonResponse(400, { error: "InvalidValue", description: "start_time or cursor is required" });
  }

  const data = req.instance.data;
  const order = data.exportOrder();
  const start = position.id === 0 ? firstAtOrAfter(order, position.t) : data.exportIndexAfter(position.t, position.id);
  const entries = order.slice(start, start + perPage);
  const last = entries.at(-1);
  const afterCursor = encodeCursor(last === undefined ? position : { t: last.updatedAt, id: last.ticket.id });
  const apiUrl = apiUrlOf(req);
  const afterParams = new URLSearchParams({ cursor: afterCursor });
  if (rawPerPage !== null) afterParams.set("per_page", String(perPage));
  return jsonResponse(200, {
    tickets: entries.map((entry) => ticketJson(apiUrl, entry.ticket, entry.deleted)),
    after_url: `${apiUrl("incremental/tickets/cursor.json")}?${afterParams.toString()}`,
    after_cursor: afterCursor,
    before_url: null,
    before_cursor: null,
    end_of_stream: start + entries.length >= order.length,
  });
}

function firstAtOrAfter(order: readonly { updatedAt: number }[], time: number): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((order[middle] as { updatedAt: number }).updatedAt < time) low = middle + 1;
    else high = middle;
  }
  return low;
}
