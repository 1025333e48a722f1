import { describe, expect, it } from "vitest";
import { MemorySeenEvents, SEEN_TTL_MS } from "./seen.ts";

describe("MemorySeenEvents", () => {
  it("sees a key once within the TTL, again after it", async () => {
    let now = 1_000;
    const seen = new MemorySeenEvents({ now: () => now });
    expect(await seen.firstSight("a")).toBe(true);
    expect(await seen.firstSight("a")).toBe(false);
    now += SEEN_TTL_MS - 1;
    expect(await seen.firstSight("a")).toBe(false);
    now += 1;
    expect(await seen.firstSight("a")).toBe(true);
  });

  it("is bounded: the oldest keys go first", async () => {
    const seen = new MemorySeenEvents({ maxEntries: 3 });
    for (const k of ["a", "b", "c", "d"]) expect(await seen.firstSight(k)).toBe(true);
    expect(await seen.firstSight("d")).toBe(false);
    expect(await seen.firstSight("a")).toBe(true);
  });
});
