import { healthCheck, healthResponse } from "@zendesk-connect/next";
import { appMigrationsCurrent } from "@/db";

// GET /api/health: 200 {"status":"ok"} when the database answers and both migration ledgers (the
// package's and the app's) are current, else 503 {"status":"unavailable"}. Public and detail-free.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(): Promise<Response> {
  return healthResponse(await healthCheck({ checks: [appMigrationsCurrent] }));
}
