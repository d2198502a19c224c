import { describe, expect, it } from "vitest";
import { suiteNotRun } from "./suite-not-run";

describe("a suite that could not run", () => {
  it("fails the run in CI", () => {
    expect(suiteNotRun("integration (postgres)", { CI: "true" })).toMatchObject({ ok: false });
    expect(suiteNotRun("e2e (postgres)", { CI: "1" })).toMatchObject({ ok: false });
  });

  it("is only reported outside CI", () => {
    expect(suiteNotRun("integration (postgres)", {})).toMatchObject({
      ok: true,
      notRun: "TEST_DATABASE_URL is not set",
    });
    expect(suiteNotRun("integration (postgres)", { CI: "false" })).toMatchObject({ ok: true });
  });
});
