/**
 * Property tests: whatever the input, one request becomes at most `maxParts`
 * messages, each within Rocket.Chat's size limit, and anything cut is said in the last one; the
 * body reader never hands on more than its limit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readLimited } from "../../src/http/body.ts";
import { readStreamLimited } from "../../src/node/body.ts";
import { parseSlackPayload } from "../../src/slack/payload.ts";
import { defaultTranslateContext } from "../../src/model/context.ts";
import { translateIncoming, type HookSettings } from "../../src/translate/incoming.ts";
import { Readable } from "node:stream";

const hook: HookSettings = {
  channel: "#alerts",
  allowChannelOverride: false,
  allowUsernameOverride: true,
  allowIconOverride: true,
};
/** Markup-heavy text: runs of the characters that escaping doubles, plus words and breaks. */
const markup = fc
  .array(
    fc.oneof(
      fc.constantFrom("~", "*", "_", "`", "```\n", "<", ">", "&", "\n", "\n\n", " ", "@all", ":a:", "[x](", "|", "\\"),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 400 },
  )
  .chain((pieces) => fc.integer({ min: 1, max: 300 }).map((times) => pieces.join("").repeat(times)));

describe("one request stays a bounded number of messages", () => {
  it("at most maxParts messages of at most maxMessageSize, a note when something was cut", () => {
    fc.assert(
      fc.property(
        markup,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 200, max: 6000 }),
        fc.constantFrom("slack" as const, "markdown" as const),
        fc.boolean(),
        (text, maxParts, maxMessageSize, dialect, asAttachments) => {
          const body = asAttachments
            ? { text: "t", attachments: [{ text }, { text, fields: [{ title: "f", value: text }] }] }
            : { text };
          const ctx = { ...defaultTranslateContext, maxParts, maxMessageSize };
          const out = translateIncoming(parseSlackPayload(body)!, hook, ctx, dialect);
          if (!out.ok) {
            expect(out.error.code).toBe("no_text");
            return;
          }
          const { messages } = out.value;
          expect(messages.length).toBeGreaterThan(0);
          expect(messages.length).toBeLessThanOrEqual(maxParts);
          for (const m of messages) expect(m.msg.length).toBeLessThanOrEqual(maxMessageSize);
          const kept = messages.reduce(
            (n, m) => n + m.msg.length + (m.attachments ?? []).reduce((k, a) => k + (a.text?.length ?? 0), 0),
            0,
          );
          // Budgets: text per dialect, attachments together; escaping at most doubles a character.
          expect(kept).toBeLessThanOrEqual(4 * maxParts * maxMessageSize + 1000);
          if (text.length > 2 * maxParts * maxMessageSize)
            expect(messages.at(-1)!.msg).toMatch(/more characters not shown/);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("Markdown text is read up to its character and markup budgets", () => {
  const markdownMessages = (text: string) => {
    const out = translateIncoming(parseSlackPayload({ text })!, hook, defaultTranslateContext, "markdown");
    if (!out.ok) throw new Error(out.error.code);
    return out.value.messages.map((m) => m.msg);
  };

  it("stops at the 6,000th markup character, and says how much was left out", () => {
    // 20,000 characters, half of them `*`: read up to the 6,000th-and-first `*`.
    const text = "*a".repeat(10_000);
    const messages = markdownMessages(text);
    const [shown, note] = messages.join("").split("_(…");
    expect(shown!.match(/a/g)).toHaveLength(6_000);
    expect(note).toContain("8,000 more characters not shown");
  });

  it("reads markup-rich text under the budget whole", () => {
    const line = "- **bold** `code` _it_ ~~gone~~ [a](https://x.y/) <https://a.b/> \\* snake_case!\n";
    const text = line.repeat(Math.floor(24_000 / line.length));
    const rendered = markdownMessages(text).join("\n");
    expect(rendered).not.toContain("not shown");
    expect(rendered.match(/snake_case/g)).toHaveLength(text.match(/snake_case/g)!.length);
  });
});

describe("the body readers never hand on more than their limit", () => {
  const chunks = fc.array(fc.uint8Array({ maxLength: 4096 }), { maxLength: 40 });
  const limit = fc.integer({ min: 0, max: 64 * 1024 });

  it("web streams (Workers, Hono routes)", async () => {
    await fc.assert(
      fc.asyncProperty(chunks, limit, async (parts, max) => {
        const total = parts.reduce((n, p) => n + p.byteLength, 0);
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            for (const p of parts) c.enqueue(p);
            c.close();
          },
        });
        const read = await readLimited(
          new Request("http://x/", { method: "POST", body: stream, duplex: "half" } as RequestInit),
          max,
        );
        if (total > max) expect(read).toEqual({ ok: false, error: "request_too_large" });
        else expect(read.ok && read.value.byteLength).toBe(total);
      }),
      { numRuns: 100 },
    );
  });

  it("node streams (the Node server)", async () => {
    await fc.assert(
      fc.asyncProperty(chunks, limit, async (parts, max) => {
        const total = parts.reduce((n, p) => n + p.byteLength, 0);
        const read = await readStreamLimited(Readable.from(parts.map((p) => Buffer.from(p))), max, undefined);
        if (total > max) expect(read).toEqual({ ok: false, error: "request_too_large" });
        else expect(read.ok && read.value.byteLength).toBe(total);
      }),
      { numRuns: 100 },
    );
  });
});
