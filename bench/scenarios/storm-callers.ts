import { database } from "@/db";
import { getAccessToken } from "@pkg/tokens/lifecycle";
import { ZendeskError } from "@pkg/transport/errors";
import { tokenDigest } from "@/testing/oauth";
import { naiveGetAccessToken } from "./naive-refresh";

export type StormMode = "ours" | "naive";

/** One process's share of a storm: per-caller latency and outcome (a token digest, never a token). */
export interface CallerRun {
  latenciesMs: number[];
  digests: string[];
  errors: string[];
  /** Database statements this process issued during the run. */
  queries: number;
}

/** `calls` concurrent callers asking for the connection's access token at the same instant. */
export async function runCallers(mode: StormMode, connectionId: string, calls: number): Promise<CallerRun> {
  const get = mode === "ours" ? getAccessToken : naiveGetAccessToken;
  const queriesBefore = database().queryCount();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: calls }, async () => {
      try {
        const token = await get(connectionId);
        return { ms: performance.now() - started, digest: tokenDigest(token) };
      } catch (error) {
        const typed = error instanceof ZendeskError ? error : undefined;
        const code =
          typed?.failure && "error" in typed.failure
            ? typed.failure.error
            : (typed?.code ?? (error as Error)?.name ?? "error");
        return { ms: performance.now() - started, error: String(code) };
      }
    }),
  );
  return {
    latenciesMs: outcomes.map((o) => o.ms),
    digests: outcomes.flatMap((o) => ("digest" in o && o.digest ? [o.digest] : [])),
    errors: outcomes.flatMap((o) => ("error" in o && o.error ? [o.error] : [])),
    queries: database().queryCount() - queriesBefore,
  };
}
