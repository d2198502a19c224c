import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\/(.*)$/, replacement: fileURLToPath(new URL("./$1", import.meta.url)) },
      // Tests reach the package's internals (test harness, white-box tests) through @pkg/.
      {
        find: /^@pkg\/(.*)$/,
        replacement: fileURLToPath(new URL("./packages/zendesk-connect/src/$1", import.meta.url)),
      },
      // Tests run the packages from source (one module instance, no build step); Next, tsx
      // scripts and the packed-tarball host use their built entry points as an adopter does.
      { find: /^@zendesk-connect\/next$/, replacement: src("zendesk-connect/src/index.ts") },
      { find: /^@zendesk-connect\/next\/routes$/, replacement: src("zendesk-connect/src/routes/index.ts") },
      { find: /^@zendesk-connect\/next\/ui$/, replacement: src("zendesk-connect/src/ui/index.ts") },
      { find: /^@zendesk-connect\/next\/catalogue$/, replacement: src("zendesk-connect/src/public.ts") },
      { find: /^@zendesk-connect\/next\/schema$/, replacement: src("zendesk-connect/src/db/schema.ts") },
      { find: /^@zendesk-connect\/simulator\/seed\.json$/, replacement: src("zendesk-simulator/seed.json") },
      { find: /^@zendesk-connect\/simulator$/, replacement: src("zendesk-simulator/src/index.ts") },
      // `server-only` throws outside a React Server environment; tests run in plain Node.
      { find: /^server-only$/, replacement: fileURLToPath(new URL("./testing/server-only-stub.ts", import.meta.url)) },
    ],
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
