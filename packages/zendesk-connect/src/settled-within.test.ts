import { describe, expect, it } from "vitest";
import { settledWithin } from "./settled-within.js";

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(resolve, ms, value));

describe("settledWithin", () => {
  it("gives the value of a promise that settles within the wait", async () => {
    await expect(settledWithin(after(5, "data"), 200)).resolves.toEqual({ value: "data" });
  });

  it("gives nothing for a promise still pending at the deadline, which keeps running", async () => {
    // Settled by hand, only after the wait has answered: no timing to race on a loaded machine.
    let settle!: (value: string) => void;
    const slow = new Promise<string>((resolve) => (settle = resolve));
    await expect(settledWithin(slow, 10)).resolves.toBeUndefined();
    settle("late");
    await expect(slow).resolves.toBe("late");
  });

  it("throws a rejection that happens within the wait", async () => {
    await expect(settledWithin(Promise.reject(new Error("database down")), 50)).rejects.toThrow("database down");
  });

  it("with a zero wait, takes only what is already settled", async () => {
    await expect(settledWithin(Promise.resolve(1), 0)).resolves.toEqual({ value: 1 });
    await expect(settledWithin(after(5, 2), 0)).resolves.toBeUndefined();
  });
});
