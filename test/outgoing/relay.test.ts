/**
 * `POST /outgoing/{name}` end to end: Rocket.Chat's webhook body in, Slack-style requests to real
 * bots on loopback, their replies into the fake Rocket.Chat. Authentication, the loop guard and
 * the legacy consumer's replies are in the shared contract suite (test/contract/outgoing-relay.ts),
 * which runs on Node and inside workerd; the trigger matrix and metrics stay here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toSlackChannelId } from "../../src/slack/ids.ts";
import { legacyAnswer } from "../contract/bots.ts";
import { LEGACY_TOKEN } from "../contract/config.ts";
import { startFakeRocketChat, type FakeRocketChat, type StoredMessage } from "../support/fake-rocketchat.ts";
import {
  configFor,
  eventFor,
  json,
  form,
  sendEvent,
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

let fake: FakeRocketChat;
/** A bot whose answer each test chooses; records what it was sent. */
let recorder: Bot;
let answer: (req: BotRequest) => BotAnswer | "hang" = () => json({});
/** Slack's documented legacy outgoing-webhook consumer (form body, token check, JSON reply). */
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
  legacy = await startBot(legacyAnswer);
  const config = configFor(fake, {
    users: { U024BE7LH: "bob" },
    channels: { C024BE7LR: "general" },
    outgoing: [
      rule("prefix", { triggerWords: ["!deploy"], triggerMatch: "prefix" }),
      rule("first", { triggerWords: ["deploy", "ship"], triggerMatch: "first-word" }),
      rule("anywhere", { triggerWords: ["bug"], triggerMatch: "anywhere", caseSensitive: false }),
      rule("ops-only", { channels: ["#ops"] }),
      rule("edits", { runOnEdits: true }),
      rule("legacy", {
        triggerWords: ["!deploy"],
        targets: [{ url: legacy.url, format: "outgoing-webhook", token: LEGACY_TOKEN }],
      }),
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

const send = (name: string, body: unknown) => sendEvent(sl.gateway, name, body);

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
    expect(form(recorder.requests[0]!)).toMatchObject({
      channel_id: toSlackChannelId("OPS"),
      channel_name: "ops",
      trigger_word: "",
    });
  });
});

describe("a legacy outgoing-webhook consumer (Slack's documented contract)", () => {
  // Its translated reply, threads and redirects: test/contract/outgoing-relay.ts (Node and workerd).
  it("counts relays by format and outcome", async () => {
    const m = await say("!deploy api prod");
    const before = sl.services.metrics.relayed.get({ format: "outgoing-webhook", outcome: "replied" });
    await send("legacy", eventFor(m));
    expect(sl.services.metrics.relayed.get({ format: "outgoing-webhook", outcome: "replied" })).toBe(before + 1);
  });
});
