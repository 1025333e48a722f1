import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replaceEach } from "./replace.ts";

describe("replaceEach", () => {
  // Patterns of the kinds the translators use: captures, optional groups, lookbehind, /u classes.
  const patterns = [
    /<([^<>\n]+)>/g,
    /(^|[^\p{L}\p{N}_@])@(here|all)\b/gu,
    /(?<![A-Za-z0-9]):([a-z_]+):(?::tone-([1-6]):)?/g,
    /\*([^*\n]+)\*|\*/gu,
  ];
  const text = fc.string({
    unit: fc.constantFrom("<", ">", "@", ":", "*", "a", "é", " ", "\n", "here", "all", "tone-3", "x_y", "😀"),
  });

  it("gives what String.prototype.replace gives, captures and all", () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...patterns), (s, pattern) => {
        const viaReplace = s.replace(pattern, (...args: unknown[]) => JSON.stringify(args.slice(0, -2)));
        const viaLoop = replaceEach(s, pattern, (m) => JSON.stringify([...m]));
        expect(viaLoop).toBe(viaReplace);
      }),
      { numRuns: 2000 },
    );
  });

  it("returns the very same string when nothing matches", () => {
    const s = "no tokens here";
    expect(replaceEach(s, /<([^>]+)>/g, () => "x")).toBe(s);
  });

  it("starts from the beginning whatever a previous use left in lastIndex", () => {
    const pattern = /b/g;
    pattern.lastIndex = 2;
    expect(replaceEach("abab", pattern, () => "B")).toBe("aBaB");
  });

  it("lets the replacer use the same pattern again (lastIndex is read after it returns)", () => {
    const pattern = /\d/g;
    expect(replaceEach("1a2", pattern, ([d]) => `[${replaceEach(d, /\d/g, () => "n")}]`)).toBe("[n]a[n]");
  });
});
