import { parse } from "@rocket.chat/message-parser";
import fc from "fast-check";
import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { repeatTo } from "../../test/support/adversarial.ts";
import { defaultTranslateContext } from "../model/context.ts";
import type { TranslateContext } from "../model/context.ts";
import { escapeUnclosable, markdownToRocketChat } from "./to-rocketchat.ts";

const ctx: TranslateContext = { ...defaultTranslateContext, tables: true };
const oldRc: TranslateContext = { ...defaultTranslateContext, tables: false };
const msg = (md: string, c: TranslateContext = ctx): string => markdownToRocketChat(md, c, "message");
const att = (md: string): string => markdownToRocketChat(md, ctx, "attachment");

const NBSP = "\u00A0";
const ZWSP = "\u200B";

// ───────────── helpers: read Rocket.Chat's AST the way its renderer would ─────────────

interface Node {
  type: string;
  value?: unknown;
  [key: string]: unknown;
}

/** Every node kind in the parsed message, depth first (link labels included). */
function kinds(text: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    out.push(n.type);
    if (n.type === "LINK" || n.type === "IMAGE") walk((n.value as { label: unknown }).label);
    else if (n.type === "TABLE") {
      const t = n.value as { header: unknown; rows: unknown };
      walk(t.header);
      walk(t.rows);
    } else walk(n.value);
  };
  walk(parse(text));
  return out;
}

/** The text a reader sees (markup removed, code and link labels kept, no zero-width spaces). */
function visible(text: string): string {
  const walk = (node: unknown): string => {
    if (Array.isArray(node)) return node.map(walk).join("");
    if (!node || typeof node !== "object") return "";
    const n = node as Node;
    switch (n.type) {
      case "PLAIN_TEXT":
        return String(n.value);
      case "MENTION_CHANNEL":
        return `#${(n.value as Node).value}`;
      case "MENTION_USER":
        return `@${(n.value as Node).value}`;
      case "INLINE_CODE":
        return String((n.value as Node).value);
      case "LINK":
        return walk((n.value as { label: unknown }).label);
      case "PARAGRAPH":
        return `${walk(n.value)}\n`;
      case "LINE_BREAK":
        return "\n";
      default:
        return walk(n.value);
    }
  };
  return walk(parse(text)).replaceAll(ZWSP, "").trim();
}

const find = (text: string, type: string): Node[] => {
  const out: Node[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.type === type) out.push(n);
    walk(n.value);
  };
  walk(parse(text));
  return out;
};

/** Attachment text as Rocket.Chat's web client renders it: HTML-escaped, then marked (GFM). */
function rcAttachmentHtml(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return marked.parse(escaped, { gfm: true, async: false });
}

// ───────────────────────────── message target ─────────────────────────────

