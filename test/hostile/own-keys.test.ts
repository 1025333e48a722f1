/**
 * Own-key lookups: every table the translator reads by a sender's string answers only for its
 * own keys. A name JavaScript itself defines (`constructor`, `__proto__`, `toString`, …) must
 * come out as the sender wrote it, never as a function's source or a prototype.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { parseLogLevel } from "../../src/observability/log.ts";
import { parseSlackPayload } from "../../src/slack/payload.ts";
import { emojiName, slackEmojiToRocketChat } from "../../src/slack/emoji.ts";
import { defaultTranslateContext } from "../../src/model/context.ts";
import { translateIncoming, type HookSettings } from "../../src/translate/incoming.ts";
import { BUILT_IN_NAMES } from "./built-ins.ts";

const hook: HookSettings = {
  channel: "#alerts",
  allowChannelOverride: false,
  allowUsernameOverride: true,
  allowIconOverride: true,
};
/** What a leaked prototype member looks like once stringified. */
const LEAK = /native code|\[object |function |=>|undefined|null|\[Function/;
/** A leak shows as text the sender did not write: the name itself does not count. */
const leaked = (out: string, n: string): boolean => LEAK.test(out.split(n).join(""));

function translate(body: Record<string, unknown>, dialect: "slack" | "markdown" = "slack") {
  const payload = parseSlackPayload(body);
  if (!payload) throw new Error("payload");
  const out = translateIncoming(payload, hook, defaultTranslateContext, dialect);
  return out.ok ? out.value : undefined;
}

const name = fc.constantFrom(...BUILT_IN_NAMES);

describe("no own-key surprises for any JavaScript built-in name", () => {
  it("knows a few hundred names", () => {
    expect(BUILT_IN_NAMES).toContain("__proto__");
    expect(BUILT_IN_NAMES).toContain("constructor");
    expect(BUILT_IN_NAMES.length).toBeGreaterThan(200);
  });

  it("attachment colour: a built-in name is no colour, never a prototype", () => {
    fc.assert(
      fc.property(name, (n) => {
        const out = translate({ attachments: [{ color: n, text: "x" }] })!;
        const color = out.messages[0]!.attachments![0]!.color;
        expect(color === undefined || /^#[0-9a-f]{3,8}$/.test(color)).toBe(true);
      }),
      { numRuns: BUILT_IN_NAMES.length * 2 },
    );
  });

  it("emoji with a skin tone, in text and as icon_emoji", () => {
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: 6 }), (n, tone) => {
        const text = slackEmojiToRocketChat(`:${n}::skin-tone-${tone}:`);
        expect(leaked(text, n)).toBe(false);
        expect(leaked(emojiName(`:${n}::skin-tone-${tone}:`), n)).toBe(false);
        const out = translate({ text: `hi :${n}::skin-tone-${tone}:`, icon_emoji: `:${n}::skin-tone-${tone}:` })!;
        expect(leaked(out.messages[0]!.msg, n)).toBe(false);
        expect(leaked(out.messages[0]!.emoji ?? "", n)).toBe(false);
      }),
      { numRuns: BUILT_IN_NAMES.length * 2 },
    );
  });

  it("table column alignment, mentions, entities and code languages", () => {
    fc.assert(
      fc.property(name, (n) => {
        const table = {
          type: "table",
          column_settings: [{ align: n }],
          rows: [[{ type: "raw_text", text: "a" }], [{ type: "raw_text", text: "b" }]],
        };
        const out = translate({ blocks: [table] })!;
        expect(leaked(out.messages[0]!.msg, n)).toBe(false);
        const mentions = translate({ text: `<@${n}> <#${n}> &${n}; \`\`\`${n}\ncode\n\`\`\`` })!;
        expect(leaked(mentions.messages[0]!.msg, n)).toBe(false);
        const md = translate({ text: `&${n}; \`\`\`${n}\ncode\n\`\`\`` }, "markdown")!;
        expect(leaked(md.messages[0]!.msg, n)).toBe(false);
        expect(translate({ text: "x", channel: n })).toBeUndefined(); // a locked hook: refused, not a prototype room
      }),
      { numRuns: BUILT_IN_NAMES.length * 2 },
    );
  });

  it("config `${NAME}` and LOG_LEVEL read own keys only", () => {
    for (const n of BUILT_IN_NAMES) {
      expect(["debug", "info", "warn", "error"]).toContain(parseLogLevel(n));
      if (!/^\w+$/.test(n)) continue;
      const loaded = loadConfig(JSON.stringify({ publicUrl: `https://\${${n}}.example.com` }), {});
      expect(loaded.ok, n).toBe(false);
    }
  });
});
