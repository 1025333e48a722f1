import { parse } from "@rocket.chat/message-parser";
import fc from "fast-check";
import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { markdownToRocketChat } from "../markdown/to-rocketchat.ts";
import { defaultTranslateContext, type TranslateContext } from "../model/context.ts";
import { renderBlocks, type RenderedBlocks } from "./blocks.ts";
import { formatSlackDate } from "./dates.ts";
import { emojiFromParts } from "./emoji.ts";

const ctx: TranslateContext = {
  ...defaultTranslateContext,
  users: { U0123ABCD: "alice" },
  channels: { C0123ABCD: "general" },
};
const oldServer: TranslateContext = { ...ctx, tables: false };

type Block = Record<string, unknown>;
type Style = Record<string, boolean>;

const render = (blocks: unknown[], c: TranslateContext, target: "message" | "attachment") =>
  renderBlocks(blocks as Block[], c, target);
const msg = (blocks: unknown[], c = ctx): RenderedBlocks => render(blocks, c, "message");
const att = (blocks: unknown[], c = ctx): RenderedBlocks => render(blocks, c, "attachment");
const text = (blocks: unknown[], c = ctx): string => msg(blocks, c).text;

const plain = (s: string, extra: Block = {}): Block => ({ type: "plain_text", text: s, ...extra });
const mrkdwn = (s: string, extra: Block = {}): Block => ({ type: "mrkdwn", text: s, ...extra });
const t = (value: string, style?: Style): Block =>
  style ? { type: "text", text: value, style } : { type: "text", text: value };
const rich = (...elements: unknown[]): Block => ({ type: "rich_text", elements });
const section = (elements: unknown[]): Block => rich({ type: "rich_text_section", elements });
const item = (s: string, style?: Style): Block => ({ type: "rich_text_section", elements: [t(s, style)] });
const list = (style: string, items: unknown[], extra: Block = {}): Block => ({
  type: "rich_text_list",
  style,
  elements: items,
  ...extra,
});

const BOLD = { bold: true };
const ITALIC = { italic: true };
const STRIKE = { strike: true };
const CODE = { code: true };
const NBSP = "\u00a0";

/** The message-parser AST flattened to node kinds, plus its plain text (link labels included). */
function ast(markup: string): { kinds: string[]; plain: string[] } {
  const kinds: string[] = [];
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const n = node as { type?: unknown; value?: unknown };
    if (typeof n.type === "string") kinds.push(n.type);
    if (n.type === "PLAIN_TEXT" && typeof n.value === "string") texts.push(n.value);
    else if (n.type === "LINK") walk((n.value as { label?: unknown }).label);
    else if (typeof n.value === "object") walk(n.value);
  };
  walk(parse(markup));
  return { kinds, plain: texts };
}

const count = (kinds: string[], kind: string): number => kinds.filter((k) => k === kind).length;

/** Attachment text as Rocket.Chat's web client renders it: marked, GFM. */
const html = (markup: string): string => marked.parse(markup, { gfm: true, async: false }).trim();

