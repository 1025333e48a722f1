import { parse } from "@rocket.chat/message-parser";
import { describe, expect, it } from "vitest";
import { repeatTo } from "../../test/support/adversarial.ts";
import { emojiFromParts, emojiName, slackEmojiToRocketChat } from "./emoji.ts";

describe("slackEmojiToRocketChat", () => {
  it("turns Slack skin tones into JoyPixels tone names (skin-tone-2…6 → tone1…5)", () => {
    expect(slackEmojiToRocketChat(":wave::skin-tone-3:")).toBe(":wave_tone2:");
    expect(slackEmojiToRocketChat("hi :thumbsup::skin-tone-2: :ok_hand::skin-tone-6:")).toBe(
      "hi :thumbsup_tone1: :ok_hand_tone5:",
    );
    // JoyPixels has no `+1_toneN`: the toned thumbs use the word
    expect(slackEmojiToRocketChat(":+1::skin-tone-4: :-1::skin-tone-5:")).toBe(":thumbsup_tone3: :thumbsdown_tone4:");
  });

  it("drops a skin tone on its own and skin-tone-1 (no modifier)", () => {
    expect(slackEmojiToRocketChat("done :skin-tone-3: ok")).toBe("done  ok");
    expect(slackEmojiToRocketChat(":wave::skin-tone-1:")).toBe(":wave:");
  });

  it("applies the Rocket.Chat Slack importer's renames", () => {
    expect(slackEmojiToRocketChat(":simple_smile: :memo: :piggy: :uk:")).toBe(":slight_smile: :pencil: :pig: :gb:");
  });

  it("maps Slack names that JoyPixels spells differently", () => {
    const cases: Record<string, string> = {
      ":slightly_smiling_face:": ":slight_smile:",
      ":face_with_rolling_eyes:": ":rolling_eyes:",
      ":star-struck:": ":star_struck:",
      ":grinning_face_with_star_eyes:": ":star_struck:",
      ":hugging_face:": ":hugging:",
      ":upside_down_face:": ":upside_down:",
      ":thinking_face:": ":thinking:",
      ":zipper_mouth_face:": ":zipper_mouth:",
      ":money_mouth_face:": ":money_mouth:",
      ":nerd_face:": ":nerd:",
      ":robot_face:": ":robot:",
      ":lower_left_ballpoint_pen:": ":pen_ballpoint:",
      ":rolling_on_the_floor_laughing:": ":rofl:",
      ":face_palm:": ":person_facepalming:",
      ":shrug:": ":person_shrugging:",
      ":the_horns:": ":metal:",
      ":t-rex:": ":t_rex:",
      ":satellite:": ":satellite_orbital:",
      ":satellite_antenna:": ":satellite:",
      ":umbrella:": ":umbrella2:",
      ":umbrella_with_rain_drops:": ":umbrella:",
    };
    for (const [slack, rc] of Object.entries(cases)) {
      expect(slackEmojiToRocketChat(slack), slack).toBe(rc);
    }
  });

  it("follows JoyPixels' pattern for Slack's hyphenated person and flag names", () => {
    expect(slackEmojiToRocketChat(":man-facepalming::skin-tone-2: :woman-raising-hand:")).toBe(
      ":man_facepalming_tone1: :woman_raising_hand:",
    );
    expect(slackEmojiToRocketChat(":female-technologist: :male-doctor: :flag-de:")).toBe(
      ":woman_technologist: :man_health_worker: :flag_de:",
    );
    // families and couples follow no such pattern: left alone
    const families = ":man-woman-boy: :woman-heart-man:";
    expect(slackEmojiToRocketChat(families)).toBe(families);
  });

  it("leaves names that are fine or unknown as they are", () => {
    const same = ":+1: :thumbsup: :white_check_mark: :heavy_check_mark: :tada: :custom-emoji_42:";
    expect(slackEmojiToRocketChat(same)).toBe(same);
  });

  it("does not touch times, URLs or text that merely contains colons", () => {
    const text = "at 10:30:45, see http://host:8080/a:b: or ratio 1:2:3 and a:wave:b";
    expect(slackEmojiToRocketChat(text)).toBe(text);
    expect(slackEmojiToRocketChat("no colons here")).toBe("no colons here");
  });

  it("gives a name Rocket.Chat's parser reads as one emoji", () => {
    const out = slackEmojiToRocketChat("hi :wave::skin-tone-3: there");
    type Inline = { type: string; shortCode?: string };
    const [paragraph] = parse(out) as Array<{ type: string; value: Inline[] }>;
    expect(paragraph?.value.map((n) => n.type)).toEqual(["PLAIN_TEXT", "EMOJI", "PLAIN_TEXT"]);
    expect(paragraph?.value[1]?.shortCode).toBe("wave_tone2");
    // the Slack form is not one emoji to RC
    expect(JSON.stringify(parse("hi :wave::skin-tone-3: there"))).not.toContain("wave_tone2");
  });
});

describe("emojiName", () => {
  it("normalises a bare name or :name: to :name:, with the same mapping", () => {
    expect(emojiName("ghost")).toBe(":ghost:");
    expect(emojiName(":ghost:")).toBe(":ghost:");
    expect(emojiName(" :robot_face: ")).toBe(":robot:");
    expect(emojiName(":wave::skin-tone-2:")).toBe(":wave_tone1:");
    expect(emojiName("simple_smile")).toBe(":slight_smile:");
  });

  it("returns other values trimmed, and empty for nothing", () => {
    expect(emojiName("🎉")).toBe("🎉");
    expect(emojiName("")).toBe("");
    expect(emojiName("::")).toBe("");
    expect(emojiName(undefined as unknown as string)).toBe("");
  });

  it("takes a sender's icon_emoji of any length in linear time", () => {
    const colons = repeatTo(":");
    expect(emojiName(`a${colons}a`)).toBe(`a${colons}a`);
    expect(emojiName(`${colons}fire${colons}`)).toBe(":fire:");
  });
});

describe("emojiFromParts", () => {
  it("builds :name: or :name_toneN: from a rich_text emoji element", () => {
    expect(emojiFromParts("fire")).toBe(":fire:");
    expect(emojiFromParts("wave", 3)).toBe(":wave_tone2:");
    expect(emojiFromParts("+1", 2)).toBe(":thumbsup_tone1:");
    expect(emojiFromParts("raised_hand_with_fingers_splayed", 6)).toBe(":hand_splayed_tone5:");
  });

  it("ignores a skin tone outside 2–6", () => {
    expect(emojiFromParts("wave", 1)).toBe(":wave:");
    expect(emojiFromParts("wave", 7)).toBe(":wave:");
    expect(emojiFromParts("wave", 2.5)).toBe(":wave:");
  });
});
