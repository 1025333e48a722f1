import { describe, expect, it } from "vitest";
import { adversarialCases, repeatTo } from "../../test/support/adversarial.ts";
import type { OutgoingMessageEvent } from "./event.ts";
import { channelMatches, dmCounterpartId, matchEvent, type OutgoingRule } from "./match.ts";

const rule = (over: Partial<OutgoingRule> = {}): OutgoingRule => ({
  name: "deploy",
  channels: [],
  triggerWords: ["!deploy"],
  triggerMatch: "first-word",
  caseSensitive: true,
  runOnEdits: false,
  ...over,
});

const ev = (over: Partial<OutgoingMessageEvent> = {}): OutgoingMessageEvent => ({
  token: "t",
  bot: false,
  channel_id: "GENERAL",
  channel_name: "general",
  message_id: "m1",
  timestamp: "2024-11-22T08:00:00.123Z",
  user_id: "aliceId",
  user_name: "alice",
  text: "!deploy api prod",
  ...over,
});

describe("loop guard and edits", () => {
  it("ignores messages marked bot", () => {
    expect(matchEvent(rule(), ev({ bot: true }))).toEqual({ matched: false, reason: "bot" });
  });

  it("ignores the gateway's own posts", () => {
    expect(matchEvent(rule(), ev(), "aliceId")).toEqual({ matched: false, reason: "self" });
    expect(matchEvent(rule(), ev(), "someoneElse").matched).toBe(true);
    expect(matchEvent(rule(), ev(), "").matched).toBe(true);
  });

  it("skips edits unless runOnEdits", () => {
    expect(matchEvent(rule(), ev({ isEdited: true }))).toEqual({
      matched: false,
      reason: "edited",
    });
    expect(matchEvent(rule({ runOnEdits: true }), ev({ isEdited: true })).matched).toBe(true);
    expect(matchEvent(rule(), ev({ isEdited: false })).matched).toBe(true);
  });

  it("checks bot before anything else", () => {
    const e = ev({ bot: true, isEdited: true });
    const r = matchEvent(rule({ channels: ["#other"] }), e, "aliceId");
    expect(r).toEqual({ matched: false, reason: "bot" });
  });
});

describe("channel filter", () => {
  it("an empty list lets every room through", () => {
    expect(matchEvent(rule(), ev({ channel_id: "x", channel_name: "y" })).matched).toBe(true);
  });

  it("#name matches the room name, and the room id as Rocket.Chat's filter does", () => {
    expect(matchEvent(rule({ channels: ["#general"] }), ev()).matched).toBe(true);
    const ops = ev({ channel_name: "ops" });
    expect(matchEvent(rule({ channels: ["#GENERAL"] }), ops).matched).toBe(true);
    expect(matchEvent(rule({ channels: ["#ops"] }), ev())).toEqual({
      matched: false,
      reason: "channel",
    });
  });

  it("a bare entry is a room id, not a name", () => {
    expect(matchEvent(rule({ channels: ["GENERAL"] }), ev()).matched).toBe(true);
    expect(matchEvent(rule({ channels: ["general"] }), ev()).matched).toBe(false);
  });

  it("any listed entry is enough", () => {
    expect(matchEvent(rule({ channels: ["#ops", "#general"] }), ev()).matched).toBe(true);
  });

  describe("@user (direct messages)", () => {
    // Rocket.Chat's DM room id is the two user ids sorted and joined.
    const dm = ev({ channel_id: "aliceIdbobId", channel_name: undefined });

    it("matches the sender's username", () => {
      expect(channelMatches("@alice", dm)).toBe(true);
      expect(channelMatches("@bob", dm)).toBe(false); // bob's username is not in the event
    });

    it("matches either participant's id", () => {
      expect(channelMatches("@aliceId", dm)).toBe(true);
      expect(channelMatches("@bobId", dm)).toBe(true);
      expect(channelMatches("@carolId", dm)).toBe(false);
    });

    it("never matches a named room", () => {
      expect(channelMatches("@alice", ev())).toBe(false);
      expect(channelMatches("@aliceId", ev())).toBe(false);
    });

    it("derives the counterpart only from a sorted join", () => {
      expect(dmCounterpartId(dm)).toBe("bobId");
      expect(dmCounterpartId({ ...dm, user_id: "bobId", user_name: "bob" })).toBe("aliceId");
      expect(dmCounterpartId({ ...dm, channel_id: "bobIdaliceId" })).toBeUndefined();
      expect(dmCounterpartId({ ...dm, channel_id: "aliceIdaliceId" })).toBe("aliceId");
      expect(dmCounterpartId({ ...dm, channel_id: "randomGroupDmId" })).toBeUndefined();
    });
  });
});

