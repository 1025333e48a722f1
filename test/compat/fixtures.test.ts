/**
 * compat-fixtures/: each real payload still becomes exactly the reviewed Rocket.Chat messages,
 * and those messages parse in Rocket.Chat as intended.
 */
import { parse } from "@rocket.chat/message-parser";
import { describe, expect, it } from "vitest";
import { collectInputs, isClientCapture, listFixtures, produce, readFixture } from "../support/fixtures.ts";

const names = listFixtures();

describe("compat-fixtures", () => {
  it("has a fixture for every corpus payload and incoming capture", () => {
    expect(names.filter((n) => !isClientCapture(n))).toEqual([...collectInputs().keys()].sort());
  });

  it.each(names)("%s", async (name) => {
    const { input, expected } = readFixture(name);
    expect(expected, `${name}/expected.json is missing`).toBeDefined();
    expect(await produce(input)).toEqual(expected);
  });

  it.each(names)("%s: no Slack markup reaches Rocket.Chat as literal text", (name) => {
    const { expected } = readFixture(name);
    for (const m of (expected?.messages ?? []) as Array<{ msg: string }>) {
      if (m.msg === "") continue; // attachment-only messages
      expect(m.msg).not.toMatch(/<(?:https?:|mailto:|@[UW]|#C|!)[^>]*>/);
      expect(m.msg).not.toMatch(/&(?:amp|lt|gt);/);
      const plain: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (typeof node !== "object" || node === null) return;
        const n = node as { type?: string; value?: unknown };
        if (n.type === "PLAIN_TEXT" && typeof n.value === "string") plain.push(n.value);
        else if (typeof n.value === "object") walk(n.value);
      };
      walk(parse(m.msg));
      // A `*` left in plain text means emphasis that Rocket.Chat did not read as markup.
      for (const text of plain) expect(text).not.toMatch(/(^|\s)\*[^\s*][^*\n]*[^\s*]\*(\s|$)/);
    }
  });
});
