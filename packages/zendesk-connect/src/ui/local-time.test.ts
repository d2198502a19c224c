import { describe, expect, it } from "vitest";
import { relativeTime } from "./local-time.js";

const now = new Date("2026-11-23T12:00:00Z");
const at = (seconds: number) => relativeTime(new Date(now.getTime() + seconds * 1000), now);

describe("relativeTime", () => {
  it("chooses the unit after rounding, so a boundary never reads 60 minutes or 24 hours", () => {
    expect(at(3540)).toBe("in 59 minutes");
    expect(at(3590)).toBe("in 1 hour");
    expect(at(3600)).toBe("in 1 hour");
    expect(at(-3590)).toBe("1 hour ago");
    expect(at(23.8 * 3600)).toBe("tomorrow");
    expect(at(30 * 86_400)).toBe("in 30 days");
    expect(at(20)).toBe("in 20 seconds");
  });
});
