import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { describeDatabaseUrl } from "@pkg/db/client";
import { BENCH_PGLITE_DIR } from "./config";

/*
 * The bench's own database, like scripts/test.ts: with DATABASE_URL, a throw-away database on
 * that server (created here, dropped at the end: nothing else on the server is touched);
 * otherwise an embedded PGlite directory under .data/ (git-ignored), removed at the end.
 */

export type BenchDatabase =
  | {
      kind: "postgres";
      url: string;
      name: string;
      host: string;
      port: number;
      describe: string;
      serverVersion: string;
      drop(): Promise<void>;
    }
  | { kind: "pglite"; dir: string; describe: string; serverVersion: string; drop(): Promise<void> };

export async function createBenchDatabase(adminUrl: string | undefined, pgliteVersion: string): Promise<BenchDatabase> {
  if (!adminUrl) {
    const dir = path.resolve(BENCH_PGLITE_DIR);
    rmSync(dir, { recursive: true, force: true });
    return {
      kind: "pglite",
      dir,
      describe: `PGlite ${pgliteVersion} (embedded, ${BENCH_PGLITE_DIR})`,
      serverVersion: `PGlite ${pgliteVersion}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `zc_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [row] = await admin<{ server_version: string }[]>`show server_version`;
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind: "postgres",
    url: url.toString(),
    name,
    host: url.hostname,
    port: Number(url.port || 5432),
    describe: `PostgreSQL ${row?.server_version ?? "?"} (throw-away database on ${describeDatabaseUrl(adminUrl)})`,
    serverVersion: `PostgreSQL ${row?.server_version ?? "?"}`,
    drop: async () => {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await again.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await again.end();
      }
    },
  };
}

/** The same URL pointing at another host:port (the wire counter in front of the server). */
export function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}
