// The Vitest project Stryker runs for `npm run mutation` (scripts/mutation.ts, on Postgres): the
// repository's config, narrowed to the suites that own the mutated code (tokens, connect,
// webhooks, store) and telemetry's, which checks the spans that code records. The multi-process
// *.pg tests and the CLI's export test are left out: they run the code in other processes, which
// no mutant reaches.
import base from "../../vitest.config";
import QuickestFirst from "./quickest-first";

const src = "packages/zendesk-connect/src";

const config = {
  ...base,
  test: {
    ...base.test,
    // The package's top-level suites too: the API client renews and marks rejected tokens.
    include: [`${src}/{tokens,connect,webhooks,store,telemetry}/**/*.test.ts`, `${src}/*.test.ts`],
    // pool.pg.test.ts stays: it runs the claims in this process against rows another session locks.
    exclude: [
      "**/node_modules/**",
      "**/{crash,lifecycle.model,subdomain-check,runners}.pg.test.ts",
      "**/telemetry/cli-export.db.test.ts",
    ],
    sequence: { ...base.test?.sequence, sequencer: QuickestFirst },
    // A mutant that makes a test wait forever is detected when that test times out, not when
    // Stryker's timer for the whole run (1.5 × its tests + 5 s) fires and restarts the runner:
    // that cost 40-90 s per such mutant. The slowest test takes 7 s unmutated.
    testTimeout: 12_000,
  },
};

export default config;
