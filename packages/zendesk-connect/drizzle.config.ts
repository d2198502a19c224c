import { defineConfig } from "drizzle-kit";

// The package's own migrations (npx drizzle-kit generate --config packages/zendesk-connect/drizzle.config.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/zendesk-connect/src/db/schema.ts",
  out: "./packages/zendesk-connect/migrations",
  casing: "snake_case",
});
