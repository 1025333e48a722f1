import { describe, expect, it } from "vitest";
import { parseOutgoingEvent } from "./event.ts";

/** The `sendMessage` body from docs/rocketchat.md §4.4. */
const sendMessage = {
  token: "Jg7o-integration-token",
  bot: false,
  trigger_word: "!deploy",
  channel_id: "GENERAL",
  channel_name: "general",
  message_id: "cTmq3s8hqFCbKxgyN",
  timestamp: "2024-11-22T08:00:00.123Z",
  user_id: "aobEdbYhXfu5hkeqG",
  user_name: "alice",
  text: "!deploy api prod",
  siteUrl: "https://chat.example.com",
  alias: "Alice (CI)",
  isEdited: true,
  tmid: "qhWh3T5DXRMdPWfpr",
};

describe("parseOutgoingEvent", () => {
  it("reads Rocket.Chat's sendMessage body field for field", () => {
    expect(parseOutgoingEvent(sendMessage)).toEqual({ kind: "message", event: sendMessage });
  });

  it("drops unknown keys (fileUploaded adds user, room and message documents)", () => {
    const r = parseOutgoingEvent({ ...sendMessage, user: { _id: "x" }, room: {}, message: {} });
    expect(r.kind).toBe("message");
    if (r.kind !== "message") return;
    expect(r.event).not.toHaveProperty("user");
    expect(r.event).not.toHaveProperty("room");
  });

  it("takes a DM without channel_name and fills text and user_name when absent", () => {
    const { channel_name: _n, text: _t, user_name: _u, ...dm } = sendMessage;
    const r = parseOutgoingEvent({ ...dm, channel_name: null });
    expect(r.kind).toBe("message");
    if (r.kind !== "message") return;
    expect(r.event.channel_name).toBeUndefined();
    expect("channel_name" in r.event).toBe(false);
    expect(r.event.text).toBe("");
    expect(r.event.user_name).toBe("");
  });

  it("reads a message's text up to Slack's 40,000 characters, never splitting a character", () => {
    const long = parseOutgoingEvent({ ...sendMessage, text: "a".repeat(39_999) + "😀" + "b".repeat(100_000) });
    expect(long.kind === "message" && long.event.text).toBe("a".repeat(39_999));
    const exact = parseOutgoingEvent({ ...sendMessage, text: "c".repeat(40_000) });
    expect(exact.kind === "message" && exact.event.text).toBe("c".repeat(40_000));
  });

  it("treats any bot marker as bot, and a missing one as not", () => {
    const base = { ...sendMessage, bot: undefined };
    const bot = (v: unknown) => {
      const r = parseOutgoingEvent({ ...base, bot: v });
      return r.kind === "message" ? r.event.bot : "not a message";
    };
    expect(bot(true)).toBe(true);
    expect(bot({ i: "integrationId" })).toBe(true);
    expect(bot(false)).toBe(false);
    expect(bot(undefined)).toBe(false);
    expect(bot(null)).toBe(false);
  });

  it("turns an epoch-millisecond timestamp into ISO", () => {
    const r = parseOutgoingEvent({ ...sendMessage, timestamp: 1732262400123 });
    expect(r.kind === "message" && r.event.timestamp).toBe("2024-11-22T08:00:00.123Z");
  });

  it("classifies the bare {token, bot} body of room and user events as other (docs/rocketchat.md §4.4)", () => {
    expect(parseOutgoingEvent({ token: "tok", bot: false })).toEqual({
      kind: "other",
      token: "tok",
    });
  });

  it("classifies the 6.x roomJoined body (no message_id) as other", () => {
    const joined = {
      token: "tok",
      timestamp: "2024-01-01T00:00:00.000Z",
      channel_id: "GENERAL",
      channel_name: "general",
      user_id: "u1",
      user_name: "bob",
      user: {},
      room: {},
    };
    expect(parseOutgoingEvent(joined)).toEqual({ kind: "other", token: "tok" });
  });

  it("keeps the token when some other field has a wrong type", () => {
    expect(parseOutgoingEvent({ ...sendMessage, text: 42 })).toEqual({
      kind: "other",
      token: sendMessage.token,
    });
  });

  it("rejects bodies without a string token", () => {
    expect(parseOutgoingEvent(null)).toEqual({ kind: "invalid" });
    expect(parseOutgoingEvent("token=x")).toEqual({ kind: "invalid" });
    expect(parseOutgoingEvent([sendMessage])).toEqual({ kind: "invalid" });
    expect(parseOutgoingEvent({ bot: false })).toEqual({ kind: "invalid" });
    expect(parseOutgoingEvent({ ...sendMessage, token: 123 })).toEqual({ kind: "invalid" });
  });
});