describe("markdownToRocketChat: emphasis (message)", () => {
  it("writes bold as RC's *b* (its __x__ would be italic)", () => {
    expect(msg("**bold** and __bold__")).toBe("*bold* and *bold*");
    expect(kinds(msg("**bold** and __bold__")).filter((k) => k === "BOLD")).toHaveLength(2);
  });

  it("writes italic as _i_ and strike as ~s~", () => {
    expect(msg("*it* _it_ ~~gone~~")).toBe("_it_ _it_ ~gone~");
    expect(kinds(msg("*it* _it_ ~~gone~~"))).toEqual([
      "PARAGRAPH",
      "ITALIC",
      "PLAIN_TEXT",
      "PLAIN_TEXT",
      "ITALIC",
      "PLAIN_TEXT",
      "PLAIN_TEXT",
      "STRIKE",
      "PLAIN_TEXT",
    ]);
  });

  it("nests bold and italic the way RC parses them", () => {
    expect(msg("***both***")).toBe("_*both*_");
    expect(kinds(msg("***both***"))).toEqual(["PARAGRAPH", "ITALIC", "BOLD", "PLAIN_TEXT"]);
    expect(kinds(msg("~~a **b** c~~"))).toContain("BOLD");
  });

  it("keeps an italic glued to a word italic with a zero-width space", () => {
    const out = msg("x *y*z and 5*3*2");
    expect(out).toBe(`x _y_${ZWSP}z and 5${ZWSP}_3_${ZWSP}2`);
    expect(find(out, "ITALIC")).toHaveLength(2);
  });

  it("wraps every line of a multi-line emphasis (RC emphasis cannot span lines)", () => {
    expect(msg("**one\ntwo**")).toBe("*one*\n*two*");
    expect(find(msg("**one\ntwo**"), "BOLD")).toHaveLength(2);
  });

  it("closes the emphasis around a literal delimiter inside it", () => {
    const out = msg("**a\\*b**");
    expect(out).toBe("*a*\\**b*");
    expect(visible(out)).toBe("a*b");
    expect(find(out, "BOLD")).toHaveLength(2);
  });

  it("keeps RC from reading a bold asterisk as part of an emoticon or a URL scheme", () => {
    // `*)`, `=*` and `:*` are emoticons to RC; `Status:*x*` starts like a URL
    for (const md of ["(**note**)", "a=**b**", "Status:**OK**", "**smile:**)"]) {
      expect(find(msg(md), "BOLD"), md).toHaveLength(1);
      expect(kinds(msg(md)), md).not.toContain("EMOJI");
    }
    expect(find(msg("Note:[docs](https://example.com)"), "LINK")).toHaveLength(1);
  });

  it("keeps mentions whole inside emphasis", () => {
    const out = msg("**@john_doe** and *see #dev_ops now*");
    expect(find(out, "MENTION_USER").map((m) => (m.value as Node).value)).toEqual(["john_doe"]);
    expect(find(out, "MENTION_CHANNEL").map((m) => (m.value as Node).value)).toEqual(["dev_ops"]);
    expect(find(out, "BOLD")).toHaveLength(1);
    expect(find(out, "ITALIC")).toHaveLength(1);
  });

  it("closes the emphasis around code or a link glued to a word inside it", () => {
    const out = msg("**run`npm i`now**");
    expect(kinds(out)).toContain("INLINE_CODE");
    expect(visible(out)).toBe("runnpm inow");
    // after a space RC finds code inside bold itself
    expect(msg("**run `npm i`**")).toBe("*run `npm i`*");
  });
});

describe("markdownToRocketChat: escaping literal text (message)", () => {
  it("escapes literal asterisks so RC does not bold them", () => {
    const out = msg("5\\*3\\*2 and 2 * 3 * 4");
    expect(out).toBe("5\\*3\\*2 and 2 \\* 3 \\* 4");
    expect(kinds(out)).toEqual(["PARAGRAPH", "PLAIN_TEXT"]);
    expect(visible(out)).toBe("5*3*2 and 2 * 3 * 4");
  });

  it("leaves snake_case alone but escapes underscores that could open italic", () => {
    expect(msg("snake_case and my_var.x_y")).toBe("snake_case and my_var.x_y");
    expect(msg("\\_private\\_")).toBe("\\_private\\_");
    expect(visible(msg("x-ab\\_cd\\_"))).toBe("x-ab_cd_");
    expect(kinds(msg("x-ab\\_cd\\_"))).not.toContain("ITALIC");
  });

  it("escapes tildes and backticks", () => {
    const out = msg("a \\~b\\~ and \\`c\\`");
    expect(kinds(out)).toEqual(["PARAGRAPH", "PLAIN_TEXT"]);
    expect(visible(out)).toBe("a ~b~ and `c`");
  });

  it("protects line starts RC would read as blocks", () => {
    const out = msg("\\# heading\n\\- list\n2\\. ordered\n\\> quote\n\\| table");
    expect(out).toBe(`\\# heading\n${ZWSP}- list\n2\\. ordered\n${ZWSP}> quote\n${ZWSP}| table`);
    expect(new Set(kinds(out))).toEqual(new Set(["PARAGRAPH", "PLAIN_TEXT"]));
  });

  it("keeps spoilers, literal links and literal backslashes literal", () => {
    expect(kinds(msg("a || b || c"))).not.toContain("SPOILER");
    // (marked autolinks the URL itself; RC must not see a `[x](…)` link)
    expect(visible(msg("\\[x](https://example.com)"))).toBe("[x](https://example.com)");
    expect(visible(msg("C:\\\\dir\\\\*file*"))).toBe("C:\\dir\\file");
    expect(find(msg("C:\\\\dir\\\\*file*"), "ITALIC")).toHaveLength(1);
  });

  it("leaves mentions, channels and emoji for RC to recognise", () => {
    const out = msg("@john_doe see #dev_ops :white_check_mark:");
    expect(out).toBe("@john_doe see #dev_ops :white_check_mark:");
    expect(kinds(out)).toEqual(expect.arrayContaining(["MENTION_USER", "MENTION_CHANNEL", "EMOJI"]));
  });

  it("decodes character references", () => {
    expect(msg("a &amp; b &lt;c&gt; &copy; &#65; &bogus;")).toBe("a & b <c> © A &bogus;");
  });
});

