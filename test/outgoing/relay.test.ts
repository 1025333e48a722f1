/**
 * `POST /outgoing/{name}` end to end: Rocket.Chat's webhook body in, Slack-style requests to real
 * bots on loopback, their replies into the fake Rocket.Chat.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toSlackChannelId, toSlackTs, toSlackUserId } from "../../src/outgoing/ids.ts";
import { startFakeRocketChat, type FakeRocketChat, type StoredMessage } from "../support/fake-rocketchat.ts";
import {
  configFor,
  eventFor,
  json,
  postEvent,
  postedBy,
  RC_TOKEN,
  seed,
  slackline,
  startBot,
  type Bot,
  type BotAnswer,
  type BotRequest,
  type Slackline,
} from "./harness.ts";

const LEGACY_TOKEN = "legacy-outgoing-token";

let fake: FakeRocketChat;
/** A bot whose answer each test chooses; records what it was sent. */
let recorder: Bot;
let answer: (req: BotRequest) => BotAnswer | "hang" = () => json({});
/** Slack's documented legacy outgoing-webhook consumer: form body, token check, JSON reply. */
let legacy: Bot;
let sl: Slackline;
let seeded: StoredMessage[];

const rule = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  rocketchatToken: RC_TOKEN,
  targets: [{ url: recorder.url, format: "outgoing-webhook", token: LEGACY_TOKEN }],
  ...over,
});

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "ops", id: "OPS" });
  fake.addUser("alice", "alice-id");
  fake.addUser("bob", "bob-id");
  recorder = await startBot((req) => answer(req));
  legacy = await startBot((req) => {
    const form = new URLSearchParams(req.body);
    if (form.get("token") !== LEGACY_TOKEN) return { status: 403, body: "invalid token" };
    const words = (form.get("text") ?? "").split(" ");
    return json({
      text: `Deploying *${words[1]}* to ${words[2]}: <https://ci.example.com/b/1|build 1> for <@${form.get("user_id")}>`,
      username: "deploybot",
      icon_emoji: ":rocket:",
      attachments: [
        {
          color: "good",
          title: "Build 1",
          title_link: "https://ci.example.com/b/1",
          text: "All *green*",
          fields: [{ title: "env", value: words[2], short: true }],
        },
      ],
    });
  });
  const config = configFor(fake, {
    users: { U024BE7LH: "bob" },
    channels: { C024BE7LR: "general" },
    outgoing: [
      rule("prefix", { triggerWords: ["!deploy"], triggerMatch: "prefix" }),
      rule("first", { triggerWords: ["deploy", "ship"], triggerMatch: "first-word" }),
      rule("anywhere", { triggerWords: ["bug"], triggerMatch: "anywhere", caseSensitive: false }),
      rule("ops-only", { channels: ["#ops"] }),
      rule("edits", { runOnEdits: true }),
      rule("legacy", { triggerWords: ["!deploy"], targets: [{ url: legacy.url, format: "outgoing-webhook", token: LEGACY_TOKEN }] }),
    ],
  });
  sl = slackline(config);
});

afterAll(async () => {
  await Promise.all([recorder.close(), legacy.close()]);
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  recorder.requests.length = 0;
  legacy.requests.length = 0;
  answer = () => json({});
  seeded = [];
});

async function say(text: string, rid = "GENERAL", tmid?: string): Promise<StoredMessage> {
  const m = await seed(fake, rid, text, tmid);
  seeded.push(m);
  return m;
}

async function send(name: string, body: unknown): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await postEvent(sl.app, name, body);
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
}

const form = (req: BotRequest) => Object.fromEntries(new URLSearchParams(req.body));

