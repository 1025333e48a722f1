import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeRocketChat, type FakeRocketChat } from "./fake-rocketchat.ts";

let fake: FakeRocketChat;

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "alerts", id: "ALERTS" });
  fake.addRoom({ name: "old", id: "OLD", archived: true });
  fake.addRoom({ name: "secret", id: "SECRET", type: "p", member: false });
  fake.addUser("alice", "alice-id");
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = { "X-User-Id": fake.userId, "X-Auth-Token": fake.authToken },
  server: FakeRocketChat = fake,
): Promise<Answer> {
  const res = await fetch(`${server.url}/api/v1/${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const send = (message: Record<string, unknown>, server: FakeRocketChat = fake): Promise<Answer> =>
  call("POST", "chat.sendMessage", { message }, undefined, server);

describe("authentication", () => {
  it("answers 401 without credentials or with a wrong token, storing nothing", async () => {
    const none = await call("POST", "chat.sendMessage", { message: { rid: "ALERTS", msg: "x" } }, {});
    const wrong = await call("GET", "me", undefined, { "X-User-Id": fake.userId, "X-Auth-Token": "nope" });
    for (const answer of [none, wrong]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ success: false, error: "You must be logged in to do this." });
    }
    expect(fake.messages).toEqual([]);
  });

  it("GET /me returns the bot user", async () => {
    const { status, body } = await call("GET", "me");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      _id: "bot-user-id",
      username: "slackline.bot",
      roles: ["bot"],
      success: true,
    });
  });
});

describe("chat.sendMessage", () => {
  it("stores the message under the caller's _id and answers the stored document", async () => {
    const before = Date.now();
    const { status, body } = await send({
      _id: "slack-C1-1.000",
      rid: "ALERTS",
      msg: "hello",
      alias: "CI",
      emoji: ":rocket:",
      parseUrls: false,
    });
    expect(status).toBe(200);
    expect(fake.messages).toHaveLength(1);
    const stored = fake.messages[0]!;
    expect(stored).toMatchObject({
      _id: "slack-C1-1.000",
      rid: "ALERTS",
      msg: "hello",
      alias: "CI",
      emoji: ":rocket:",
      parseUrls: false,
      u: { _id: "bot-user-id", username: "slackline.bot" },
    });
    expect(Date.parse(stored.ts)).toBeGreaterThanOrEqual(before - 1);
    expect(body).toEqual({ message: JSON.parse(JSON.stringify(stored)), success: true });
    expect(fake.messagesIn("alerts")).toEqual([stored]);
    expect(fake.messagesIn("ALERTS")).toEqual([stored]);
  });

  it("generates an id when none is given, and keeps unknown keys as Rocket.Chat does", async () => {
    const { body } = await send({ rid: "ALERTS", msg: "x", bot: { i: "slackline" }, text: "stray" });
    const message = body["message"] as { _id: string };
    expect(message._id).toMatch(/^[23456789A-HJ-NP-Za-km-z]{17}$/);
    expect(fake.message(message._id)).toMatchObject({ bot: { i: "slackline" }, text: "stray" });
  });

  it("a duplicate _id stores nothing new and answers 400 with the TypeError message", async () => {
    expect((await send({ _id: "dup-1", rid: "ALERTS", msg: "first" })).status).toBe(200);
    const again = await send({ _id: "dup-1", rid: "ALERTS", msg: "second" });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      success: false,
      error: "Cannot read properties of undefined (reading 'starred')",
    });
    expect(fake.messages.map((m) => m.msg)).toEqual(["first"]);
  });

  it("rejects unknown top-level keys and a missing message (ajv, additionalProperties false)", async () => {
    const extra = await call("POST", "chat.sendMessage", {
      message: { rid: "ALERTS", msg: "x" },
      channel: "#alerts",
    });
    expect(extra.status).toBe(400);
    expect(extra.body).toEqual({
      success: false,
      error: "must NOT have additional properties [invalid-params]",
      errorType: "invalid-params",
    });
    const missing = await call("POST", "chat.sendMessage", {});
    expect(missing.body["error"]).toBe("must have required property 'message' [invalid-params]");
    const badType = await send({ rid: "ALERTS", msg: 42 });
    expect(badType.body["error"]).toBe("must be string [invalid-params]");
    expect(fake.messages).toEqual([]);
  });

  it("rejects an unknown room, a missing rid, and a private group the bot is not in", async () => {
    expect((await send({ rid: "NOPE", msg: "x" })).body).toEqual({ success: false, error: "error-invalid-room" });
    expect((await send({ msg: "x" })).body).toEqual({
      success: false,
      error: "The 'rid' property on the message object is missing.",
    });
    expect((await send({ rid: "SECRET", msg: "x" })).body).toEqual({ success: false, error: "error-not-allowed" });
    expect(fake.messages).toEqual([]);
  });

  it("refuses an archived room", async () => {
    const { status, body } = await send({ rid: "OLD", msg: "x" });
    expect(status).toBe(400);
    expect(body["error"]).toBe("error-room-archived");
    expect(fake.messagesIn("old")).toEqual([]);
  });

  it("enforces Message_MaxAllowedSize in UTF-16 code units", async () => {
    expect((await send({ rid: "ALERTS", msg: "a".repeat(5000) })).status).toBe(200);
    const over = await send({ rid: "ALERTS", msg: "😀".repeat(2500) + "a" });
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      success: false,
      error: "Message size exceeds Message_MaxAllowedSize [error-message-size-exceeded]",
      errorType: "error-message-size-exceeded",
      details: { method: "sendMessage" },
    });
    expect(fake.messages).toHaveLength(1);
  });

  it("rejects a client ts more than 60 s off, replaces one 10-60 s off, keeps one within 10 s", async () => {
    const far = await send({ rid: "ALERTS", msg: "x", ts: new Date(Date.now() - 120_000).toISOString() });
    expect(far.status).toBe(400);
    expect(far.body).toMatchObject({
      error: "Message timestamp is out of sync [error-message-ts-out-of-sync]",
      errorType: "error-message-ts-out-of-sync",
      details: { method: "sendMessage" },
    });
    const oldTs = new Date(Date.now() - 30_000).toISOString();
    await send({ _id: "replaced", rid: "ALERTS", msg: "x", ts: oldTs });
    expect(Date.parse(fake.message("replaced")!.ts)).toBeGreaterThan(Date.parse(oldTs) + 20_000);
    const nearTs = new Date(Date.now() - 2_000).toISOString();
    await send({ _id: "kept", rid: "ALERTS", msg: "x", ts: nearTs });
    expect(fake.message("kept")!.ts).toBe(nearTs);
    expect(fake.messages).toHaveLength(2);
  });

  it("rejects tshow without tmid", async () => {
    const { body } = await send({ rid: "ALERTS", msg: "x", tshow: true });
    expect(body).toEqual({
      success: false,
      error: "tshow provided but missing tmid [invalid-params]",
      errorType: "invalid-params",
      details: { method: "sendMessage" },
    });
  });

  it("re-points a tmid naming a reply to the thread root, taking the root's room", async () => {
    await send({ _id: "root", rid: "ALERTS", msg: "root" });
    await send({ _id: "reply-1", rid: "ALERTS", msg: "r1", tmid: "root", tshow: true });
    const { status } = await send({ _id: "reply-2", rid: "GENERAL", msg: "r2", tmid: "reply-1", tshow: false });
    expect(status).toBe(200);
    expect(fake.message("reply-1")).toMatchObject({ tmid: "root", tshow: true });
    const reply2 = fake.message("reply-2")!;
    expect(reply2).toMatchObject({ tmid: "root", rid: "ALERTS" });
    // prepareMessageObject drops tshow unless it is true.
    expect("tshow" in reply2).toBe(false);
  });

  it("records @all as a mention when allowed, plus known users", async () => {
    await send({ _id: "m", rid: "ALERTS", msg: "@all see @alice and @nobody" });
    expect(fake.message("m")!.mentions).toEqual([
      { _id: "all", username: "all" },
      { _id: "alice-id", username: "alice", name: "alice" },
    ]);
  });

  it("rejects a tmid that names no message", async () => {
    const { status, body } = await send({ rid: "ALERTS", msg: "x", tmid: "ghost" });
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: "Invalid message [error-invalid-message]",
      errorType: "error-invalid-message",
    });
    expect(fake.messages).toEqual([]);
  });
});

describe("attachments (validateMessage)", () => {
  const post = (attachment: Record<string, unknown>) =>
    send({ rid: "ALERTS", msg: "x", attachments: [{ title: "ok" }, attachment] });

  it("accepts a complete Slack-like attachment and stores unknown keys unchanged", async () => {
    const attachment = {
      color: "#2eb886",
      title: "Build 42",
      title_link: "https://ci.example/42",
      text: "passed",
      fields: [
        { title: "Branch", value: "main", short: true },
        { title: "Count", value: 3 },
      ],
      actions: [{ type: "button", text: "Open", url: "https://ci.example" }],
      image_url: "data:image/png;base64,AAAA",
      footer: "CI",
      fallback: "Build 42 passed",
    };
    expect((await post(attachment)).status).toBe(200);
    expect(fake.messages[0]!.attachments).toEqual([{ title: "ok" }, attachment]);
  });

  it("rejects a field with an empty title or a falsy value, storing nothing", async () => {
    const fields = [{ title: "", value: "v" }, { title: "t", value: 0 }, { title: "t", value: false }, { title: "t" }];
    for (const field of fields) {
      const { status, body } = await post({ fields: [field] });
      expect(status).toBe(400);
      expect(body).toEqual({ success: false, error: "Invalid attachment field, title and value is required" });
    }
    expect(fake.messages).toEqual([]);
  });

  it("rejects mailto:, tel: and javascript: links but accepts http(s) and data:", async () => {
    for (const key of ["title_link", "author_link", "author_icon", "thumb_url", "image_url", "message_link"]) {
      for (const href of ["mailto:ops@example.com", "tel:+123", "javascript:alert(1)", "ftp://x"]) {
        const { status, body } = await post({ [key]: href });
        expect(status).toBe(400);
        expect(body).toEqual({ success: false, error: "Invalid href value provided" });
      }
    }
    expect((await post({ actions: [{ type: "button", text: "Mail", url: "mailto:x@y" }] })).body["error"]).toBe(
      "Invalid href value provided",
    );
    expect(fake.messages).toEqual([]);
    expect((await post({ title_link: "http://x", audio_url: "https://x/a.mp3" })).status).toBe(200);
  });

  it("type-checks keys with Meteor's Match error messages", async () => {
    const match = "Match error: Match error:";
    const oneOf = "Failed Match.OneOf, Match.Maybe or Match.Optional validation";
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ text: 5 }, `${match} Expected string, got number in field text`],
      [{ collapsed: "yes" }, `${match} Expected boolean, got string in field collapsed`],
      [{ ts: true }, `${match} ${oneOf} in field ts`],
      [{ fields: "a" }, `${match} Expected array, got "a" in field fields`],
      [{ image_size: "1" }, `${match} Expected number, got string in field image_size`],
      [{ fields: [{ title: "t", value: "v", short: "yes" }] }, `${match} Expected boolean, got string in field short`],
      [{ fields: [{ title: "t", value: ["v"] }] }, `${match} ${oneOf} in field value`],
      // The URL check is a Match.Where around check(value, String): one more level.
      [{ title_link: 7 }, `${match} Match error: Expected string, got number in field title_link`],
    ];
    for (const [attachment, error] of cases) expect((await post(attachment)).body).toEqual({ success: false, error });
    expect(fake.messages).toEqual([]);
  });

  it("checks the message-level keys the ajv schema does not cover", async () => {
    expect((await send({ rid: "ALERTS", text: 1 })).body["error"]).toBe(
      "Match error: Match error: Expected string, got number in field text",
    );
    expect((await send({ rid: "ALERTS", msg: "x", avatar: "javascript:alert(1)" })).body["error"]).toBe(
      "Invalid href value provided",
    );
    expect((await send({ rid: "ALERTS", msg: "x", avatar: "/avatar/bot" })).status).toBe(200);
    expect((await send({ rid: "ALERTS", msg: "x", attachments: [null] })).body["error"]).toBe(
      "must be object [invalid-params]",
    );
  });
});

describe("options", () => {
  let strict: FakeRocketChat;
  beforeAll(async () => {
    strict = await startFakeRocketChat({
      userId: "u1",
      authToken: "t1",
      maxMessageSize: 10,
      threadsEnabled: false,
      allowMentionAll: false,
      allowMentionHere: false,
      unknownTmid: "store",
    });
  });
  afterAll(() => strict.close());
  beforeEach(() => strict.reset());
  const sendStrict = (message: Record<string, unknown>) =>
    call("POST", "chat.sendMessage", { message }, { "X-User-Id": "u1", "X-Auth-Token": "t1" }, strict);

  it("uses the configured credentials and size limit", async () => {
    expect((await send({ rid: "GENERAL", msg: "x" }, strict)).status).toBe(401);
    expect((await sendStrict({ rid: "GENERAL", msg: "a".repeat(10) })).status).toBe(200);
    const over = await sendStrict({ rid: "GENERAL", msg: "a".repeat(11) });
    expect(over.body["errorType"]).toBe("error-message-size-exceeded");
  });

  it("refuses @all and @here without mention-all / mention-here", async () => {
    const all = await sendStrict({ rid: "GENERAL", msg: "hey @all" });
    expect(all.body).toEqual({
      success: false,
      error: "Notify all in this room not allowed [error-action-not-allowed]",
      errorType: "error-action-not-allowed",
      details: { action: "Notify all in this room" },
    });
    expect((await sendStrict({ rid: "GENERAL", msg: "@here" })).body["error"]).toBe(
      "Notify here in this room not allowed [error-action-not-allowed]",
    );
    // Not mentions: inside a word, or a longer name.
    expect((await sendStrict({ rid: "GENERAL", msg: "ops@all.io" })).status).toBe(200);
    expect((await sendStrict({ rid: "GENERAL", msg: "@allison" })).status).toBe(200);
    expect(strict.messages.map((m) => m.msg)).toEqual(["ops@all.io", "@allison"]);
  });

  it("refuses tmid when threads are disabled", async () => {
    expect((await sendStrict({ rid: "GENERAL", msg: "x", tmid: "any" })).body).toEqual({
      success: false,
      error: "not-allowed [error-not-allowed]",
      errorType: "error-not-allowed",
      details: { method: "sendMessage" },
    });
  });

  it("can keep a dangling tmid as executeSendMessage does", async () => {
    strict.settings.threadsEnabled = true;
    expect((await sendStrict({ _id: "orphan", rid: "GENERAL", msg: "x", tmid: "ghost" })).status).toBe(200);
    expect(strict.message("orphan")!.tmid).toBe("ghost");
  });
});

describe("chat.postMessage", () => {
  const post = (body: Record<string, unknown>) => call("POST", "chat.postMessage", body);

  it("posts to #channel with alias/emoji, answering ts, channel and the message", async () => {
    const { status, body } = await post({
      channel: "#alerts",
      text: "  Build *passed*  ",
      alias: "CI",
      emoji: ":rocket:",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      channel: "#alerts",
      success: true,
      message: { rid: "ALERTS", msg: "Build *passed*" },
    });
    expect(typeof body["ts"]).toBe("number");
    expect(fake.messages[0]).toMatchObject({
      alias: "CI",
      emoji: ":rocket:",
      groupable: false,
      parseUrls: true,
    });
  });

  it("keeps the avatar and drops the emoji when both are given", async () => {
    await post({
      roomId: "ALERTS",
      text: "x",
      avatar: "https://x/a.png",
      emoji: ":ghost:",
      attachments: [{ msg: " t " }],
    });
    const stored = fake.messages[0]!;
    expect(stored.avatar).toBe("https://x/a.png");
    expect("emoji" in stored).toBe(false);
    expect(stored.attachments).toEqual([{ text: "t" }]);
    expect(stored.parseUrls).toBe(false);
  });

  it("rejects Slack keys, tmid with channel, and channel with roomId (ajv oneOf)", async () => {
    const slack = await post({ channel: "#alerts", text: "hi", username: "bot", icon_emoji: ":ghost:" });
    expect(slack.body).toEqual({
      success: false,
      error: [
        "must have required property 'roomId'",
        "must NOT have additional properties",
        "must match exactly one schema in oneOf [invalid-params]",
      ].join("\n "),
      errorType: "invalid-params",
    });
    expect((await post({ channel: "#alerts", text: "hi", tmid: "abc" })).status).toBe(400);
    expect((await post({ channel: "#alerts", roomId: "ALERTS", text: "hi" })).status).toBe(400);
    expect((await post({ channel: "#alerts", text: "hi", blocks: [] })).status).toBe(400);
    expect(fake.messages).toEqual([]);
  });

  it("answers invalid-channel for an unknown channel and the plain size error", async () => {
    expect((await post({ channel: "#nope", text: "x" })).body).toEqual({
      success: false,
      error: "[invalid-channel]",
      errorType: "invalid-channel",
    });
    expect((await post({ channel: "#alerts", attachments: [{ text: "a".repeat(5001) }] })).body).toEqual({
      success: false,
      error: "error-message-size-exceeded",
    });
  });

  it("@username posts into the direct room", async () => {
    const { body } = await post({ channel: "@alice", text: "psst" });
    expect((body["message"] as { rid: string }).rid).toBe(["alice-id", "bot-user-id"].sort().join(""));
    expect(fake.messagesIn("@alice").map((m) => m.msg)).toEqual(["psst"]);
  });
});

describe("lookups", () => {
  it("chat.getMessage finds a stored message and answers {success:false} for an unknown one", async () => {
    await send({ _id: "m1", rid: "ALERTS", msg: "x" });
    const found = await call("GET", "chat.getMessage?msgId=m1");
    expect(found.body).toMatchObject({ success: true, message: { _id: "m1", msg: "x" } });
    const missing = await call("GET", "chat.getMessage?msgId=m2");
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ success: false });
    expect((await call("GET", "chat.getMessage")).body["error"]).toBe(
      "must have required property 'msgId' [invalid-params]",
    );
  });

  it("rooms.info by name and id, unknown, archived, and inaccessible", async () => {
    expect((await call("GET", "rooms.info?roomName=alerts")).body).toEqual({
      room: { _id: "ALERTS", name: "alerts", fname: "alerts", t: "c" },
      success: true,
    });
    expect((await call("GET", "rooms.info?roomId=GENERAL")).body).toMatchObject({ room: { name: "general" } });
    const unknown = await call("GET", "rooms.info?roomName=nope");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      success: false,
      error: 'The required "roomId" or "roomName" param provided does not match any channel [error-room-not-found]',
      errorType: "error-room-not-found",
    });
    expect((await call("GET", "rooms.info?roomName=old")).body).toEqual({
      success: false,
      error: "The channel, old, is archived [error-room-archived]",
      errorType: "error-room-archived",
    });
    expect((await call("GET", "rooms.info?roomName=secret")).body).toEqual({
      success: false,
      error: "not-allowed",
      errorType: "Not Allowed",
    });
  });

  it("room() exposes the live room, so a test can archive it", async () => {
    const rid = fake.addRoom({ name: "temp" });
    expect((await send({ rid, msg: "before" })).status).toBe(200);
    fake.room("temp")!.archived = true;
    expect((await send({ rid, msg: "after" })).body["error"]).toBe("error-room-archived");
    expect(fake.messagesIn("temp").map((m) => m.msg)).toEqual(["before"]);
  });
});

describe("im.create", () => {
  it("creates the direct room once, with the sorted-and-joined user ids as its id", async () => {
    const rid = ["alice-id", "bot-user-id"].sort().join("");
    const first = await call("POST", "im.create", { username: "alice" });
    expect(first.body).toEqual({
      room: { t: "d", rid, usernames: ["alice", "slackline.bot"], _id: rid },
      success: true,
    });
    expect((await call("POST", "im.create", { username: "alice" })).body).toEqual(first.body);
    expect((await send({ rid, msg: "hi" })).status).toBe(200);
    expect(fake.messagesIn("@alice")).toHaveLength(1);
    expect((await call("GET", `rooms.info?roomId=${rid}`)).body).toMatchObject({ room: { _id: rid, t: "d" } });
  });

  it("answers error-invalid-user for an unknown user", async () => {
    const { status, body } = await call("POST", "im.create", { username: "ghost" });
    expect(status).toBe(400);
    expect(body).toEqual({
      success: false,
      error: "Invalid user [error-invalid-user]",
      errorType: "error-invalid-user",
      details: { method: "createDirectMessage" },
    });
  });
});

describe("chat.update and chat.delete", () => {
  it("edits the text only and rejects other keys", async () => {
    await send({ _id: "e1", rid: "ALERTS", msg: "old" });
    const { body } = await call("POST", "chat.update", { roomId: "ALERTS", msgId: "e1", text: "new" });
    expect(body).toMatchObject({
      success: true,
      message: { _id: "e1", msg: "new", editedBy: { username: "slackline.bot" } },
    });
    expect(fake.message("e1")!.editedAt).toBeTypeOf("string");
    const withAttachments = await call("POST", "chat.update", {
      roomId: "ALERTS",
      msgId: "e1",
      text: "x",
      attachments: [],
    });
    expect(withAttachments.body["errorType"]).toBe("invalid-params");
    expect((await call("POST", "chat.update", { roomId: "GENERAL", msgId: "e1", text: "x" })).body["error"]).toBe(
      "The room id provided does not match where the message is from.",
    );
    expect((await call("POST", "chat.update", { roomId: "ALERTS", msgId: "zz", text: "x" })).body["error"]).toBe(
      'No message found with the id of "zz".',
    );
    expect(fake.message("e1")!.msg).toBe("new");
  });

  it("deletes, answering ts as a string of epoch milliseconds", async () => {
    await send({ _id: "d1", rid: "ALERTS", msg: "bye" });
    const { body } = await call("POST", "chat.delete", { roomId: "ALERTS", msgId: "d1" });
    expect(body).toMatchObject({ _id: "d1", success: true, message: { _id: "d1", rid: "ALERTS" } });
    expect(body["ts"]).toMatch(/^\d{13}$/);
    expect(fake.messages).toEqual([]);
    expect((await call("POST", "chat.delete", { roomId: "ALERTS", msgId: "d1" })).status).toBe(400);
  });
});

describe("plumbing", () => {
  it("answers 404 JSON for an unknown route", async () => {
    const { status, body } = await call("GET", "channels.list");
    expect(status).toBe(404);
    expect(body["success"]).toBe(false);
  });

  it("records requests with their parsed body and status, and counts calls per route", async () => {
    await send({ _id: "r1", rid: "ALERTS", msg: "x" });
    await call("GET", "rooms.info?roomName=nope");
    expect(fake.requests.map((r) => [r.method, r.endpoint, r.status])).toEqual([
      ["POST", "chat.sendMessage", 200],
      ["GET", "rooms.info", 400],
    ]);
    expect(fake.requests[0]!.body).toEqual({ message: { _id: "r1", rid: "ALERTS", msg: "x" } });
    expect(fake.requests[0]!.headers["x-user-id"]).toBe("bot-user-id");
    expect(fake.requests[1]!.query).toEqual({ roomName: "nope" });
    expect(fake.calls).toEqual({ "chat.sendMessage": 1, "rooms.info": 1 });
    expect(fake.requests.some((r) => "ts" in ((r.body as { message?: object })?.message ?? {}))).toBe(false);
  });

  it("serves concurrent keep-alive load without recording when recordRequests is off", async () => {
    fake.recordRequests = false;
    try {
      const ids = Array.from({ length: 300 }, (_, i) => `load-${i}`);
      const answers = await Promise.all(ids.map((id) => send({ _id: id, rid: "ALERTS", msg: id })));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(new Set(fake.messages.map((m) => m._id))).toEqual(new Set(ids));
      expect(fake.requests).toEqual([]);
      expect(fake.calls["chat.sendMessage"]).toBe(300);
    } finally {
      fake.recordRequests = true;
    }
  });

  it("does not read a body sent without a JSON content type", async () => {
    const res = await fetch(`${fake.url}/api/v1/chat.sendMessage`, {
      method: "POST",
      headers: { "X-User-Id": fake.userId, "X-Auth-Token": fake.authToken, "Content-Type": "text/plain" },
      body: JSON.stringify({ message: { rid: "ALERTS", msg: "x" } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(
      "must have required property 'message' [invalid-params]",
    );
    expect(fake.messages).toEqual([]);
  });

  it("answers 413 to a body over the limit", async () => {
    const small = await startFakeRocketChat({ bodyLimitBytes: 1024 });
    try {
      const { status } = await send({ rid: "GENERAL", msg: "a".repeat(2000) }, small);
      expect(status).toBe(413);
      expect(small.messages).toEqual([]);
      expect((await send({ rid: "GENERAL", msg: "ok" }, small)).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("reset() clears messages, requests, calls and faults but keeps rooms and users", async () => {
    await send({ rid: "ALERTS", msg: "x" });
    fake.faults.rateLimitNext = 5;
    fake.reset();
    expect([fake.messages, fake.requests, fake.calls, fake.faults.rateLimitNext]).toEqual([[], [], {}, 0]);
    expect((await send({ rid: "ALERTS", msg: "y" })).status).toBe(200);
    expect((await call("POST", "im.create", { username: "alice" })).status).toBe(200);
  });
});

describe("faults", () => {
  it("rate limit: 429 with Rocket.Chat's body and X-RateLimit headers, then normal service", async () => {
    fake.faults.rateLimitNext = 2;
    fake.faults.rateLimitSeconds = 7;
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      const { status, headers, body } = await send({ rid: "ALERTS", msg: "x" });
      expect(status).toBe(429);
      expect(body).toEqual({
        success: false,
        error:
          "Error, too many requests. Please slow down. " +
          "You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]",
      });
      expect(headers.get("x-ratelimit-limit")).toBe("10");
      expect(headers.get("x-ratelimit-remaining")).toBe("0");
      const reset = Number(headers.get("x-ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(before + 7000);
      expect(reset).toBeLessThan(Date.now() + 7000 + 1000);
    }
    // Lookups are not limited; the next post goes through.
    expect((await call("GET", "rooms.info?roomName=alerts")).status).toBe(200);
    expect((await send({ rid: "ALERTS", msg: "y" })).status).toBe(200);
    expect(fake.messages.map((m) => m.msg)).toEqual(["y"]);
  });

  it("down refuses connections; up serves again on the same URL", async () => {
    const url = fake.url;
    await send({ rid: "ALERTS", msg: "before" });
    await fake.setDown(true);
    expect(fake.faults.down).toBe(true);
    for (let i = 0; i < 3; i++) {
      const refused = await send({ rid: "ALERTS", msg: "during" }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TypeError);
      expect(((refused as TypeError).cause as { code?: string }).code).toBe("ECONNREFUSED");
    }
    // The plain switch works too: listen binds before the next connection attempt.
    fake.faults.down = false;
    expect(fake.url).toBe(url);
    expect((await send({ rid: "ALERTS", msg: "after" })).status).toBe(200);
    expect(fake.messages.map((m) => m.msg)).toEqual(["before", "after"]);
  });

  it("going down mid keep-alive fails a pooled connection at once, like a crash", async () => {
    await send({ rid: "ALERTS", msg: "warm the pool" });
    fake.faults.down = true;
    const failure = await send({ rid: "ALERTS", msg: "racing" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    await fake.setDown(false);
    expect(fake.messages.map((m) => m.msg)).toEqual(["warm the pool"]);
  });

  it("resetAfterStore stores the message but the client sees a socket error", async () => {
    fake.faults.resetAfterStore = 1;
    const failure = await send({ _id: "ambiguous-1", rid: "ALERTS", msg: "x" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect(fake.message("ambiguous-1")).toBeDefined();
    // The retry with the same _id is the duplicate case; a new message is served normally.
    expect((await send({ _id: "ambiguous-1", rid: "ALERTS", msg: "x" })).status).toBe(400);
    expect((await send({ _id: "fresh", rid: "ALERTS", msg: "y" })).status).toBe(200);
    expect(fake.messages.map((m) => m._id)).toEqual(["ambiguous-1", "fresh"]);
  });

  it("status5xx fails the next N requests, storing nothing", async () => {
    fake.faults.status5xx = 503;
    fake.faults.status5xxCount = 2;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${fake.url}/api/v1/chat.sendMessage`, { method: "POST" });
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("text/html");
      expect(await res.text()).toContain("503");
    }
    expect(fake.faults.status5xx).toBeNull();
    expect((await send({ rid: "ALERTS", msg: "x" })).status).toBe(200);
    expect(fake.messages).toHaveLength(1);
  });

  it("status5xx can target one route, and 500 is Rocket.Chat's JSON", async () => {
    fake.faults.status5xx = 500;
    fake.faults.status5xxEndpoint = "chat.sendMessage";
    expect((await call("GET", "rooms.info?roomName=alerts")).status).toBe(200);
    const { status, body } = await send({ rid: "ALERTS", msg: "x" });
    expect([status, body]).toEqual([500, { success: false, error: "Internal server error" }]);
    expect(fake.messages).toEqual([]);
  });

  it("delayMs with storeThenDelay stores before answering; without it, stores after the wait", async () => {
    // Ordered by events, not by the clock: what is stored while the answer is still pending.
    const pending = () => fake.requests.some((r) => r.endpoint === "chat.sendMessage" && r.status === null);
    const until = async (ok: () => boolean) => {
      while (!ok()) await new Promise((r) => setTimeout(r, 5));
    };
    fake.faults.delayMs = 300;
    fake.faults.storeThenDelay = true;
    const early = send({ _id: "slow-1", rid: "ALERTS", msg: "x" });
    await until(() => fake.message("slow-1") !== undefined);
    expect(pending()).toBe(true);
    expect((await early).status).toBe(200);

    fake.faults.storeThenDelay = false;
    const late = send({ _id: "slow-2", rid: "ALERTS", msg: "x" });
    await until(pending);
    expect(fake.message("slow-2")).toBeUndefined();
    expect((await late).status).toBe(200);
    expect(fake.message("slow-2")).toBeDefined();
  });

  it("a delayed request is dropped, not stored, when the server goes down meanwhile", async () => {
    fake.faults.delayMs = 200;
    const pending = send({ _id: "lost", rid: "ALERTS", msg: "x" }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    fake.faults.down = true;
    expect(await pending).toBeInstanceOf(TypeError);
    await new Promise((r) => setTimeout(r, 250));
    expect(fake.message("lost")).toBeUndefined();
  });

  it("reject answers 400 with the given error for matching messages only", async () => {
    fake.faults.reject = (m) => (m.msg.includes("boom") ? "error-custom [error-custom]" : null);
    expect((await send({ rid: "ALERTS", msg: "boom" })).body).toEqual({
      success: false,
      error: "error-custom [error-custom]",
    });
    expect((await send({ rid: "ALERTS", msg: "fine" })).status).toBe(200);
    expect(fake.messages.map((m) => m.msg)).toEqual(["fine"]);
  });
});

