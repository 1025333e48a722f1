import { describe, expect, it } from "vitest";
import { defaultTranslateContext } from "../model/context.ts";
import { translateIncoming, type HookSettings } from "./incoming.ts";
import { parseRocketChatPayload, rocketChatAttachment, withRocketChatIdentity } from "./rocketchat-payload.ts";

const ctx = { ...defaultTranslateContext, users: { U024BE7LH: "bob" } };
const open: HookSettings = {
  channel: "#alerts",
  allowChannelOverride: true,
  allowUsernameOverride: true,
  allowIconOverride: true,
};
const BLANK = "\u200b";

function translate(body: unknown, hook: HookSettings = open) {
  const read = parseRocketChatPayload(body);
  if (!read) return undefined;
  return translateIncoming({ ...read.payload, channel: read.rooms[0] }, hook, ctx, "rocketchat");
}

describe("parseRocketChatPayload", () => {
  it("reads Rocket.Chat's keys under Slack's names, Slack's winning where both are given", () => {
    const read = parseRocketChatPayload({
      msg: "m",
      alias: "A",
      avatar: "https://a.example/i.png",
      emoji: ":x:",
      tmid: "abcdefghijkLMNOPQ",
      roomId: "ROOMID",
      parseUrls: false,
    });
    expect(read).toEqual({
      payload: expect.objectContaining({
        text: "m",
        username: "A",
        icon_url: "https://a.example/i.png",
        icon_emoji: ":x:",
        thread_ts: "abcdefghijkLMNOPQ",
        unfurl_links: false,
      }),
      rooms: ["ROOMID"],
    });
    const both = parseRocketChatPayload({
      text: "t",
      msg: "m",
      username: "U",
      alias: "A",
      tmid: "",
      thread_ts: "1.2",
      channel: "#c",
      roomId: "R",
    });
    expect(both?.payload).toMatchObject({ text: "t", username: "U", thread_ts: "1.2" });
    expect(both?.rooms).toEqual(["#c"]);
  });

  it("channel lists are trimmed and de-duplicated; non-strings are ignored", () => {
    expect(parseRocketChatPayload({ channel: [" #a ", "#b", "#a", 3, "", null] })?.rooms).toEqual(["#a", "#b"]);
    expect(parseRocketChatPayload({ channel: 42 })?.rooms).toEqual([]);
  });

  it("only a body that is not an object is refused; a non-list attachments is dropped as Rocket.Chat does", () => {
    for (const body of [null, [], "x", 1]) expect(parseRocketChatPayload(body)).toBeUndefined();
    expect(parseRocketChatPayload({ text: "x", attachments: "nope" })?.payload.attachments).toBeUndefined();
  });

  it("withRocketChatIdentity leaves a body without Rocket.Chat keys as it is", () => {
    const body = { text: "x", username: "u" };
    expect(withRocketChatIdentity(body)).toBe(body);
    expect(withRocketChatIdentity({ text: "x", username: "", alias: "A" })).toMatchObject({ username: "A" });
  });
});

describe("Rocket.Chat text", () => {
  it("passes Rocket.Chat Markdown through and converts only Slack's tokens", () => {
    const result = translate({ text: "*b* _i_ ~s~ &amp; <https://x.example|x> <@U024BE7LH> <!here>\r\n> quote" });
    expect(result).toMatchObject({
      ok: true,
      value: { room: "#alerts", messages: [{ msg: "*b* _i_ ~s~ &amp; [x](https://x.example) @bob @here\n> quote" }] },
    });
  });

  it("a locked hook refuses another room and keeps its own identity", () => {
    const locked: HookSettings = {
      ...open,
      allowChannelOverride: false,
      allowUsernameOverride: false,
      allowIconOverride: false,
      username: "Hook",
      iconEmoji: ":lock:",
    };
    expect(translate({ text: "x", channel: "#ops" }, locked)).toEqual({
      ok: false,
      error: { code: "action_prohibited" },
    });
    expect(translate({ text: "x", alias: "Me", avatar: "https://a.example/i.png" }, locked)).toMatchObject({
      ok: true,
      value: { messages: [{ alias: "Hook", emoji: ":lock:" }] },
    });
  });
});

describe("rocketChatAttachment", () => {
  it("keeps Rocket.Chat's own keys and repairs what Rocket.Chat would reject", () => {
    const out = rocketChatAttachment(
      {
        color: "danger",
        title: " Title ",
        title_link: "ftp://x",
        title_link_download: true,
        msg: "from *msg* <https://l.example|l>",
        fields: [
          { title: "n", value: 0 },
          { title: "", value: "v" },
          { title: "", value: "" },
          { title: "b", value: true, short: "true" },
        ],
        image_url: "/relative.png",
        video_url: "https://v.example/v.mp4",
        video_type: "video/mp4",
        audio_type: "audio/mpeg",
        message_link: "https://chat.example/m/1",
        ts: 1700000000.5,
        collapsed: "false",
        actions: [
          { type: "button", text: "Open", url: "https://o.example" },
          { type: "button", text: "Chat", msg: "hi" },
        ],
        button_alignment: "vertical",
        unknown: 1,
      },
      ctx,
    );
    expect(out).toEqual([
      {
        color: "#a30200",
        title: "Title",
        text: "from *msg* [l](https://l.example)",
        fields: [
          { title: "n", value: "0" },
          { title: BLANK, value: "v" },
          { title: "b", value: "true", short: true },
        ],
        video_url: "https://v.example/v.mp4",
        video_type: "video/mp4",
        message_link: "https://chat.example/m/1",
        actions: [{ type: "button", text: "Open", url: "https://o.example" }],
        button_alignment: "vertical",
        ts: 1700000000.5,
        collapsed: false,
      },
    ]);
  });

  it("a CSS colour name is kept, garbage dropped; an attachment with nothing to show is left out or shows its fallback", () => {
    expect(rocketChatAttachment({ color: "Red", text: "x" }, ctx)).toEqual([{ color: "red", text: "x" }]);
    expect(rocketChatAttachment({ color: "url(javascript:1)", text: "x" }, ctx)).toEqual([{ text: "x" }]);
    expect(rocketChatAttachment({ color: "good", ts: "1", collapsed: true }, ctx)).toEqual([]);
    expect(rocketChatAttachment({ color: "good", fallback: "*plain*" }, ctx)).toEqual([
      { color: "#2eb886", text: "\\*plain\\*" },
    ]);
  });
});
