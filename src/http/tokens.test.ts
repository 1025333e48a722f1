import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { secretEquals, TokenIndex } from "./tokens.ts";

describe("TokenIndex", () => {
  const index = new TokenIndex([
    ["token-one-0123456789", 1],
    ["token-two-0123456789", 2],
    ["ünïcödé-token-∆-0123", 3],
  ] as const);

  it("finds a token only by its exact value", () => {
    expect(index.find("token-one-0123456789")).toBe(1);
    expect(index.find("token-two-0123456789")).toBe(2);
    expect(index.find("ünïcödé-token-∆-0123")).toBe(3);
    for (const near of ["", "token-one-012345678", "token-one-01234567890", "token-one-0123456789token-one-0123456789", "TOKEN-ONE-0123456789", "ünïcödé-token-∆-012"])
      expect(index.find(near)).toBeUndefined();
    expect(new TokenIndex([]).find("anything")).toBeUndefined();
  });

  it("agrees with secretEquals on any pair", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string(), async (expected, presented) => {
        expect(new TokenIndex([[expected, true]]).find(presented) ?? false).toBe(await secretEquals(presented, expected));
      }),
      { numRuns: 300 },
    );
  });
});