describe("what the Slack Web API calls", () => {
  const methodCall = (params: unknown[], method = "updateMessage") =>
    call("POST", `method.call/${method}`, { message: JSON.stringify({ msg: "method", id: "7", method, params }) });
  const result = (answer: Answer) =>
    JSON.parse(String(answer.body["message"])) as { msg: string; id: string; error?: Record<string, unknown> };

  it("method.call/updateMessage changes attachments, answers 200 with the error inside, ignores unchanged text and unknown ids", async () => {
    await send({ _id: "u1", rid: "ALERTS", msg: "v1", attachments: [{ text: "a" }] });
    const ok = await methodCall([
      { _id: "u1", rid: "ALERTS", msg: "v2", attachments: [{ color: "#2eb886", text: "b" }] },
    ]);
    expect(ok.status).toBe(200);
    expect(result(ok)).toEqual({ msg: "result", id: "7" });
    expect(fake.message("u1")).toMatchObject({ msg: "v2", attachments: [{ color: "#2eb886", text: "b" }] });
    expect(fake.message("u1")!.editedAt).toBeTypeOf("string");
    // Unchanged text: nothing at all changes, attachments included.
    await methodCall([{ _id: "u1", rid: "ALERTS", msg: "v2", attachments: [] }]);
    expect(fake.message("u1")!.attachments).toEqual([{ color: "#2eb886", text: "b" }]);
    const badKey = await methodCall([{ _id: "u1", rid: "ALERTS", msg: "v3", groupable: true }]);
    expect(badKey.status).toBe(200);
    expect(result(badKey).error).toMatchObject({ error: "error-invalid-update-key", errorType: "Meteor.Error" });
    expect(result(await methodCall([{ _id: "nope", rid: "ALERTS", msg: "x" }])).error).toBeUndefined();
    expect(result(await methodCall([], "deleteUser")).error).toMatchObject({ error: 404 });
    expect((await call("POST", "method.call/updateMessage", { message: 1 })).status).toBe(400);
  });

  it("refuses to edit or delete another user's message (the bot role lacks edit-message and delete-message)", async () => {
    await send({ _id: "o1", rid: "ALERTS", msg: "mine" });
    fake.message("o1")!.u = { _id: "alice-id", username: "alice", name: "alice" };
    expect((await call("POST", "chat.update", { roomId: "ALERTS", msgId: "o1", text: "x" })).body).toMatchObject({
      errorType: "error-action-not-allowed",
    });
    expect((await call("POST", "chat.delete", { roomId: "ALERTS", msgId: "o1" })).body).toMatchObject({
      errorType: "error-action-not-allowed",
    });
    expect(result(await methodCall([{ _id: "o1", rid: "ALERTS", msg: "x" }])).error).toMatchObject({
      error: "error-action-not-allowed",
    });
  });

  it("chat.react toggles or sets, knows its emoji, and is strict about its body", async () => {
    await send({ _id: "r1", rid: "ALERTS", msg: "react" });
    expect((await call("POST", "chat.react", { messageId: "r1", emoji: ":eyes:", shouldReact: true })).body).toEqual({
      success: true,
    });
    expect(fake.message("r1")!["reactions"]).toEqual({ ":eyes:": { usernames: ["slackline.bot"] } });
    await call("POST", "chat.react", { messageId: "r1", emoji: "eyes" });
    expect(fake.message("r1")!["reactions"]).toEqual({});
    expect((await call("POST", "chat.react", { messageId: "r1", emoji: "no_such_emoji" })).body).toMatchObject({
      errorType: "error-not-allowed",
    });
    expect((await call("POST", "chat.react", { messageId: "zz", emoji: "eyes" })).body).toMatchObject({
      errorType: "error-message-not-found",
    });
    expect((await call("POST", "chat.react", { messageId: "r1", emoji: "eyes", extra: 1 })).body).toMatchObject({
      errorType: "invalid-params",
    });
  });

  it("users.info by id, username or email; email needs view-full-other-user-info", async () => {
    const local = await startFakeRocketChat();
    try {
      local.addUser("bob", "bob-id", { email: "bob@example.com", name: "Bob" });
      const get = (q: string) => call("GET", `users.info?${q}`, undefined, undefined, local);
      expect((await get("userId=bob-id")).body).toMatchObject({
        success: true,
        user: { _id: "bob-id", username: "bob", name: "Bob" },
      });
      expect((await get("username=bob")).body).toMatchObject({ user: { emails: [{ address: "bob@example.com" }] } });
      expect((await get("email=bob%40example.com")).body).toMatchObject({ user: { _id: "bob-id" } });
      expect(await get("username=ghost")).toMatchObject({
        status: 400,
        body: { success: false, error: "User not found." },
      });
      expect((await get("")).body).toMatchObject({ errorType: "invalid-params" });
      local.settings.viewFullOtherUserInfo = false;
      expect((await get("email=bob%40example.com")).status).toBe(400);
    } finally {
      await local.close();
    }
  });

  it("rooms.media stores one file under FileUpload_MaxFileSize; rooms.mediaConfirm posts it", async () => {
    const upload = async (bytes: string, rid = "ALERTS") => {
      const form = new FormData();
      form.set("file", new Blob([bytes], { type: "text/plain" }), "a.txt");
      const res = await fetch(`${fake.url}/api/v1/rooms.media/${rid}`, {
        method: "POST",
        headers: { "X-User-Id": fake.userId, "X-Auth-Token": fake.authToken },
        body: form,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const stored = await upload("hello");
    const fileId = (stored.body["file"] as { _id: string })._id;
    expect(fake.uploads.get(fileId)).toMatchObject({ rid: "ALERTS", name: "a.txt", confirmed: false });
    const confirmed = await call("POST", `rooms.mediaConfirm/ALERTS/${fileId}`, {
      msg: "see file",
      description: "the file",
    });
    expect(confirmed.body).toMatchObject({
      success: true,
      message: { rid: "ALERTS", msg: "see file", attachments: [{ title: "a.txt", description: "the file" }] },
    });
    expect((await call("POST", "rooms.mediaConfirm/ALERTS/nope", {})).body).toMatchObject({
      errorType: "invalid-file",
    });
    expect((await upload("x", "SECRET")).status).toBe(403);
    fake.settings.maxFileSize = 3;
    try {
      expect((await upload("too long")).body).toMatchObject({ errorType: "error-file-too-large" });
    } finally {
      fake.settings.maxFileSize = 104857600;
    }
  });

  it("rooms.get lists the rooms the bot is in, archived ones too", async () => {
    const { body } = await call("GET", "rooms.get");
    const names = (body["update"] as Array<{ name?: string }>).map((r) => r.name).sort();
    expect(names).toEqual(expect.arrayContaining(["alerts", "general", "old"]));
    expect(names).not.toContain("secret");
  });
});