describe("markdownToRocketChat: blocks (message)", () => {
  it("keeps h1–h4 and turns h5/h6 into a bold line", () => {
    const out = msg("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six");
    expect(out).toBe("# One\n\n## Two\n\n### Three\n\n#### Four\n\n*Five*\n\n*Six*");
    expect(find(out, "HEADING").map((h) => h.level)).toEqual([1, 2, 3, 4]);
    expect(find(out, "BOLD")).toHaveLength(2);
  });

  it("writes bullets as `- ` and keeps ordered numbering", () => {
    expect(msg("* a\n* b")).toBe("- a\n- b");
    expect(kinds(msg("+ a\n+ b"))[0]).toBe("UNORDERED_LIST");
    const ordered = msg("3. three\n4. four");
    expect(ordered).toBe("3. three\n4. four");
    expect(find(ordered, "LIST_ITEM").map((i) => i.number)).toEqual([3, 4]);
    expect(msg("1) a\n2) b")).toBe("1. a\n2. b");
  });

  it("flattens nested items with non-breaking spaces and ◦ (RC lists cannot nest)", () => {
    const out = msg("- a\n  - b\n    1. c\n- d");
    expect(out).toBe(`- a\n${NBSP.repeat(4)}◦ b\n${NBSP.repeat(8)}1. c\n- d`);
    expect(kinds(out).filter((k) => k === "UNORDERED_LIST")).toHaveLength(2);
    expect(visible(out)).toContain("◦ b");
  });

  it("writes task lists as RC tasks", () => {
    const out = msg("- [ ] todo\n- [x] done\n  - [x] nested");
    expect(out).toBe(`- [ ] todo\n- [x] done\n${NBSP.repeat(4)}☑ nested`);
    expect(find(out, "TASK").map((t) => t.status)).toEqual([false, true]);
  });

  it("writes a GFM table for RC 8.7+", () => {
    const out = msg("| a | b |\n|:--|--:|\n| *1* | `2` |");
    expect(out).toBe("| a | b |\n| :--- | ---: |\n| _1_ | `2` |");
    expect(kinds(out)).toEqual(expect.arrayContaining(["TABLE", "ITALIC", "INLINE_CODE"]));
  });

  it("writes an aligned monospace block for older RC", () => {
    const out = msg("| name | n |\n|:-|-:|\n| **alpha** | 1 |\n| b | 22 |", oldRc);
    expect(out).toBe("```\nname  |  n\n------+---\nalpha |  1\nb     | 22\n```");
    expect(kinds(out)[0]).toBe("CODE");
  });

  it("fences code with its language, and keeps inline code", () => {
    const out = msg("```js\nconst a = `x`;\n```\n\nuse `npm i` now");
    expect(out).toBe("```js\nconst a = `x`;\n```\n\nuse `npm i` now");
    const code = find(out, "CODE")[0]!;
    expect(code.language).toBe("js");
    expect(kinds(out)).toContain("INLINE_CODE");
    expect(msg("    indented\n    code")).toBe("```\nindented\ncode\n```");
  });

  it("keeps code blocks whole in RC", () => {
    expect(find(msg("```c++\nint x;\n```"), "CODE")[0]?.language).toBe("cpp");
    // three backticks anywhere in a line would end RC's block
    const out = msg("```\na ``` b\n```");
    expect(kinds(out)[0]).toBe("CODE");
    expect(find(out, "CODE_LINE")).toHaveLength(1);
    expect(kinds(msg("```\n```"))[0]).toBe("CODE");
  });

  it("writes quotes as `> ` lines, everything inside as paragraphs", () => {
    const out = msg("> quote **b**\n> more\n>\n> - item\n> ```\n> code\n> ```");
    expect(out).toBe("> quote *b*\n> more\n>\n> • item\n>\n> `code`");
    expect(kinds(out)[0]).toBe("QUOTE");
    expect(kinds(out)).toEqual(expect.arrayContaining(["BOLD", "INLINE_CODE"]));
  });

  it("keeps links, turns autolinks into bare URLs and drops unusable targets", () => {
    const out = msg(
      "[**Rocket**](https://rocket.chat/a_(b)) <https://example.com/x> [rel](/docs) [x](javascript:alert(1))",
    );
    expect(out).toBe("[*Rocket*](https://rocket.chat/a_(b)) https://example.com/x rel x");
    const link = find(out, "LINK")[0]!;
    expect((link.value as { src: Node }).src.value).toBe("https://rocket.chat/a_(b)");
    expect(msg("[a](<https://x.example/a b>)")).toBe("[a](https://x.example/a%20b)");
  });

  it("writes images as ![alt](url)", () => {
    const out = msg("![the logo](https://example.com/logo.png)");
    expect(out).toBe("![the logo](https://example.com/logo.png)");
    expect(kinds(out)).toContain("IMAGE");
  });

  it("turns <br> and hard breaks into new lines", () => {
    expect(msg("a<br>b<br/>c  \nd\\\ne")).toBe("a\nb\nc\nd\ne");
  });

  it("shows HTML as text", () => {
    const out = msg("<div>*x*</div>\n\nsome <b>bold</b>");
    expect(out).toBe("<div>\\*x\\*</div>\n\nsome <b>bold</b>");
    expect(visible(out)).toBe("<div>*x*</div>\n\nsome <b>bold</b>");
  });

  it("writes a rule as --- on RC 8.7+ and as a line of dashes before", () => {
    expect(msg("a\n\n***\n\nb")).toBe("a\n\n---\n\nb");
    expect(kinds(msg("a\n\n***\n\nb"))).toContain("HORIZONTAL_RULE");
    expect(msg("a\n\n---\n\nb", oldRc)).toBe("a\n\n———\n\nb");
  });

  it("separates paragraphs with a blank line and keeps single newlines", () => {
    expect(msg("one\ntwo\n\n\n\nthree")).toBe("one\ntwo\n\nthree");
  });
});

