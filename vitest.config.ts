import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // Tests run the packages from source (one module instance, no build step); Next, tsx
      // scripts and the packed-tarball host use their built entry points as an adopter does.
      "@zendesk-connect/simulator/seed.json": fileURLToPath(
        new URL("./packages/zendesk-simulator/seed.json", import.meta.url),
      ),
      "@zendesk-connect/simulator": fileURLToPath(
        new URL("./packages/zendesk-simulator/src/index.ts", import.meta.url),
      ),
      // `server-only` throws outside a React Server environment; tests run in plain Node.
      "server-only": fileURLToPath(new URL("./testing/server-only-stub.ts", import.meta.url)),
    },
  },
  test: {
    include: ["{lib,db,config,app,scripts,testing}/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    // *.pg.test.ts need several processes on one Postgres: they belong to the Postgres suite
    // (TEST_DB=postgres) by design, and are not collected at all on PGlite (never "skipped").
    exclude: [...configDefaults.exclude, ...(process.env.TEST_DB === "postgres" ? [] : ["**/*.pg.test.ts"])],
    environment: "node",
    // next-auth imports "next/server" without an extension; inlined, Vite resolves it (the
    // module's front door, lib/zendesk/index.ts, brings the Auth.js provider along).
    server: { deps: { inline: ["next-auth"] } },
    // Fixed test-only secrets: tests never read or write the developer's .data/.
    env: {
      AUTH_SECRET: "test-auth-secret-0123456789-abcdefghijklmnop",
      TOKEN_ENCRYPTION_KEYS: "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      PGLITE_DIR: "memory://",
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
