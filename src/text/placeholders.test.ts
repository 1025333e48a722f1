import { describe, expect, it } from "vitest";
import { Placeholders } from "./placeholders.ts";

describe("Placeholders", () => {
  it("restores each held piece where it stood, however the text around it changed", () => {
    const held = new Placeholders();
    const text = `see ${held.hold("[a](https://x.io/*a*)")} and ${held.hold("`*code*`")}`;
    expect(held.restore(text.replace(/\*/g, "\\*").toUpperCase())).toBe("SEE [a](https://x.io/*a*) AND `*code*`");
  });

  it("holds ten and more pieces (indices of several digits)", () => {
    const held = new Placeholders();
    const text = Array.from({ length: 12 }, (_, i) => held.hold(`<${i}>`)).join(",");
    expect(held.restore(text)).toBe(Array.from({ length: 12 }, (_, i) => `<${i}>`).join(","));
  });

  it("leaves a text without placeholders as it is", () => {
    expect(new Placeholders().restore("plain")).toBe("plain");
  });

  it("cleans the characters placeholders use out of the input first", () => {
    const input = "a\uE0000\uE001b";
    const held = new Placeholders();
    const text = Placeholders.clean(input) + held.hold("X");
    expect(held.restore(text)).toBe("a\uFFFD0\uFFFDbX");
  });
});
