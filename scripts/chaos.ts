// `npm run chaos -- --runs N --seed S [--steps K] [--path P]`: the model-based fault runs of a
// connection's life (packages/zendesk-connect/src/tokens/lifecycle.model.pg.test.ts) for as long
// as you like, on Postgres (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
// The same model CI runs with a small budget; a failure prints the seed, path and shrunk sequence,
// and `--seed S --path P` replays exactly that case.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string" },
    steps: { type: "string", default: "20" },
    path: { type: "string" },
  },
});
for (const [name, value] of Object.entries({ runs: values.runs, steps: values.steps, seed: values.seed }))
  if (value !== undefined && !/^-?\d+$/.test(value)) throw new Error(`--${name} must be an integer, not ${value}`);
const seed = values.seed ?? String(Date.now() % 2 ** 31);
console.info(`chaos: ${values.runs} runs x up to ${values.steps} steps, seed ${seed}`);

const result = spawnSync("npx", ["vitest", "run", "packages/zendesk-connect/src/tokens/lifecycle.model.pg.test.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    TEST_DB: "postgres",
    TEST_DATABASE_URL: process.env.TEST_DATABASE_URL?.trim() || "postgres://postgres@127.0.0.1:5432/postgres",
    CHAOS_RUNS: values.runs,
    CHAOS_STEPS: values.steps,
    CHAOS_SEED: seed,
    ...(values.path ? { CHAOS_PATH: values.path } : {}),
  },
});
process.exit(result.status ?? 1);
