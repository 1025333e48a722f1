import { parse } from "@rocket.chat/message-parser";
import { describe, expect, it } from "vitest";
import { adversarialCases, repeatTo } from "../../test/support/adversarial.ts";
import { defaultTranslateContext, type TranslateContext } from "../model/context.ts";
import { markdownLink, mrkdwnToRocketChat, slackTokensToMarkdown, type MrkdwnOptions } from "./mrkdwn.ts";

const ctx: TranslateContext = {
  ...defaultTranslateContext,
  users: { U024BE7LH: "alice" },
  channels: { C024BE7LR: "general" },
};
const msg = (text: string, opts: Partial<MrkdwnOptions> = {}) =>
  mrkdwnToRocketChat(text, ctx, { target: "message", ...opts });
const att = (text: string, opts: Partial<MrkdwnOptions> = {}) =>
  mrkdwnToRocketChat(text, ctx, { target: "attachment", ...opts });

/** The kinds of the message-parser AST, flattened in document order. */
function kinds(text: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const n = node as { type?: string; value?: unknown };
    if (n.type) out.push(n.type);
    if (typeof n.value === "object") walk(n.value);
  };
  walk(parse(text));
  return out;
}

describe("links", () => {
  it("turns <url|label> into a Markdown link and <url> into the bare URL", () => {
    expect(msg("see <https://example.com/a|the docs> now")).toBe("see [the docs](https://example.com/a) now");
    expect(msg("<https://example.com/a>")).toBe("https://example.com/a");
    expect(msg("<https://example.com/a|https://example.com/a>")).toBe("https://example.com/a");
  });

  it("keeps pipes after the first one in the label", () => {
    expect(msg("<https://foo.com|foo|oof>")).toBe("[foo|oof](https://foo.com)");
  });

  it("links mailto and tel", () => {
    expect(msg("<mailto:a@b.co|mail me>")).toBe("[mail me](mailto:a@b.co)");
    expect(kinds(msg("<mailto:a@b.co|mail me>"))).toContain("LINK");
  });

  it("decodes entities inside URLs and labels, escapes brackets and encodes parentheses", () => {
    expect(msg("<https://x.io/?a=1&amp;b=2|a &amp; b>")).toBe("[a & b](https://x.io/?a=1&b=2)");
    expect(markdownLink("a [b]", "https://x.io/a (1)", "attachment")).toBe("[a \\[b\\]](https://x.io/a%20%281%29)");
    // The message-parser shows a backslash before `]`, so brackets become parentheses there.
    expect(markdownLink("a [b]", "https://x.io/", "message")).toBe("[a (b)](https://x.io/)");
  });

  it("parses as a LINK in Rocket.Chat, also inside bold", () => {
    expect(kinds(msg("*<https://x.io|bold link>*"))).toContain("BOLD");
    expect(kinds(msg("*<https://x.io|bold link>*"))).toContain("LINK");
  });
});

describe("mentions and commands", () => {
  it("maps users and channels through the config, else the label, else the id", () => {
    expect(msg("hi <@U024BE7LH>")).toBe("hi @alice");
    expect(msg("hi <@U999|bob>")).toBe("hi @bob");
    expect(msg("hi <@U999>")).toBe("hi @U999");
    expect(msg("in <#C024BE7LR>")).toBe("in #general");
    expect(msg("in <#C999|random>")).toBe("in #random");
    expect(kinds(msg("hi <@U024BE7LH>"))).toContain("MENTION_USER");
    expect(kinds(msg("in <#C024BE7LR>"))).toContain("MENTION_CHANNEL");
  });

  it("reads Slack's old name form and applies any configured key (bugs found by real senders)", () => {
    expect(msg("hi <@alice> and <@alice|alice>")).toBe("hi @alice and @alice");
    expect(msg("hi <@bob.smith|Bob Smith>")).toBe("hi @bob.smith");
    expect(kinds(msg("hi <@alice>"))).toContain("MENTION_USER");
    const mm = { ...ctx, users: { "5fb5f7iw8tfrfcwssd1xmx3j7y": "carol" } };
    expect(mrkdwnToRocketChat("ping <@5fb5f7iw8tfrfcwssd1xmx3j7y>", mm, { target: "message" })).toBe("ping @carol");
    expect(kinds(msg("<@has space>"))).not.toContain("MENTION_USER");
  });

  it("maps broadcasts to Rocket.Chat's @here and @all", () => {
    expect(msg("<!here> and <!here|here>")).toBe("@here and @here");
    expect(msg("<!channel> <!everyone> <!group>")).toBe("@all @all @all");
  });

  it("shows user groups by handle and unknown commands by label", () => {
    expect(msg("<!subteam^SAZ94GDB8|@oncall> look")).toBe("@oncall look");
    expect(msg("<!foo|a label>")).toBe("a label");
  });

  it("renders a date token, or its fallback when malformed", () => {
    expect(msg("<!date^1392734382^{date_num}|Feb 18>")).toBe("2014-02-18");
    expect(msg("<!date^notanumber^{date_num}|Feb 18>")).toBe("Feb 18");
    expect(msg("<!date^1392734382^{date_num}^https://x.io/e|Feb 18>")).toBe("[2014-02-18](https://x.io/e)");
  });
});