// ───────────────────────────── attachment target ─────────────────────────────

describe("markdownToRocketChat: attachment target", () => {
  it("writes bold as **b** (marked reads *b* as italic) and italic as _i_", () => {
    expect(att("**b** *i* ~~s~~ `c`")).toBe("**b** _i_ ~~s~~ `c`");
    expect(rcAttachmentHtml(att("**b** *i* ~~s~~"))).toBe("<p><strong>b</strong> <em>i</em> <del>s</del></p>\n");
  });

  it("writes images as links and keeps links", () => {
    expect(att("![alt](https://x.example/i.png) [l](https://x.example)")).toBe(
      "[alt](https://x.example/i.png) [l](https://x.example)",
    );
  });

  it("keeps line breaks, which marked would otherwise join", () => {
    expect(att("one\ntwo")).toBe("one\\\ntwo");
    expect(rcAttachmentHtml(att("one\ntwo"))).toBe("<p>one<br>two</p>\n");
  });

  it("writes quotes as literal > lines (the client does not render quotes)", () => {
    expect(att("> a\n> b")).toBe("> a\\\n> b");
    expect(rcAttachmentHtml(att("> a\n> b"))).toBe("<p>&gt; a<br>&gt; b</p>\n");
  });

  it("keeps nested lists nested (marked can)", () => {
    const out = att("- a\n  - b\n- [x] c");
    expect(out).toBe("- a\n  - b\n- [x] c");
    expect(rcAttachmentHtml(out)).toMatch(/<li>a<ul>\s*<li>b<\/li>/);
  });

  it("escapes literal markup for marked", () => {
    const out = att("1\\. y 5\\*3\\*2 \\[x\\]");
    expect(out).toBe("1\\. y 5\\*3\\*2 \\[x\\]");
    expect(rcAttachmentHtml(out)).toBe("<p>1. y 5*3*2 [x]</p>\n");
  });

  it("writes tables and rules for marked", () => {
    expect(att("| a |\n|---|\n| **1** |")).toBe("| a |\n| --- |\n| **1** |");
    expect(att("---")).toBe("---");
  });
});

// ───────────────────────────── robustness ─────────────────────────────

/** Markdown source for a literal text: every ASCII punctuation character backslash-escaped. */
const literalSource = (text: string): string => text.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);

