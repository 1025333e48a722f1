import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { secretEquals, TokenIndex } from "./tokens.ts";

describe("secretEquals", () => {
  it("compares content and length", () => {
    expect(secretEquals("abc", "abc")).toBe(true);
    expect(secretEquals("abc", "abd")).toBe(false);
    expect(secretEquals("abc", "abc\0")).toBe(false);
    expect(secretEquals("abc\0", "abc")).toBe(false);
    expect(secretEquals("", "abc")).toBe(false);
    expect(secretEquals("", "")).toBe(true);
    expect(secretEquals("tökén-😀", "tökén-😀")).toBe(true);
  });

  it("agrees with === on any pair of strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(secretEquals(a, b)).toBe(a === b);
        expect(secretEquals(a, a)).toBe(true);
      }),
    );
  });
});

describe("TokenIndex", () => {
  const index = new TokenIndex([
    ["token-one", "first"],
    ["token-two", "second"],
  ] as const);

  it("finds the value of an exact token only", () => {
    expect(index.find("token-one")).toBe("first");
    expect(index.find("token-two")).toBe("second");
    expect(index.find("token-on")).toBeUndefined();
    expect(index.find("token-one ")).toBeUndefined();
    expect(index.find("")).toBeUndefined();
  });
});
