// `npm run mutation` (scripts/mutation.ts): Stryker mutates the lifecycle, disconnect and webhook
// code and runs the suites that own it (bench/mutation/vitest.config.ts). Results: bench/README.md.
const src = "packages/zendesk-connect/src";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "bench/mutation/vitest.config.ts", related: false },
  mutate: [`${src}/tokens/**/*.ts`, `${src}/connect/disconnect.ts`, `${src}/webhooks/**/*.ts`, `!${src}/**/*.test.ts`],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  concurrency: 2,
  // A mutant that only slows its tests down (an extra request, a longer wait) must not count as
  // detected: on 2 cores, 1.5 × the tests' unmutated time did not cover a slowed multi-process
  // test. A test that hangs still fails at its own 12 s (bench/mutation/vitest.config.ts).
  timeoutFactor: 2.5,
  timeoutMS: 5_000,
  // event-recorder writes each mutant's result as it is tested: survivors of a run stopped early.
  reporters: ["progress", "clear-text", "html", "json", "event-recorder"],
  eventReporter: { baseDir: ".data/mutation/events" },
  htmlReporter: { fileName: ".data/mutation/report.html" },
  jsonReporter: { fileName: ".data/mutation/report.json" },
  incremental: true,
  incrementalFile: ".data/mutation/incremental.json",
  tempDirName: ".data/stryker-tmp",
  ignorePatterns: [
    ".next",
    ".next-bench",
    ".data",
    "e2e",
    "docs",
    "public",
    "test-results",
    "playwright-report",
    "coverage",
  ],
};

export default config;
