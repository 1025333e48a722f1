import { describe, expect, it } from "vitest";
import { adversarialCases, repeatTo } from "../../test/support/adversarial.ts";
import { mrkdwnToRocketChat } from "../slack/mrkdwn.ts";
import { defaultTranslateContext, type TranslateContext } from "../model/context.ts";
import { reverseMap, rocketChatToSlack, slackDirectory } from "./to-slack.ts";

const users = { U024BE7LH: "alice", W0BOB: "bob.smith" };
const channels = { C024BE7LR: "general", C0OPS: "ops-team" };
const dir = slackDirectory(users, channels);
const toSlack = (text: string) => rocketChatToSlack(text, dir);
const ctx: TranslateContext = { ...defaultTranslateContext, users, channels };
const back = (mrkdwn: string) => mrkdwnToRocketChat(mrkdwn, ctx, { target: "message" });

describe("rocketChatToSlack", () => {
  it("escapes only &, < and >", () => {
    expect(toSlack(`a & b <c> "d" 'e'`)).toBe(`a &amp; b &lt;c&gt; "d" 'e'`);
    expect(toSlack("> quoted")).toBe("&gt; quoted");
    expect(toSlack("&amp; stays literal")).toBe("&amp;amp; stays literal");
  });

  it("turns [label](url) into <url|label>, escaping both", () => {
    expect(toSlack("see [the docs](https://x.io/a?b=1&c=2) now")).toBe("see <https://x.io/a?b=1&amp;c=2|the docs> now");
    expect(toSlack("[a <b>](mailto:a@b.c)")).toBe("<mailto:a@b.c|a &lt;b&gt;>");
    // As in CommonMark, the innermost brackets make the link.
    expect(toSlack("[a [b](https://x.io)")).toBe("[a <https://x.io|b>");
  });

  it("wraps bare URLs, leaving sentence punctuation outside", () => {
    expect(toSlack("go to https://example.com/x?y=1&z=2.")).toBe("go to <https://example.com/x?y=1&amp;z=2>.");
    expect(toSlack("(https://example.com/a)")).toBe("(<https://example.com/a>)");
    expect(toSlack("https://en.wikipedia.org/wiki/Foo_(bar)")).toBe("<https://en.wikipedia.org/wiki/Foo_(bar)>");
  });

  it("maps known usernames to <@U…>, @all/@here to Slack's specials, keeps unknown names", () => {
    expect(toSlack("@alice and @bob.smith, ping @carol")).toBe("<@U024BE7LH> and <@W0BOB>, ping @carol");
    expect(toSlack("@all please, @here now")).toBe("<!channel> please, <!here> now");
    expect(toSlack("mail alice@example.com")).toBe("mail alice@example.com");
    expect(toSlack("@alice.")).toBe("<@U024BE7LH>.");
  });

  it("maps known rooms to <#C…|name>, keeps unknown ones and URL fragments", () => {
    expect(toSlack("see #general and #ops-team, not #random")).toBe(
      "see <#C024BE7LR|general> and <#C0OPS|ops-team>, not #random",
    );
    expect(toSlack("https://x.io/#general")).toBe("<https://x.io/#general>");
  });

  it("turns doubled markers into Slack's single ones", () => {
    expect(toSlack("**bold** __it__ ~~gone~~ *b* _i_ ~s~")).toBe("*bold* _it_ ~gone~ *b* _i_ ~s~");
    expect(toSlack("**a*b** __snake_case__ ~~x~y~~")).toBe("*a*b* _snake_case_ ~x~y~");
    expect(toSlack("**a **b** c")).toBe("**a *b* c");
  });

  it("leaves code alone but escaped", () => {
    expect(toSlack("`@alice <b> **x**` and ```\nif a && b {}\n```")).toBe(
      "`@alice &lt;b&gt; **x**` and ```\nif a &amp;&amp; b {}\n```",
    );
  });

  it("does not trip over placeholder characters in the input", () => {
    expect(toSlack("a\uE0000\uE001b")).toBe("a\uFFFD0\uFFFDb");
  });

  it("reverses a map, first id wins", () => {
    expect(reverseMap({ U1: "a", U2: "a", U3: "b" })).toEqual(
      new Map([
        ["a", "U1"],
        ["b", "U3"],
      ]),
    );
  });

  it.each([
    "plain words, with punctuation!",
    "a & b <c> > d",
    "> a quote",
    "see [the docs](https://x.io/a?b=1&c=2) now",
    "go to https://example.com/x?y=1&z=2",
    "@alice and @bob.smith, meet in #general",
    "@all and @here",
    "*bold* _italic_ ~strike~",
    "`a <b> & c` and\n```\nx && y\n```",
    ":tada: done",
  ])("round-trips through mrkdwn.ts: %j", (text) => {
    expect(back(toSlack(text))).toBe(text);
  });

  it("round-trips Rocket.Chat's doubled bold to the same rendering", () => {
    expect(back(toSlack("**bold**"))).toBe("*bold*");
  });
});

describe("adversarial input", () => {
  const hostile = [
    repeatTo("*"),
    repeatTo("**a "),
    repeatTo("__a "),
    repeatTo("~~"),
    repeatTo("["),
    repeatTo("[a]("),
    repeatTo("[a](http://x"),
    repeatTo("`"),
    repeatTo("```a"),
    repeatTo("https://"),
    "https://x" + repeatTo(".") + "a",
    "https://x/" + repeatTo(".,") + "a",
    "https://x" + repeatTo(")"),
    repeatTo("@a"),
    repeatTo("#a"),
    repeatTo("&<>"),
    repeatTo("\uE0001\uE001"),
  ];

  it.each(adversarialCases(hostile))("translates %s… whole", (_, s) => {
    const out = toSlack(s);
    // Every character survives in some form: `&`, `<` and `>` grow to five characters at most.
    expect(out.length).toBeGreaterThan(s.length / 4);
    expect(out.length).toBeLessThanOrEqual(s.length * 5);
  });
});