describe("markdownToRocketChat: properties", () => {
  it("never throws and always returns a string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.boolean(), fc.boolean(), (s, t, a) => {
        const out = markdownToRocketChat(s, { ...ctx, tables: t }, a ? "attachment" : "message");
        expect(typeof out).toBe("string");
      }),
      { numRuns: 1000 },
    );
    const pieces = ["*", "_", "~", "`", "[", "]", "(", ")", "!", "<", ">", "#", "-", "|", "\\", "\n"];
    const markdownish = fc
      .array(fc.constantFrom(...pieces, " ", "a", "1.", "http://x.y", "&amp;", "```"), { maxLength: 60 })
      .map((a) => a.join(""));
    fc.assert(
      fc.property(markdownish, (s) => {
        expect(typeof msg(s)).toBe("string");
        expect(typeof att(s)).toBe("string");
      }),
      { numRuns: 2000 },
    );
  });

  it("shows literal text as written, with no markup, also inside emphasis", () => {
    // Words RC takes for host names (`a.b*`) are left out: RC ignores escapes there.
    const alphabet = [..."*_~`\\|[]()#>-.+ 1a!b2é'/="];
    const text = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 14 })
      .map((a) => a.join(""))
      .filter((t) => t.trim() !== "" && !/\S\.\S/.test(t) && !t.startsWith("    "));
    const wrappers = [
      ["", "", ""],
      ["**", "**", "BOLD"],
      ["_", "_", "ITALIC"],
      ["~~", "~~", "STRIKE"],
    ] as const;
    for (const [open, close, kind] of wrappers) {
      fc.assert(
        fc.property(text, (t) => {
          if (kind !== "" && t.trim() !== t) return;
          const out = msg(open + literalSource(t) + close);
          const allowed = new Set(["PARAGRAPH", "PLAIN_TEXT", "MENTION_CHANNEL"]);
          if (kind !== "") allowed.add(kind);
          expect(kinds(out).filter((k) => !allowed.has(k))).toEqual([]);
          expect(visible(out)).toBe(t.trim());
        }),
        { numRuns: 1500 },
      );
    }
  });

  it("shows Markdown over 64 KiB as literal text instead of parsing it", () => {
    const out = msg("**b** ".repeat(12_000));
    expect(out.startsWith("\\*\\*b\\*\\* \\*\\*b\\*\\*")).toBe(true);
    expect(out.match(/b/g)).toHaveLength(12_000);
  });

  it("escapes emphasis delimiters that nothing after them could close (over-budget runs)", () => {
    // `**` after `_` and before a letter cannot close: every `**` of `**a_` repeated is literal.
    expect(escapeUnclosable("**a_**a_**a_")).toBe("\\*\\*a_\\*\\*a_\\*\\*a_");
    expect(escapeUnclosable("__a*__a*")).toBe("\\_\\_a*\\_\\_a*");
    // Delimiters with a possible closer after them, and closers, are left to marked.
    for (const kept of [
      "**a** *b* _c_ ~~d~~",
      "*a*a*a",
      "a* b*",
      "x **y z** a",
      "* item",
      "***",
      "snake_case",
      "\\a**b",
    ]) {
      expect(escapeUnclosable(kept)).toBe(kept);
    }
    // Never inside code spans, URLs or autolinks, where a backslash would show.
    expect(escapeUnclosable("`**a_` **b ``c**`` **d")).toBe("`**a_` \\*\\*b ``c**`` \\*\\*d");
    expect(escapeUnclosable("see http://x.y/**a_ and <https://x.y/**b> **c")).toBe(
      "see http://x.y/**a_ and <https://x.y/**b> \\*\\*c",
    );
    expect(escapeUnclosable("`a **b")).toBe("`a \\*\\*b"); // an unclosed backtick is literal
  });

  it("escaping unclosable delimiters changes nothing marked would have read", () => {
    // Same Rocket.Chat text with and without the escapes: they only mark what was literal.
    const pieces = ["*", "**", "_", "__", "~", "`", "[", "]", "(", ")", "!", "<", ">", "\\", ":", "/", "#"];
    const words = [" ", "a", "b1", "é", ".", "http://x.y/", "www.a.b", "<http://x.y/*_>", "`**`", "@u"];
    const inline = fc
      .array(fc.constantFrom(...pieces, ...words), { minLength: 1, maxLength: 40 })
      .map((a) => a.join("").trimStart());
    fc.assert(
      fc.property(inline, (s) => {
        expect(msg(escapeUnclosable(s))).toBe(msg(s));
        expect(att(escapeUnclosable(s))).toBe(att(s));
      }),
      { numRuns: 3000 },
    );
  });

  it("shows the pathological emphasis runs literally, and long normal Markdown as before", () => {
    // 25,000 characters of `**a_`: all literal (every `*` escaped for RC), every `a` kept.
    const out = msg(repeatTo("**a_", 25_000));
    // The output repeats `\*\*a\_`; Rocket.Chat's parser is read on a prefix of it (it takes
    // some 10 s on the whole).
    expect(out.startsWith("\\*\\*a\\_".repeat(500))).toBe(true);
    expect(kinds(out.slice(0, 7 * 500)).filter((k) => k !== "PARAGRAPH" && k !== "PLAIN_TEXT")).toEqual([]);
    expect(out.match(/a/g)).toHaveLength(6_250);
    expect(out.match(/\\\*/g)).toHaveLength(12_500);
    // A long paragraph of ordinary emphasis over the budget keeps its emphasis.
    const normal = "some **bold** and _italic_ text, `code_x*`, snake_case and a * b; ".repeat(300);
    const rendered = msg(normal);
    expect(rendered.match(/\*bold\*/g)).toHaveLength(300);
    expect(rendered.match(/_italic_/g)).toHaveLength(300);
    expect(rendered.match(/`code_x\*`/g)).toHaveLength(300);
  });

  it("stops reading emphasis once a message's closer scans have used their budget", () => {
    // `**a_**` repeated: every `**` can open and none can close the count marked keeps, though a
    // closer exists (the last one), so each opener would scan to the end: quadratic. Past the
    // scan budget the delimiters are literal; what came before is read as usual.
    const hostile = `*first* ${repeatTo("**a_**", 25_000)} *last*`;
    const out = msg(hostile);
    expect(out.startsWith("_first_ ")).toBe(true);
    expect(out.endsWith(" \\*last\\*")).toBe(true);
    expect(out.match(/a/g)).toHaveLength(hostile.match(/a/g)!.length);
    // Ordinary emphasis of the same length never comes near the budget: all of it is read.
    const normal = repeatTo("**bold** and _it_ ~~gone~~ ", 25_000);
    const rendered = msg(normal);
    expect(rendered.match(/\*bold\*/g)).toHaveLength(normal.match(/\*\*bold\*\*/g)!.length);
    expect(rendered.match(/_it_/g)).toHaveLength(normal.match(/_it_/g)!.length);
    expect(rendered.match(/~gone~/g)).toHaveLength(normal.match(/~~gone~~/g)!.length);
  });

  it("caps list nesting reached by indentation, not only by markers on one line", () => {
    const deep = Array.from({ length: 40 }, (_, i) => `${" ".repeat(2 * i)}- x${i}`).join("\n");
    const out = msg(deep);
    // Ten levels are lists (flattened with indentation); the rest is text of the tenth item.
    expect(out.split("\n").filter((l) => /^[\s\u00A0]*(?:-|◦|▪) x\d/.test(l))).toHaveLength(10);
    for (let i = 0; i < 40; i++) expect(out).toContain(`x${i}`);
    // Ten levels deep or less, and code fences, are as before.
    const ten = Array.from({ length: 10 }, (_, i) => `${" ".repeat(2 * i)}- y`).join("\n");
    expect(msg(ten)).not.toContain("\\-");
    const fenced = `\`\`\`\n${deep}\n\`\`\``;
    expect(msg(fenced)).toContain(`${" ".repeat(2 * 39)}- x39`);
  });

  // Linear: a quadratic pass would run past the test's timeout (see test/support/adversarial.ts);
  // the time itself is measured by `npm run bench:translate`.
  it("translates adversarial inputs just under the parse limit to bounded output", () => {
    const rep = (p: string): string => repeatTo(p, 60_000);
    const inputs = [
      rep("*"),
      rep("["),
      rep("_"),
      rep("`"),
      rep("<"),
      rep("!["),
      rep(">"),
      rep("- "),
      rep("> "),
      rep("*a"),
      rep("**a_"),
      rep("[a]("),
      rep("\\"),
      Array.from({ length: 300 }, (_, i) => `${" ".repeat(2 * i)}- x`).join("\n"),
    ];
    // Escaping at most doubles a character; markup alone may shrink to nothing but a rule.
    const bounded = (input: string, out: string) => {
      expect(out.length).toBeLessThanOrEqual(2 * input.length);
      expect(out.trim()).not.toBe("");
    };
    for (const input of inputs) bounded(input, msg(input));
    // the attachment target shares the lexing; a few suffice
    for (const input of inputs.slice(0, 4)) bounded(input, att(input));
    // Plain characters come through: every "a" of "*a" repeated, and every "x" of the deep list.
    expect(msg(rep("*a")).match(/a/g)).toHaveLength(30_000);
    expect(msg(inputs.at(-1)!).match(/x/g)).toHaveLength(300);
  }, 60_000);
});
