import { describe, expect, it } from "vitest";
import { repeatTo } from "../../test/support/adversarial.ts";
import { trimEndOf, trimOf } from "./trim.ts";

describe("trimOf / trimEndOf", () => {
  it("take the given characters off the ends only", () => {
    expect(trimOf("::a:b::", ":")).toBe("a:b");
    expect(trimEndOf("a\r\n\r\nb\r\n\n", "\r\n")).toBe("a\r\n\r\nb");
    expect(trimOf("\n\n", "\n")).toBe("");
    expect(trimEndOf("", ".,")).toBe("");
  });

  it("are linear on a long inner run", () => {
    const run = repeatTo(":");
    expect(trimOf(`a${run}b`, ":")).toBe(`a${run}b`);
    expect(trimEndOf(`a${run}b${run}`, ":")).toBe(`a${run}b`);
  });
});