describe("renderBlocks: robustness and limits", () => {
  it("returns nothing for no blocks, junk entries and unknown or interactive block types", () => {
    const empty = { text: "", attachments: [] };
    expect(msg([])).toEqual(empty);
    const junk = [null, 1, "x", [], { type: 5 }, { type: "input", element: {} }, { type: "call" }, {}];
    expect(msg(junk)).toEqual(empty);
    expect(renderBlocks(null as unknown as Block[], ctx, "message")).toEqual(empty);
  });

  it("renders only the first 50 blocks, as Slack rejects more", () => {
    const blocks = Array.from({ length: 60 }, (_, i) => ({ type: "section", text: plain(`b${i}`) }));
    const out = text(blocks).split("\n\n");
    expect(out).toHaveLength(50);
    expect(out.at(-1)).toBe("b49");
  });

  it("renders over-long values whole, beyond Slack's limits", () => {
    const long = "word ".repeat(20_000).trim();
    expect(text([{ type: "header", text: plain(long) }])).toBe(`*${long}*`);
    const fields = Array.from({ length: 30 }, (_, i) => plain(`f${i}`));
    expect(text([{ type: "section", fields }]).split("\n")).toHaveLength(15);
    const buttons = Array.from({ length: 40 }, (_, i) => ({
      type: "button",
      text: `b${i}`,
      url: `https://x.example/${i}`,
    }));
    expect(msg([{ type: "actions", elements: buttons }]).attachments[0]!.actions).toHaveLength(40);
    const mixed = { ...ITALIC, ...STRIKE };
    const runs = Array.from({ length: 2000 }, (_, i) => t(`run ${i} *_~\``, i % 2 ? BOLD : mixed));
    const out = text(Array.from({ length: 50 }, () => section(runs)));
    expect(out.split("\n\n")).toHaveLength(50);
    // Every run's words, in order, in every block.
    expect(out.match(/run \d+/g)).toHaveLength(50 * 2000);
    expect(out.match(/run \d+/g)!.slice(0, 2000)).toEqual(runs.map((_, i) => `run ${i}`));
  });

  // Linear on hostile text: at these sizes a quadratic pass would run past the test's timeout
  // (see test/support/adversarial.ts); the time itself is measured by `npm run bench:translate`.
  it("renders adversarial text in headers, rich text and tables, to bounded output", () => {
    const spaces = " ".repeat(200_000);
    const hostile = [
      spaces + "x" + spaces + "\n" + spaces,
      "*".repeat(200_000),
      "https://".repeat(50_000) + ".".repeat(100_000),
      ":a".repeat(100_000),
      "@a".repeat(100_000),
      "`".repeat(100_000),
      "](".repeat(100_000),
    ];
    for (const s of hostile) {
      const out = text([
        { type: "header", text: plain(s) },
        section([t(s), t(s, BOLD)]),
        { type: "table", rows: [[{ type: "raw_text", text: s }]] },
        { type: "table", rows: [[{ type: "raw_text", text: s }]] },
      ]);
      // Four blocks holding five copies of the text; escaping at most doubles a character.
      expect(out.split("\n\n")).toHaveLength(4);
      expect(out.length).toBeLessThanOrEqual(10 * s.length + 100);
      // Without tables: one code block, header row and rule.
      const old = text([{ type: "table", rows: [[{ type: "raw_text", text: s }]] }], oldServer);
      expect(old.startsWith("```\n") && old.endsWith("\n```")).toBe(true);
      expect(old.length).toBeLessThanOrEqual(3 * s.length + 100);
    }
  });

  it("separates blocks by blank lines", () => {
    const blocks = [{ type: "header", text: "A" }, { type: "divider" }, { type: "section", text: "b" }];
    expect(text(blocks)).toBe("*A*\n\n---\n\nb");
  });

  it("never throws on arbitrary JSON", () => {
    // Shallow junk keeps generation fast; the shapes below reach every renderer.
    const junk = fc.jsonValue({ maxDepth: 2 });
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(junk, arb);
    const url = fc.constantFrom("https://x.example/a_b", "http://h", "null", "mailto:a@b.c", "javascript:x");
    const typed = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
      fc.record(model, { requiredKeys: ["type"] as never });
    const flag = fc.boolean();
    const flags = fc.record({ bold: flag, italic: flag, strike: flag, code: flag });
    const inline = typed({
      type: fc.constantFrom("text", "link", "user", "channel", "usergroup", "team", "broadcast", "emoji", "date"),
      text: maybe(fc.string()),
      style: maybe(flags),
      url: maybe(url),
      range: maybe(fc.constantFrom("here", "channel", "everyone")),
      user_id: junk,
      name: junk,
      unicode: junk,
      timestamp: junk,
      format: junk,
      value: junk,
    });
    const color = typed({ type: fc.constant("color"), value: junk });
    const inlines = fc.array(fc.oneof(inline, color), { maxLength: 4 });
    const richSection = typed({ type: fc.constant("rich_text_section"), elements: inlines });
    const element = typed({
      type: fc.constantFrom(
        "rich_text_section",
        "rich_text_list",
        "rich_text_quote",
        "rich_text_preformatted",
        "button",
        "image",
        "mrkdwn",
      ),
      elements: maybe(fc.array(fc.oneof(inline, richSection), { maxLength: 4 })),
      style: junk,
      indent: junk,
      offset: junk,
      text: maybe(fc.string()),
      url: maybe(url),
      image_url: maybe(url),
      alt_text: junk,
    });
    const cell = fc.oneof(junk, element, fc.record({ type: fc.constant("raw_text"), text: fc.string() }));
    const textType = fc.constantFrom("mrkdwn", "plain_text");
    const textObject = fc.record({ type: textType, text: fc.string(), verbatim: junk });
    const block = typed({
      type: fc.constantFrom(
        ...["header", "section", "divider", "context", "image", "actions", "rich_text"],
        ...["markdown", "table", "file", "video", "input"],
      ),
      text: fc.oneof(junk, fc.string(), textObject),
      elements: maybe(fc.array(element, { maxLength: 4 })),
      fields: maybe(fc.array(maybe(fc.string()), { maxLength: 4 })),
      accessory: maybe(element),
      rows: maybe(fc.array(fc.array(cell, { maxLength: 4 }), { maxLength: 4 })),
      image_url: maybe(url),
      title: junk,
    });
    const blocks = fc.array(fc.oneof(junk, fc.object({ maxDepth: 2 }), block), { maxLength: 8 });
    fc.assert(
      fc.property(blocks, fc.boolean(), fc.boolean(), (b, attachment, tables) => {
        const target = attachment ? "attachment" : "message";
        const out = renderBlocks(b as Block[], { ...ctx, tables }, target, { linkNames: tables });
        return typeof out.text === "string" && Array.isArray(out.attachments);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("header", () => {
  it("is a bold line in the dialect of the target, its plain text escaped", () => {
    expect(text([{ type: "header", text: plain("Deploy finished") }])).toBe("*Deploy finished*");
    expect(att([{ type: "header", text: plain("Deploy finished") }]).text).toBe("**Deploy finished**");
    expect(html(att([{ type: "header", text: plain("a*b") }]).text)).toBe("<p><strong>a*b</strong></p>");
  });

  it("keeps literal markers literal without showing a backslash", () => {
    const { kinds, plain: shown } = ast(text([{ type: "header", text: plain("5 * 3 = 15_x") }]));
    expect(kinds).toContain("BOLD");
    expect(shown.join("")).toBe("5 * 3 = 15_x");
  });

  it("accepts a bare string and skips empty, null and missing text", () => {
    expect(text([{ type: "header", text: "Plain" }])).toBe("*Plain*");
    const missing = [{ type: "header" }, { type: "header", text: null }, { type: "header", text: plain("  ") }];
    expect(text(missing)).toBe("");
  });
});

describe("section", () => {
  it("converts mrkdwn text and escapes plain_text", () => {
    const link = mrkdwn("*Hi* <https://x.example/a|docs>");
    expect(text([{ type: "section", text: link }])).toBe("*Hi* [docs](https://x.example/a)");
    expect(text([{ type: "section", text: plain("*not bold*") }])).toBe("\\*not bold\\*");
    expect(att([{ type: "section", text: mrkdwn("*Hi*") }]).text).toBe("**Hi**");
  });

  it("reads plain_text emoji codes as emoji", () => {
    const out = text([{ type: "section", text: plain("hi :tada: there", { emoji: true }) }]);
    expect(ast(out).kinds).toContain("EMOJI");
  });

  it("honours verbatim: no link_names for verbatim text", () => {
    const blocks = (verbatim: boolean) => [{ type: "section", text: mrkdwn("ping @here", { verbatim }) }];
    expect(renderBlocks(blocks(false), ctx, "message", { linkNames: true }).text).toBe("ping @here");
    expect(renderBlocks(blocks(true), ctx, "message", { linkNames: true }).text).not.toBe("ping @here");
  });

  it("lays fields out two per line, a label line joined to its value", () => {
    const fields = [mrkdwn("*Average Rating*\n1.0"), mrkdwn("*Type:*\nPaid time off"), plain("five")];
    const out = text([{ type: "section", fields }]);
    expect(out).toBe("*Average Rating* 1.0 \u2003·\u2003 *Type:* Paid time off\nfive");
    expect(count(ast(out.split("\n")[0]!).kinds, "BOLD")).toBe(2);
  });

  it("skips empty, null and malformed fields, and keeps a code field on its own lines", () => {
    const fields = [null, "", { type: "mrkdwn" }, { text: 3 }, "a", "```x```", "b"];
    expect(text([{ type: "section", fields }])).toBe("3 \u2003·\u2003 a\n```\nx\n```\nb");
    expect(text([{ type: "section", fields: "nope" }])).toBe("");
  });

  it("renders an image accessory as a link and a URL button as a link, dropping the rest", () => {
    const image = { type: "image", image_url: "https://img.example/cat.png", alt_text: "cute cat" };
    const button = { type: "button", text: plain("Open"), url: "https://ci.example/1" };
    const interactive = { type: "button", text: plain("Click Me"), value: "x" };
    const select = { type: "conversations_select", placeholder: plain("Pick") };
    const out = text([
      { type: "section", text: "With image", accessory: image },
      { type: "section", text: "With button", accessory: button },
      { type: "section", text: "Interactive", accessory: interactive },
      { type: "section", text: "Select", accessory: select },
    ]);
    expect(out).toBe(
      "With image\n[cute cat](https://img.example/cat.png)\n\n" +
        "With button\n[Open](https://ci.example/1)\n\nInteractive\n\nSelect",
    );
  });

  it('drops an image accessory whose URL is the string "null" (Zulip\'s broken_image fixture)', () => {
    const broken = { type: "image", image_url: "null", alt_text: "a" };
    expect(text([{ type: "section", text: "x", accessory: broken }])).toBe("x");
    const script = { type: "image", image_url: "javascript:alert(1)" };
    expect(text([{ type: "section", accessory: script }])).toBe("");
  });
});

describe("divider", () => {
  it("is a rule on Rocket.Chat 8.7+ and in attachments, a dash line before", () => {
    expect(text([{ type: "divider" }])).toBe("---");
    expect(ast("a\n\n---").kinds).toContain("HORIZONTAL_RULE");
    expect(text([{ type: "divider" }], oldServer)).toBe("———");
    expect(att([{ type: "divider" }], oldServer).text).toBe("---");
  });
});

describe("context", () => {
  it("joins its elements with two spaces, images by their alt text", () => {
    const elements = [
      { type: "image", image_url: "https://x.example/a.png", alt_text: "cute cat" },
      mrkdwn("Last run *failed*"),
      plain("v1.2"),
      { type: "image", image_url: "https://x.example/b.png" },
      null,
    ];
    expect(text([{ type: "context", elements }])).toBe("cute cat  Last run *failed*  v1.2");
    expect(text([{ type: "context" }, { type: "context", elements: [null, {}] }])).toBe("");
  });
});

describe("image block", () => {
  const url = "https://x.example/a.png";

  it("becomes an image attachment titled by its title, else its alt text", () => {
    expect(msg([{ type: "image", image_url: url, alt_text: "alt", title: plain("Chart") }])).toEqual({
      text: "",
      attachments: [{ title: "Chart", image_url: url }],
    });
    const alt = msg([{ type: "image", image_url: url, alt_text: "a cat" }]);
    expect(alt.attachments).toEqual([{ title: "a cat", image_url: url }]);
    expect(msg([{ type: "image", image_url: url }]).attachments).toEqual([{ image_url: url }]);
  });

  it("is dropped when the URL is missing or not http(s)", () => {
    const bad = [{}, { image_url: "null" }, { image_url: "ftp://x/a.png" }, { image_url: 7 }];
    expect(msg(bad.map((b) => ({ type: "image", ...b })))).toEqual({ text: "", attachments: [] });
  });
});

describe("actions", () => {
  it("turns URL buttons into one attachment of horizontal link buttons", () => {
    const elements = [
      { type: "button", text: plain("Runbook"), url: "https://wiki.example/rb" },
      { type: "button", text: plain("Approve"), value: "approve" },
      { type: "static_select", options: [] },
      { type: "button", text: "Dashboard", url: "https://grafana.example/d" },
      { type: "button", url: "https://no-label.example" },
    ];
    expect(msg([{ type: "actions", elements }])).toEqual({
      text: "",
      attachments: [
        {
          actions: [
            { type: "button", text: "Runbook", url: "https://wiki.example/rb" },
            { type: "button", text: "Dashboard", url: "https://grafana.example/d" },
          ],
          button_alignment: "horizontal",
        },
      ],
    });
  });

  it("adds nothing when no button has a URL", () => {
    const interactive = [{ type: "button", text: plain("B"), value: "v" }];
    expect(msg([{ type: "actions", elements: interactive }]).attachments).toEqual([]);
    expect(msg([{ type: "actions", elements: null }]).attachments).toEqual([]);
  });
});

describe("rich_text", () => {
  it("renders the docs/slack.md §4.2 example in full", () => {
    const example = rich(
      {
        type: "rich_text_section",
        elements: [
          { type: "text", text: "Deploy " },
          { type: "text", text: "failed", style: { bold: true } },
          { type: "text", text: " on " },
          { type: "link", url: "https://ci.example/1", text: "job 1" },
          { type: "text", text: " cc " },
          { type: "user", user_id: "U0123ABCD" },
          { type: "text", text: " " },
          { type: "usergroup", usergroup_id: "S0123" },
          { type: "text", text: " " },
          { type: "broadcast", range: "here" },
          { type: "emoji", name: "fire" },
          { type: "date", timestamp: 1700000000, format: "{date_short} {time}", fallback: "Nov 14 2023" },
        ],
      },
      {
        type: "rich_text_list",
        style: "bullet",
        indent: 0,
        elements: [
          { type: "rich_text_section", elements: [{ type: "text", text: "step one" }] },
          { type: "rich_text_section", elements: [{ type: "text", text: "step two" }] },
        ],
      },
      { type: "rich_text_preformatted", elements: [{ type: "text", text: "npm test\nexit 1" }] },
      { type: "rich_text_quote", elements: [{ type: "text", text: "quoted" }] },
    );
    const date = formatSlackDate(1700000000, "{date_short} {time}", "UTC", ctx.now()) || "Nov 14 2023";
    const out = text([example]);
    expect(out).toBe(
      "Deploy *failed* on [job 1](https://ci.example/1) " +
        `cc @alice @S0123 @here ${emojiFromParts("fire")} ${date}\n` +
        "- step one\n- step two\n```\nnpm test\nexit 1\n```\n> quoted",
    );
    const { kinds } = ast(out);
    for (const kind of ["BOLD", "LINK", "MENTION_USER", "EMOJI", "UNORDERED_LIST", "CODE", "QUOTE"]) {
      expect(kinds).toContain(kind);
    }
  });

  it("keeps side-by-side mentions and emoji apart, as Rocket.Chat would run them together", () => {
    const here = { type: "broadcast", range: "here" };
    const fire = { type: "emoji", name: "fire" };
    const out = text([section([t("cc"), { type: "user", user_id: "U0123ABCD" }, here, fire, t("now."), fire])]);
    expect(out).toBe(`cc @alice @here ${emojiFromParts("fire")} now. ${emojiFromParts("fire")}`);
    const { kinds } = ast(out);
    expect(count(kinds, "MENTION_USER")).toBe(2);
    expect(count(kinds, "EMOJI")).toBe(2);
    expect(text([section([t("("), fire, t(")")])])).toBe(`(${emojiFromParts("fire")})`);
    const wave = { type: "emoji", name: "wave", unicode: "1f44b" };
    expect(text([section([t("hi"), wave])])).toBe(`hi ${emojiFromParts("wave")}`);
    expect(text([section([t("hi"), { type: "emoji", unicode: "1f44b" }])])).toBe("hi👋");
  });

  it("writes each style so Rocket.Chat's parser reads it", () => {
    const cases: [Style, string, string][] = [
      [BOLD, "*x*", "BOLD"],
      [ITALIC, "_x_", "ITALIC"],
      [STRIKE, "~x~", "STRIKE"],
      [CODE, "`x`", "INLINE_CODE"],
    ];
    for (const [style, markup, kind] of cases) {
      const out = text([section([t("a "), t("x", style), t(" b")])]);
      expect(out).toBe(`a ${markup} b`);
      expect(ast(out).kinds).toContain(kind);
    }
    // Rocket.Chat has no underline: the text stays plain.
    expect(text([section([t("plain ", { underline: true }), t("u", { underline: true })])])).toBe("plain u");
    const all = text([section([t("x", { ...BOLD, ...ITALIC, ...STRIKE })])]);
    expect(all).toBe("*_~x~_*");
    expect(ast(all).kinds).toEqual(["PARAGRAPH", "BOLD", "ITALIC", "STRIKE", "PLAIN_TEXT"]);
  });

  it("writes the attachment dialect, which marked renders", () => {
    const runs = [t("b", BOLD), t(" "), t("i", ITALIC), t(" "), t("s", STRIKE), t(" "), t("c", CODE)];
    const out = att([section(runs)]).text;
    expect(out).toBe("**b** _i_ ~~s~~ `c`");
    expect(html(out)).toBe("<p><strong>b</strong> <em>i</em> <del>s</del> <code>c</code></p>");
  });

  it("merges adjacent runs of one style and keeps adjacent different styles apart", () => {
    expect(text([section([t("a", BOLD), t("b", BOLD)])])).toBe("*ab*");
    expect(text([section([t("Deploy", BOLD), t(" "), t("failed", BOLD)])])).toBe("*Deploy failed*");
    const mixed = text([section([t("a", BOLD), t("b", ITALIC), t("c", { ...BOLD, ...ITALIC }), t("d")])]);
    const { kinds, plain: shown } = ast(mixed);
    expect(count(kinds, "BOLD")).toBe(2);
    expect(count(kinds, "ITALIC")).toBe(2);
    expect(shown.join("").replaceAll("\u200b", "")).toBe("abcd");
    const italicAfterWord = text([section([t("x"), t("y", ITALIC), t("z")])]);
    expect(count(ast(italicAfterWord).kinds, "ITALIC")).toBe(1);
    expect(html(att([section([t("a", BOLD), t("b", { ...BOLD, ...ITALIC })])]).text)).toContain("<strong>a");
  });

  it("moves spaces at the edges of a styled run outside its markers", () => {
    const runs = [t("a"), t(" bold ", BOLD), t("b")];
    expect(text([section(runs)])).toBe("a *bold* b");
    expect(html(att([section(runs)]).text)).toBe("<p>a <strong>bold</strong> b</p>");
  });

  it("keeps markers inside styled text literal, with no backslash left visible", () => {
    const { kinds, plain: shown } = ast(text([section([t("5*3 = x_y ~z `q`", BOLD)])]));
    expect(kinds).toContain("BOLD");
    expect(kinds).not.toContain("ITALIC");
    expect(shown.join("")).toBe("5*3 = x_y ~z `q`");
    expect(html(att([section([t("5*3", BOLD)])]).text)).toBe("<p><strong>5*3</strong></p>");
  });

  it("escapes literal text so Rocket.Chat shows it as typed", () => {
    const typed = "*not bold* and _not italic_ `nor code` [x](https://a.example)";
    const { kinds, plain: shown } = ast(text([section([t(typed)])]));
    expect(kinds).not.toContain("BOLD");
    expect(kinds).not.toContain("ITALIC");
    expect(kinds).not.toContain("INLINE_CODE");
    expect(shown.join("").replaceAll("\u2060", "")).toBe(typed);
  });

  it("does not turn typed @names and #channels into mentions, but keeps URLs and emoji whole", () => {
    const out = text([section([t("@bob see #ops at https://grafana.com/a_b_c_. :white_check_mark:")])]);
    const { kinds } = ast(out);
    expect(kinds).not.toContain("MENTION_USER");
    expect(kinds).not.toContain("MENTION_CHANNEL");
    expect(kinds).toContain("LINK");
    expect(kinds).toContain("EMOJI");
    expect(out).toContain("https://grafana.com/a_b_c\\_.");
  });

  it("renders each inline element", () => {
    const one = (el: unknown) => text([section([el])]);
    const url = "https://x.example/p";
    expect(one({ type: "link", url, text: "label" })).toBe(`[label](${url})`);
    expect(one({ type: "link", url })).toBe(url);
    expect(one({ type: "link", url, text: "bold link", style: BOLD })).toBe(`*[bold link](${url})*`);
    expect(one({ type: "link", url: "javascript:alert(1)", text: "bad" })).toBe("bad");
    expect(one({ type: "link", url: "mailto:a@b.example", text: "mail" })).toBe("[mail](mailto:a@b.example)");
    expect(one({ type: "user", user_id: "U0123ABCD" })).toBe("@alice");
    expect(one({ type: "user", user_id: "U999" })).toBe("@U999");
    expect(one({ type: "user", user_id: "constructor" })).toBe("@constructor");
    expect(one({ type: "user" })).toBe("");
    expect(one({ type: "channel", channel_id: "C0123ABCD" })).toBe("#general");
    expect(one({ type: "channel", channel_id: "C999" })).toBe("#C999");
    expect(one({ type: "usergroup", usergroup_id: "S0123" })).toBe("@S0123");
    expect(one({ type: "team", team_id: "T0123" })).toBe("T0123");
    expect(one({ type: "broadcast", range: "here" })).toBe("@here");
    expect(one({ type: "broadcast", range: "channel" })).toBe("@all");
    expect(one({ type: "broadcast", range: "everyone" })).toBe("@all");
    expect(one({ type: "broadcast", range: "nope" })).toBe("");
    expect(one({ type: "emoji", name: "wave", skin_tone: 3 })).toBe(emojiFromParts("wave", 3));
    expect(one({ type: "emoji", unicode: "1f44b" })).toBe("👋");
    expect(one({ type: "emoji", unicode: "zz" })).toBe("");
    expect(one({ type: "color", value: "#ff0000" })).toBe("`#ff0000`");
    expect(one({ type: "mystery", text: "x" })).toBe("");
    // Ids and names are written as markup only when they look like what Slack sends.
    expect(ast(one({ type: "user", user_id: "x *b* y" })).kinds).not.toContain("BOLD");
    expect(one({ type: "emoji", name: "x* *y" })).toBe("");
    expect(one({ type: "link", url: "https://x.example/p", text: "two\nlines" })).toBe(`[two lines](${url})`);
    expect(one(null)).toBe("");
  });

  it("formats dates, falls back to their fallback, and links them", () => {
    const one = (el: Block) => text([section([{ type: "date", ...el }])]);
    const formatted = formatSlackDate(1700000000, "{date_num}", "UTC", ctx.now());
    expect(formatted).toBeTruthy();
    expect(one({ timestamp: 1700000000, format: "{date_num}", fallback: "fb" })).toBe(formatted);
    expect(one({ timestamp: "soon", format: "{date_num}", fallback: "fallback text" })).toBe("fallback text");
    expect(one({ timestamp: "", format: "{date_num}", fallback: "no time" })).toBe("no time");
    expect(one({ timestamp: "1700000000", format: "{date_num}" })).toBe(formatted);
    const linked = one({ timestamp: 1700000000, format: "{date_num}", url: "https://x.example/e" });
    expect(linked).toBe(`[${formatted}](https://x.example/e)`);
    expect(one({})).toBe("");
  });

  it("renders bullet and ordered lists Rocket.Chat parses, nested levels indented", () => {
    const bullets = text([
      rich(
        list("bullet", [item("one")], { indent: 0 }),
        list("bullet", [item("nested")], { indent: 1 }),
        list("bullet", [item("deeper")], { indent: 2 }),
        list("bullet", [item("two")], { indent: 0, offset: 1 }),
      ),
    ]);
    expect(bullets).toBe(`- one\n${NBSP.repeat(4)}◦ nested\n${NBSP.repeat(8)}▪ deeper\n- two`);
    expect(count(ast(bullets).kinds, "UNORDERED_LIST")).toBe(2);

    const ordered = text([
      rich(
        list("ordered", [item("a"), item("b")]),
        list("ordered", [item("x"), item("y")], { indent: 1 }),
        list("ordered", [item("p")], { indent: 2 }),
        list("ordered", [item("c")], { offset: 2 }),
      ),
    ]);
    const pad = NBSP.repeat(4);
    expect(ordered).toBe(`1. a\n2. b\n${pad}a. x\n${pad}b. y\n${pad}${pad}i. p\n3. c`);
    const numbers: number[] = [];
    type List = { type: string; value: { number?: number }[] };
    for (const node of parse(ordered) as unknown as List[]) {
      if (node.type === "ORDERED_LIST") numbers.push(...node.value.map((i) => i.number ?? 0));
    }
    expect(numbers).toEqual([1, 2, 3]);
  });

  it("clamps list indent and offset, and skips junk items", () => {
    const deep = list("bullet", [null, item("deep")], { indent: 99 });
    expect(text([rich(deep)])).toBe(`${NBSP.repeat(32)}▪ deep`);
    const odd = list("ordered", [{ elements: [t("a")] }], { indent: -3, offset: "x" });
    expect(text([rich(odd)])).toBe("1. a");
    expect(text([rich({ type: "rich_text_list", elements: "none" })])).toBe("");
  });

  it("keeps preformatted text verbatim in a fence that cannot end early", () => {
    const out = text([rich({ type: "rich_text_preformatted", elements: [t("a *b* <c>\n```\nd ```")] })]);
    expect(out).toBe("```\na *b* <c>\n``\u200b`\nd ``\u200b`\n```");
    const { kinds } = ast(out);
    expect(count(kinds, "CODE")).toBe(1);
    expect(kinds).not.toContain("BOLD");
    expect(text([rich({ type: "rich_text_preformatted", elements: [] })])).toBe("");
  });

  it("quotes every line", () => {
    const out = text([rich({ type: "rich_text_quote", elements: [t("first\nsecond "), t("bold", BOLD)] })]);
    expect(out).toBe("> first\n> second *bold*");
    const { kinds } = ast(out);
    expect(kinds[0]).toBe("QUOTE");
    expect(kinds).toContain("BOLD");
  });

  it("writes lists and quotes for attachments too", () => {
    const quote = { type: "rich_text_quote", elements: [t("q")] };
    const out = att([rich(list("bullet", [item("a", BOLD), item("b", BOLD)]), quote)]).text;
    expect(out).toBe("- **a**\n- **b**\n> q");
    expect(html(out)).toContain("<li><strong>a</strong></li>");
  });

  it("leaves no `*` or `<` as literal text where markup was meant", () => {
    const link = { type: "link", url: "https://ci.example/42?a=1&b=2", text: "logs <tail>", style: ITALIC };
    const runs = [t("Build ", BOLD), t("42", { ...BOLD, ...CODE }), t(" "), link, t(" done", STRIKE)];
    const out = text([section(runs)]);
    const { kinds, plain: shown } = ast(out);
    for (const kind of ["BOLD", "INLINE_CODE", "ITALIC", "LINK", "STRIKE"]) expect(kinds).toContain(kind);
    expect(shown.join("")).not.toContain("*");
    expect(shown.filter((p) => p.includes("<"))).toEqual(["logs <tail>"]);
  });
});

describe("markdown block", () => {
  it("is standard Markdown converted for the target", () => {
    const md = "**Bold** and [link](https://x.example)\n\n- item";
    expect(text([{ type: "markdown", text: md }])).toBe(markdownToRocketChat(md, ctx, "message").trim());
    expect(att([{ type: "markdown", text: md }]).text).toBe(markdownToRocketChat(md, ctx, "attachment").trim());
    expect(text([{ type: "markdown" }, { type: "markdown", text: null }])).toBe("");
  });
});

describe("table", () => {
  const raw = (s: string) => ({ type: "raw_text", text: s });
  const table = {
    type: "table",
    column_settings: [null, { align: "right" }],
    rows: [
      [raw("Service"), raw("Latency")],
      [section([t("api", BOLD)]), raw("12 ms")],
      [raw("a|b"), raw("")],
      [raw("short")],
    ],
  };

  it("is a GFM table in message text on Rocket.Chat 8.7+", () => {
    const out = text([table]);
    expect(out).toBe("| Service | Latency |\n| --- | ---: |\n| *api* | 12 ms |\n| a\\|b |   |\n| short |   |");
    const root = parse(out)[0] as unknown as { type: string; value: { header: unknown[]; rows: unknown[] } };
    expect(root.type).toBe("TABLE");
    expect(root.value.header).toHaveLength(2);
    expect(root.value.rows).toHaveLength(3);
  });

  it("is an aligned monospace block before 8.7 and in attachments", () => {
    const out = text([table], oldServer);
    expect(out).toBe("```\nService | Latency\n--------+--------\napi     |   12 ms\na|b     |\nshort   |\n```");
    expect(att([table]).text).toBe(out);
    expect(ast(out).kinds[0]).toBe("CODE");
  });

  it("lines up wide characters by display width", () => {
    const wide = {
      type: "table",
      rows: [
        [raw("東京タワー"), raw("x")],
        [raw("Paris"), raw("y")],
      ],
    };
    expect(text([wide], oldServer)).toBe("```\n東京タワー | x\n-----------+--\nParis      | y\n```");
  });

  it("skips tables without rows", () => {
    expect(text([{ type: "table" }, { type: "table", rows: [] }, { type: "table", rows: [[], null] }])).toBe("");
  });
});

describe("file and video", () => {
  it("names a remote file, or skips it when nothing names it", () => {
    expect(text([{ type: "file", external_id: "ABCD1", source: "remote" }])).toBe("📎 ABCD1");
    expect(text([{ type: "file", source: "remote" }])).toBe("");
  });

  it("links a video by its title, adds its description and its thumbnail", () => {
    const video = {
      type: "video",
      title: plain("How to deploy"),
      title_url: "https://videos.example/watch/1",
      video_url: "https://videos.example/embed/1",
      alt_text: "deploy video",
      thumbnail_url: "https://videos.example/thumb/1.png",
      description: plain("Five minutes."),
    };
    expect(msg([video])).toEqual({
      text: "▶ [How to deploy](https://videos.example/watch/1)\nFive minutes.",
      attachments: [{ image_url: "https://videos.example/thumb/1.png" }],
    });
    expect(text([{ type: "video", video_url: "null", thumbnail_url: "null", alt_text: "clip" }])).toBe("▶ clip");
    expect(msg([{ type: "video" }])).toEqual({ text: "", attachments: [] });
  });
});

describe("real payloads", () => {
  it("renders Zulip's complicated.json (Block Kit Builder TaskBot) sensibly", () => {
    const out = msg([
      { type: "header", text: plain("Hello from TaskBot", { emoji: true }) },
      { type: "section", text: mrkdwn("*1️⃣ Use the `/task` command*. Type `/task`.") },
      { type: "image", title: plain("image1"), image_url: "https://api.slack.com/img/x.jpg", alt_text: "image1" },
      { type: "section", text: mrkdwn("➕ *add me*"), accessory: { type: "conversations_select" } },
      { type: "input", element: { type: "plain_text_input" }, label: plain("Try") },
      { type: "divider" },
      {
        type: "context",
        elements: [
          { type: "image", image_url: "https://x.example/cat.jpg", alt_text: "cute cat" },
          mrkdwn("👀 View all tasks with `/task list`"),
        ],
      },
    ]);
    expect(out.text).toBe(
      "*Hello from TaskBot*\n\n*1️⃣ Use the `/task` command*. Type `/task`.\n\n➕ *add me*\n\n---\n\n" +
        "cute cat  👀 View all tasks with `/task list`",
    );
    expect(out.attachments).toEqual([{ title: "image1", image_url: "https://api.slack.com/img/x.jpg" }]);
  });

  it("renders attachment blocks from Zulip's attachment_blocks.json for marked", () => {
    const out = att([
      {
        type: "section",
        text: mrkdwn("This is a section block with an accessory image."),
        accessory: { type: "image", image_url: "https://x.example/cat.jpg", alt_text: "cute cat" },
      },
      {
        type: "section",
        text: mrkdwn("This is a section block with a button."),
        accessory: { type: "button", text: plain("Click Me", { emoji: true }), value: "click_me_123" },
      },
      { type: "section", fields: ["one", "two", "three", "four", "five"].map((s) => plain(s)) },
    ]);
    expect(out.text).toBe(
      "This is a section block with an accessory image.\n[cute cat](https://x.example/cat.jpg)\n\n" +
        "This is a section block with a button.\n\n" +
        "one \u2003·\u2003 two\nthree \u2003·\u2003 four\nfive",
    );
    expect(out.attachments).toEqual([]);
  });
});