describe("trigger words", () => {
  const hit = (triggerWord: string | undefined, textAfterTrigger: string) => ({
    matched: true,
    triggerWord,
    textAfterTrigger,
  });
  const miss = { matched: false, reason: "trigger" };

  it("no trigger words: every message, with its whole text", () => {
    expect(matchEvent(rule({ triggerWords: [] }), ev({ text: "hello there" }))).toEqual(hit(undefined, "hello there"));
    expect(matchEvent(rule({ triggerWords: [""] }), ev({ text: "" }))).toEqual(hit(undefined, ""));
  });

  describe("first-word", () => {
    const r = rule({ triggerWords: ["!deploy", "!ship"] });

    it("matches the first word exactly and cuts it off", () => {
      expect(matchEvent(r, ev())).toEqual(hit("!deploy", "api prod"));
      expect(matchEvent(r, ev({ text: "!ship" }))).toEqual(hit("!ship", ""));
    });

    it("has a word boundary: !deployment is not !deploy", () => {
      expect(matchEvent(r, ev({ text: "!deployment now" }))).toEqual(miss);
    });

    it("skips leading Unicode whitespace and splits on it (NBSP, U+3000, U+0085)", () => {
      expect(matchEvent(r, ev({ text: " \t\n!deploy api" }))).toEqual(hit("!deploy", "api"));
      expect(matchEvent(r, ev({ text: "!deploy\u00a0api\u3000prod" }))).toEqual(hit("!deploy", "api\u3000prod"));
      expect(matchEvent(r, ev({ text: "\u3000!deploy\u0085x" }))).toEqual(hit("!deploy", "x"));
    });

    it("does not split on U+FEFF, which Unicode does not count as whitespace", () => {
      expect(matchEvent(r, ev({ text: "!deploy\ufeffapi" }))).toEqual(miss);
    });

    it("keeps punctuation on the word and looks only at the first word", () => {
      expect(matchEvent(r, ev({ text: "!deploy, now" }))).toEqual(miss);
      expect(matchEvent(r, ev({ text: "please !deploy" }))).toEqual(miss);
    });

    it("never matches an empty or blank message", () => {
      expect(matchEvent(r, ev({ text: "" }))).toEqual(miss);
      expect(matchEvent(r, ev({ text: "   " }))).toEqual(miss);
    });
  });

  describe("prefix (Rocket.Chat's default)", () => {
    const r = rule({ triggerMatch: "prefix", triggerWords: ["!deploy"] });

    it("matches the start of the text with no word boundary", () => {
      expect(matchEvent(r, ev({ text: "!deploy api" }))).toEqual(hit("!deploy", "api"));
      expect(matchEvent(r, ev({ text: "!deployment" }))).toEqual(hit("!deploy", "ment"));
    });

    it("needs the word at the very start", () => {
      expect(matchEvent(r, ev({ text: " !deploy api" }))).toEqual(miss);
    });

    it("reports the first configured word that matches, not the longest", () => {
      const r2 = rule({ triggerMatch: "prefix", triggerWords: ["f", "foo"] });
      expect(matchEvent(r2, ev({ text: "foobar" }))).toEqual(hit("f", "oobar"));
    });
  });

  describe("anywhere", () => {
    const r = rule({ triggerMatch: "anywhere", triggerWords: ["deploybot"] });

    it("matches a substring and removes its first occurrence", () => {
      expect(matchEvent(r, ev({ text: "hey deploybot ship api" }))).toEqual(hit("deploybot", "hey ship api"));
      expect(matchEvent(r, ev({ text: "deploybot: go, deploybot" }))).toEqual(hit("deploybot", ": go, deploybot"));
      expect(matchEvent(r, ev({ text: "ask the deploybot" }))).toEqual(hit("deploybot", "ask the"));
      expect(matchEvent(r, ev({ text: "ask the \u3000\t deploybot" }))).toEqual(hit("deploybot", "ask the"));
      expect(matchEvent(r, ev({ text: "mydeploybots" }))).toEqual(hit("deploybot", "mys"));
    });

    it("misses when the word is absent", () => {
      expect(matchEvent(r, ev({ text: "deploy bot" }))).toEqual(miss);
    });
  });

  describe("case", () => {
    it("is case-sensitive by default, as Slack and Rocket.Chat", () => {
      for (const triggerMatch of ["first-word", "prefix", "anywhere"] as const) {
        expect(matchEvent(rule({ triggerMatch }), ev({ text: "!DEPLOY api" }))).toEqual(miss);
      }
    });

    it("with caseSensitive:false, compares folded and reports the configured word", () => {
      const text = "!DePloy api";
      for (const triggerMatch of ["first-word", "prefix", "anywhere"] as const) {
        const r = rule({ triggerMatch, caseSensitive: false });
        expect(matchEvent(r, ev({ text }))).toEqual(hit("!deploy", "api"));
      }
      const r = rule({ triggerMatch: "anywhere", caseSensitive: false, triggerWords: ["Straße"] });
      expect(matchEvent(r, ev({ text: "in der STRAßE 5" }))).toEqual(hit("Straße", "in der 5"));
    });
  });
});

describe("adversarial input", () => {
  const hostile = [
    repeatTo(" ") + "x",
    "a" + repeatTo(" ") + "b !deploy",
    "a" + repeatTo("\u3000\t") + "b !deploy ",
    "!deploy" + repeatTo(" ") + "x",
    repeatTo("!deploy "),
    repeatTo("!deplo"),
  ];

  it.each(adversarialCases(hostile))("matches %s… in every mode", (_, text) => {
    for (const triggerMatch of ["first-word", "prefix", "anywhere"] as const) {
      for (const caseSensitive of [true, false]) {
        const result = matchEvent(rule({ triggerMatch, caseSensitive }), ev({ text }));
        if (result.matched) expect(result.textAfterTrigger.length).toBeLessThan(text.length);
        else expect(result.reason).toBe("trigger");
      }
    }
  });
});
