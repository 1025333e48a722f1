import { parse } from "@rocket.chat/message-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitText } from "./split.ts";

const visible = (s: string): string => s.replace(/\s+/g, "");
const fenceLines = (part: string): number => part.split("\n").filter((l) => l.startsWith("```")).length;
const graphemes = fc.string({ unit: "grapheme", maxLength: 300 });

/** Every non-whitespace character of `original`, in order, somewhere in `parts`. */
function preserves(original: string, parts: readonly string[]): boolean {
  const want = visible(original);
  const have = visible(parts.join("\n"));
  let i = 0;
  for (let j = 0; j < have.length && i < want.length; j++) if (have[j] === want[i]) i++;
  return i === want.length;
}

function checkParts(text: string, max: number): string[] {
  const parts = splitText(text, max);
  for (const p of parts) {
    expect(p.length).toBeLessThanOrEqual(max);
    expect(p.trim()).not.toBe("");
  }
  expect(preserves(text, parts)).toBe(true);
  return parts;
}

describe("splitText", () => {
  it("returns short text unchanged, up to exactly max", () => {
    expect(splitText("hello", 5000)).toEqual(["hello"]);
    expect(splitText("", 10)).toEqual([""]);
    expect(splitText("  padded \n\n", 11)).toEqual(["  padded \n\n"]);
    expect(splitText("x".repeat(10), 10)).toEqual(["x".repeat(10)]);
  });

  it("rejects a max that no part could meet", () => {
    expect(() => splitText("abc", 0)).toThrow(RangeError);
    expect(() => splitText("abc", Number.NaN)).toThrow(RangeError);
  });

  it("splits at paragraph boundaries and drops the blank lines between parts", () => {
    const a = "a".repeat(30);
    const b = "b".repeat(30);
    const c = "c".repeat(30);
    expect(checkParts(`${a}\n\n${b}\n\n\n${c}`, 70)).toEqual([`${a}\n\n${b}`, c]);
  });

  it("prefers a late line break over a paragraph break that would leave a tiny part", () => {
    const text = `intro\n\n${"x".repeat(40)}\n${"y".repeat(40)}`;
    expect(checkParts(text, 60)).toEqual([`intro\n\n${"x".repeat(40)}`, "y".repeat(40)]);
  });

  it("falls back to line, then word boundaries", () => {
    expect(checkParts("one two three\nfour five six", 20)).toEqual(["one two three", "four five six"]);
    expect(checkParts("alpha beta gamma delta epsilon", 12)).toEqual(["alpha beta", "gamma delta", "epsilon"]);
  });

  it("keeps indentation of the line that starts a part", () => {
    const parts = checkParts(`${"a".repeat(20)}\n\n    indented code-ish line`, 30);
    expect(parts[1]).toBe("    indented code-ish line");
  });

  it("never breaks inside a Markdown link, a <…> or inline code", () => {
    const link = "[a label with several words](https://example.com/x)";
    const parts = checkParts(`${"w ".repeat(20)}${link} tail`, 60);
    expect(parts.some((p) => p.includes(link))).toBe(true);
    expect(parts.join("\n")).not.toMatch(/\[a label(?![^\n]*\]\()/);

    const angle = "<https://example.com|a slack style label>";
    expect(checkParts(`${"w ".repeat(20)}${angle} tail`, 60).some((p) => p.includes(angle))).toBe(true);

    const code = "`npm run build -- --watch`";
    expect(checkParts(`${"w ".repeat(20)}${code} tail`, 50).some((p) => p.includes(code))).toBe(true);
  });

  it("cuts one huge word hard, but not inside an emoji shortcode or a surrogate pair", () => {
    const word = `${"x".repeat(18)}:smile:${"y".repeat(20)}`;
    const parts = checkParts(word, 20);
    expect(parts[0]).toBe("x".repeat(18));
    expect(parts[1]!.startsWith(":smile:")).toBe(true);

    const faces = "😀".repeat(10);
    const split = checkParts(faces, 7);
    for (const p of split) expect(p).toMatch(/^(?:😀)+$/u);
    expect(split.join("")).toBe(faces);

    const family = "👩‍👩‍👧".repeat(4);
    for (const p of checkParts(family, 9)) expect(p.endsWith("\u200d")).toBe(false);
  });

  it("moves a fence that fits into the next part whole", () => {
    const fence = "```js\nconst a = 1;\nconst b = 2;\n```";
    const parts = checkParts(`${"intro words ".repeat(4)}\n${fence}\nafter`, 50);
    expect(parts.some((p) => p.includes(fence))).toBe(true);
  });

  it("closes an oversized fence at a line and reopens it with its language", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i} of the code`);
    const text = `Here is the log:\n\`\`\`python\n${lines.join("\n")}\n\`\`\`\nDone.`;
    const parts = checkParts(text, 120);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts.slice(1, -1)) expect(p.startsWith("```python\n")).toBe(true);
    for (const p of parts) {
      // Each part has balanced fences, and Rocket.Chat reads its code as a CODE block.
      expect((p.match(/^```/gm) ?? []).length % 2).toBe(0);
      if (p.includes("line ")) expect(parse(p).some((n) => n.type === "CODE")).toBe(true);
    }
    // Every code line survives, whole and in order.
    const code = parts
      .join("\n")
      .split("\n")
      .filter((l) => l.startsWith("line "));
    expect(code).toEqual(lines);
  });

  it("reopens a fence around one code line longer than a part", () => {
    const text = "```\n" + "z".repeat(100) + "\n```";
    const parts = checkParts(text, 40);
    for (const p of parts) {
      expect(p.startsWith("```\n")).toBe(true);
      expect(p.endsWith("\n```")).toBe(true);
    }
    expect(parts.map((p) => p.slice(4, -4)).join("")).toBe("z".repeat(100));
  });

  it("splits an unclosed fence as prose (Rocket.Chat shows it as text)", () => {
    const text = "```\n" + "word ".repeat(20);
    const parts = checkParts(text, 30);
    expect(parts.every((p) => !p.endsWith("\n```"))).toBe(true);
  });

  it("keeps parts within Rocket.Chat's default limit for a realistic long alert", () => {
    const alert = Array.from(
      { length: 200 },
      (_, i) => `*Alert ${i}* on <https://grafana.example/d/${i}|dashboard ${i}> :fire:\n- instance: host-${i}`,
    ).join("\n\n");
    const parts = checkParts(alert, 5000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.startsWith("*Alert")).toBe(true);
  });

  // Linear: at 400,000 characters a quadratic pass would run past the test's timeout (see
  // test/support/adversarial.ts); the time itself is measured by `npm run bench:translate`.
  it("splits adversarial input into full parts that keep every visible character", () => {
    for (const unit of ["[", "<", ":", "`", "](", "[a](", "```\n", " ", "\n", "\n\n", "😀"]) {
      const text = unit.repeat(Math.ceil(400_000 / unit.length));
      const parts = checkParts(text, 5000);
      // Whitespace alone is nothing to send; anything else fills parts, none left nearly empty.
      if (text.trim() === "") expect(parts).toEqual([]);
      else expect(parts.length).toBeLessThanOrEqual(Math.ceil(text.length / 5000) + 1);
    }
  });

  it("property: every part of text with closed fences has balanced fences", () => {
    const word = fc.constantFrom("alpha", "b", "gamma delta", "x".repeat(30), "[a b](https://x.y)", "😀");
    const line = fc.array(word, { minLength: 1, maxLength: 8 }).map((w) => w.join(" "));
    const para = fc.array(line, { minLength: 1, maxLength: 5 }).map((l) => l.join("\n"));
    const fence = fc
      .tuple(fc.constantFrom("", "js", "python"), fc.array(line, { minLength: 1, maxLength: 30 }))
      .map(([lang, lines]) => "```" + lang + "\n" + lines.join("\n") + "\n```");
    const doc = fc.array(fc.oneof(para, fence), { minLength: 1, maxLength: 12 }).map((b) => b.join("\n\n"));
    fc.assert(
      fc.property(doc, fc.integer({ min: 30, max: 400 }), (text, max) =>
        splitText(text, max).every((p) => p.length <= max && fenceLines(p) % 2 === 0),
      ),
      { numRuns: 1000 },
    );
  });

  it("property: parts fit, are non-empty and keep every visible character in order", () => {
    const piece = fc.constantFrom(
      "word",
      "a",
      " ",
      "  ",
      "\n",
      "\n\n",
      "```",
      "```js\n",
      "\n```\n",
      "[label with words](https://x.y/z)",
      "<https://a.b|c d>",
      "`code span`",
      ":smile:",
      "😀",
      "👍🏽",
      "é",
      "|",
      "*",
      "_",
      "> ",
      "- ",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 120 }), fc.integer({ min: 1, max: 80 }), (pieces, max) => {
        const text = pieces.join("");
        const parts = splitText(text, max);
        if (text.length <= max) return parts.length === 1 && parts[0] === text;
        return parts.every((p) => p.length <= max && p.trim() !== "") && preserves(text, parts);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(graphemes, fc.integer({ min: 1, max: 50 }), (text, max) => {
        const parts = splitText(text, max);
        if (text.length <= max) return parts.length === 1 && parts[0] === text;
        return parts.every((p) => p.length <= max && p.trim() !== "") && preserves(text, parts);
      }),
      { numRuns: 500 },
    );
  });
});