describe("authentication and routing", () => {
  it("answers an unknown rule 404 JSON and sends nothing", async () => {
    const m = await say("!deploy api prod");
    const res = await send("nope", eventFor(m));
    expect(res).toMatchObject({ status: 404, body: { ok: false, error: "no_service" } });
    expect(res.type).toMatch(/^application\/json/);
    expect(recorder.requests).toHaveLength(0);
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("refuses a wrong token with 403 JSON and sends nothing", async () => {
    answer = () => json({ text: "must not be posted" });
    const m = await say("!deploy api prod");
    for (const token of ["wrong", RC_TOKEN + "x", ""]) {
      const res = await send("prefix", eventFor(m, { token }));
      expect(res).toMatchObject({ status: 403, body: { ok: false, error: "invalid_token" } });
    }
    const bare = await send("prefix", { token: "wrong", bot: false });
    expect(bare.status).toBe(403);
    expect(recorder.requests).toHaveLength(0);
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("answers room and user events (bare {token, bot}, RC #36348) 200 with JSON", async () => {
    const res = await send("prefix", { token: RC_TOKEN, bot: false });
    expect(res).toEqual({ status: 200, type: expect.stringMatching(/^application\/json/), body: { ok: true, matched: false, reason: "event" } });
    const joined = await send("prefix", { token: RC_TOKEN, channel_id: "GENERAL", user_name: "bob", timestamp: "2024-01-01T00:00:00.000Z" });
    expect(joined.body).toEqual({ ok: true, matched: false, reason: "event" });
    expect(recorder.requests).toHaveLength(0);
    expect(fake.messages).toEqual([]);
  });

  it("answers a body that is no event 400 JSON", async () => {
    const res = await Promise.resolve(sl.app.request("/outgoing/prefix", { method: "POST", body: "[1,2]" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error: "invalid_payload" });
  });
});

describe("loop guard and edits", () => {
  it("ignores bot:true events and slackline's own posts", async () => {
    answer = () => json({ text: "echo" });
    const m = await say("!deploy api prod");
    const bot = await send("prefix", eventFor(m, { bot: true }));
    const botMarker = await send("prefix", eventFor(m, { bot: { i: "integration" } }));
    const self = await send("prefix", eventFor(m, { user_id: fake.userId, user_name: fake.botUsername }));
    expect(bot.body).toEqual({ ok: true, matched: false, reason: "bot" });
    expect(botMarker.body).toEqual({ ok: true, matched: false, reason: "bot" });
    expect(self.body).toEqual({ ok: true, matched: false, reason: "self" });
    expect([bot.status, botMarker.status, self.status]).toEqual([200, 200, 200]);
    expect(recorder.requests).toHaveLength(0);
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("skips edits unless runOnEdits", async () => {
    answer = () => json({ text: "seen the edit" });
    const m = await say("!deploy api prod");
    const skipped = await send("prefix", eventFor(m, { isEdited: true }));
    expect(skipped.body).toEqual({ ok: true, matched: false, reason: "edited" });
    expect(recorder.requests).toHaveLength(0);

    const relayed = await send("edits", eventFor(m, { isEdited: true }));
    expect(relayed.body).toMatchObject({ ok: true, matched: true, targets: [{ format: "outgoing-webhook", outcome: "replied" }] });
    expect(recorder.requests).toHaveLength(1);
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "seen the edit" }]);
  });
});

describe("trigger words and channel filter", () => {
  const cases: Array<[rule: string, text: string, matched: boolean, triggerWord?: string]> = [
    ["prefix", "!deploy api", true, "!deploy"],
    ["prefix", "!deployment", true, "!deploy"],
    ["prefix", " !deploy api", false],
    ["prefix", "!DEPLOY api", false],
    ["first", "deploy api", true, "deploy"],
    ["first", "  ship it", true, "ship"],
    ["first", "deployment", false],
    ["first", "please deploy", false],
    ["anywhere", "found a BUG here", true, "bug"],
    ["anywhere", "debugging", true, "bug"],
    ["anywhere", "all good", false],
  ];
  it.each(cases)("%s: %j → matched %s", async (name, text, matched, triggerWord) => {
    const m = await say("whatever");
    const res = await send(name, eventFor(m, { text }));
    expect(res.status).toBe(200);
    if (!matched) {
      expect(res.body).toEqual({ ok: true, matched: false, reason: "trigger" });
      expect(recorder.requests).toHaveLength(0);
      return;
    }
    expect(res.body).toMatchObject({ ok: true, matched: true });
    expect(recorder.requests).toHaveLength(1);
    expect(form(recorder.requests[0]!)).toMatchObject({ text, trigger_word: triggerWord });
    // The bot answered `{}`: nothing to post.
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("fires a channel-filtered rule only in its room", async () => {
    const inGeneral = await say("anything");
    const inOps = await say("anything", "OPS");
    expect((await send("ops-only", eventFor(inGeneral))).body).toEqual({ ok: true, matched: false, reason: "channel" });
    expect((await send("ops-only", eventFor(inOps, { channel_name: "ops" }))).body).toMatchObject({ matched: true });
    expect(recorder.requests).toHaveLength(1);
    expect(form(recorder.requests[0]!)).toMatchObject({ channel_id: toSlackChannelId("OPS"), channel_name: "ops", trigger_word: "" });
  });
});

describe("a legacy outgoing-webhook consumer (Slack's documented contract)", () => {
  it("gets Slack's form, and its JSON reply is posted translated, attachments included", async () => {
    const m = await say("!deploy api prod & <stage>");
    const res = await send("legacy", eventFor(m));
    expect(res).toMatchObject({ status: 200, body: { ok: true, matched: true, targets: [{ format: "outgoing-webhook", outcome: "replied" }] } });

    expect(legacy.requests).toHaveLength(1);
    const req = legacy.requests[0]!;
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(form(req)).toEqual({
      token: LEGACY_TOKEN,
      team_id: expect.stringMatching(/^T[A-Z2-7]+$/),
      team_domain: "slackline",
      service_id: "legacy",
      // The config maps C024BE7LR to #general: bots get that id.
      channel_id: "C024BE7LR",
      channel_name: "general",
      timestamp: toSlackTs(m.ts),
      user_id: toSlackUserId("alice-id"),
      user_name: "alice",
      text: "!deploy api prod &amp; &lt;stage&gt;",
      trigger_word: "!deploy",
    });

    const posted = postedBy(fake, seeded);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      rid: "GENERAL",
      msg: "Deploying *api* to prod: [build 1](https://ci.example.com/b/1) for @alice",
      alias: "deploybot",
      emoji: ":rocket:",
      attachments: [
        {
          color: "#2eb886",
          title: "Build 1",
          title_link: "https://ci.example.com/b/1",
          text: "All **green**",
          fields: [{ title: "env", value: "prod", short: true }],
        },
      ],
    });
    expect(posted[0]!.tmid).toBeUndefined();
  });

  it("answers in the thread the event came from, with the root's ts as thread_ts", async () => {
    const root = await say("release thread");
    const m = await say("!deploy web staging", "GENERAL", root._id);
    await send("legacy", eventFor(m));
    expect(form(legacy.requests[0]!)["thread_ts"]).toBe(toSlackTs(root.ts));
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", tmid: root._id, msg: expect.stringContaining("Deploying *web*") }]);
  });

  it("threads a reply whose thread_ts is the event's ts under the event", async () => {
    answer = (req) => json({ text: "on it", thread_ts: form(req)["timestamp"] });
    const m = await say("!deploy api prod");
    await send("prefix", eventFor(m));
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "on it", tmid: m._id }]);
  });

  it("posts to another room when the reply names it, by slackline's id or the config's", async () => {
    answer = () => json({ text: "to ops", channel: toSlackChannelId("OPS") });
    const m = await say("!deploy api prod");
    await send("prefix", eventFor(m));
    answer = () => json({ text: "to general", channel: "C024BE7LR" });
    await send("prefix", eventFor(m, { channel_id: "OPS", channel_name: "ops" }));
    expect(postedBy(fake, seeded)).toMatchObject([
      { rid: "OPS", msg: "to ops" },
      { rid: "GENERAL", msg: "to general" },
    ]);
  });

  it("posts plain-text replies as text, and nothing for an empty body or {}", async () => {
    const m = await say("!deploy api prod");
    answer = () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "plain *answer*\n" });
    await send("prefix", eventFor(m));
    answer = () => ({ status: 200, body: "" });
    const empty = await send("prefix", eventFor(m));
    answer = () => json({ text: "" });
    await send("prefix", eventFor(m));
    expect(empty.body).toMatchObject({ targets: [{ outcome: "no_reply" }] });
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "plain *answer*" }]);
    expect(postedBy(fake, seeded)).toHaveLength(1);
  });

  it("counts relays by format and outcome", async () => {
    const m = await say("!deploy api prod");
    const before = sl.services.metrics.relayed.get({ format: "outgoing-webhook", outcome: "replied" });
    await send("legacy", eventFor(m));
    expect(sl.services.metrics.relayed.get({ format: "outgoing-webhook", outcome: "replied" })).toBe(before + 1);
  });
});