describe("leniency", () => {
  it("keeps a <…> that is not a Slack token as text, and decodes only three entities", () => {
    expect(msg("DB down & <b> <3> &amp; &lt;i&gt; &quot;")).toBe("DB down & <b> <3> & <i> &quot;");
    expect(msg("<<https://x.io|x>>")).toBe("<[x](https://x.io)>");
    expect(msg("a <not a url|x> b")).toBe("a <not a url|x> b");
  });

  it("leaves code spans and fences alone, and puts fences on lines of their own", () => {
    expect(msg("run `a <b|c> *d*` now")).toBe("run `a <b|c> *d*` now");
    expect(msg("```if (a < b || c) {}```")).toBe("```\nif (a < b || c) {}\n```");
    expect(msg("before ```x &lt; y``` after")).toBe("before \n```\nx < y\n```\n after");
    expect(kinds(msg("see ```code``` here"))).toContain("CODE");
  });

  it("keeps unicode and emoji", () => {
    expect(msg("Füße 🎉 <https://x.io|日本>")).toBe("Füße 🎉 [日本](https://x.io)");
  });

  it("never lets input look like its own placeholders", () => {
    expect(msg("\uE0000\uE001 <https://x.io|y>")).toBe("\uFFFD0\uFFFD [y](https://x.io)");
  });
});

describe("emphasis", () => {
  it("keeps Slack emphasis in messages, where Rocket.Chat reads it the same", () => {
    expect(msg("*bold* _it_ ~st~")).toBe("*bold* _it_ ~st~");
    expect(kinds(msg("*bold* _it_ ~st~"))).toEqual(expect.arrayContaining(["BOLD", "ITALIC", "STRIKE"]));
  });

  it("escapes markers Slack would not render, which Rocket.Chat would", () => {
    expect(msg("5*3*2")).toBe("5\\*3\\*2");
    expect(kinds(msg("5*3*2"))).not.toContain("BOLD");
    expect(msg("***word***")).toBe("\\*\\*\\*word\\*\\*\\*");
  });

  it("uses **bold** in attachments, where marked reads *x* as italic", () => {
    expect(att("*critical*: DB down")).toBe("**critical**: DB down");
    expect(att("~gone~ _it_")).toBe("~~gone~~ _it_");
  });

  it("escapes literal text the way each renderer reads escapes", () => {
    expect(msg("- not a list\n> not a quote\n# not a heading", { styled: false })).toBe(
      "\u200b- not a list\n\u200b> not a quote\n\\# not a heading",
    );
    const k = kinds(msg("- not a list\n> not a quote\n# not a heading", { styled: false }));
    for (const kind of ["UNORDERED_LIST", "QUOTE", "HEADING1"]) expect(k).not.toContain(kind);
    expect(att("- a *b*", { styled: false })).toBe("\\- a \\*b\\*");
  });

  it("shows styling literally when mrkdwn is off, but still converts links", () => {
    expect(msg("*not bold* <https://x.io|link>", { styled: false })).toBe("\\*not bold\\* [link](https://x.io)");
    expect(kinds(msg("*not bold*", { styled: false }))).not.toContain("BOLD");
  });

  it("turns Slack bullets into Rocket.Chat list items", () => {
    expect(kinds(msg("• one\n• two"))).toContain("UNORDERED_LIST");
  });
});

describe("link_names and parse", () => {
  it("keeps plain @name and #chan as text without link_names", () => {
    expect(kinds(msg("ping @some-nick in #general"))).not.toContain("MENTION_USER");
    expect(kinds(msg("ping @some-nick in #general"))).not.toContain("MENTION_CHANNEL");
    expect(kinds(msg("careful @here"))).not.toContain("MENTION_USER");
  });

  it("makes them mentions with link_names, Slack's @channel being @all", () => {
    expect(msg("ping @some-nick in #general", { linkNames: true })).toBe("ping @some-nick in #general");
    expect(msg("@channel look", { linkNames: true })).toBe("@all look");
    expect(kinds(msg("ping @some-nick", { linkNames: true }))).toContain("MENTION_USER");
  });

  it("does not touch e-mail addresses or URLs", () => {
    expect(msg("mail a@b.co or https://x.io/@me?a=@b&c=#d")).toBe("mail a@b.co or https://x.io/@me?a=@b&c=#d");
  });

  it("treats <…> as text with parse:full", () => {
    expect(msg("<!everyone> hi", { parseFull: true })).toBe("<!everyone> hi");
  });

  it("converts only tokens for Markdown input", () => {
    expect(slackTokensToMarkdown("**a** <https://x.io|b> &amp;", ctx)).toBe("**a** [b](https://x.io) &amp;");
  });
});

describe("adversarial input", () => {
  const hostile = [
    repeatTo("*"),
    repeatTo("~"),
    repeatTo("*a "),
    repeatTo(" *a"),
    repeatTo("~a~b"),
    repeatTo("<"),
    repeatTo("<@U1"),
    repeatTo("<http://x|"),
    repeatTo("&amp"),
    repeatTo("&amp;"),
    repeatTo("`"),
    repeatTo("```a"),
    "```" + repeatTo("\n") + "a```",
    "```a" + repeatTo("\n \n") + "```",
    repeatTo("https://"),
    "https://x.io/" + repeatTo("("),
    "https://x.io/" + repeatTo(")"),
    repeatTo(":a"),
    repeatTo(":a::skin-tone-2"),
    repeatTo("@a"),
    repeatTo("#a"),
    repeatTo("\n• "),
    repeatTo(" "),
    repeatTo(" \t") + "#",
    repeatTo("\n  1. "),
    repeatTo("\n> "),
    repeatTo("\uE000"),
    repeatTo("\uE0001\uE001"),
  ];

  it.each(adversarialCases(hostile))("translates %s… in both targets", (_, s) => {
    for (const target of ["message", "attachment"] as const) {
      for (const opts of [{}, { styled: false }, { linkNames: true }]) {
        const out = mrkdwnToRocketChat(s, ctx, { target, ...opts });
        // Entities and skin tones shrink, escapes and markup grow: a few characters at most.
        expect(out.length).toBeLessThan(s.length * 4);
      }
    }
  });
});
