/**
 * The Web API slice under `/api/`, driven by the real @slack/web-api WebClient (form bodies,
 * nested JSON in fields, Bearer auth) and by raw requests for what it does not send.
 */
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toSlackBotId, toSlackChannelId, toSlackUserId } from "../../src/slack/ids.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { configFor, RC_TOKEN, slackline, type Slackline } from "./harness.ts";

const BOT_TOKEN = "xoxb-test-bot-token";

let fake: FakeRocketChat;
let sl: Slackline;
let server: { url: string; close(): Promise<void> };
let client: WebClient;

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "ops", id: "OPS" });
  fake.addUser("bob", "bob-id");
  sl = slackline(
    configFor(fake, {
      users: { U024BE7LH: "bob" },
      channels: { C024BE7LR: "ops" },
      outgoing: [
        {
          name: "deploy",
          rocketchatToken: RC_TOKEN,
          targets: [
            {
              url: "http://127.0.0.1:9/none",
              format: "events-api",
              botToken: BOT_TOKEN,
              teamId: "T0001",
              apiAppId: "A0001",
            },
          ],
        },
      ],
    }),
  );
  server = await sl.listen();
  client = new WebClient(BOT_TOKEN, { slackApiUrl: `${server.url}/api/`, retryConfig: { retries: 0 } });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});
beforeEach(() => fake.reset());

async function raw(method: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/${method}`, { method: "POST", ...init });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("auth", () => {
  it("auth.test answers the bot's identity", async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      url: `${fake.url}/`,
      team: "slackline",
      user: "slackline",
      team_id: "T0001",
      user_id: toSlackUserId(fake.userId),
      bot_id: toSlackBotId("deploy"),
      app_id: "A0001",
    });
  });

  it("takes the token from the body too (slack-go sends only that)", async () => {
    const res = await raw("auth.test", {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `token=${BOT_TOKEN}`,
    });
    expect(res).toMatchObject({ status: 200, body: { ok: true, team_id: "T0001" } });
  });

  it("answers not_authed and invalid_auth with HTTP 200, posting nothing", async () => {
    const none = await raw("chat.postMessage", {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "channel=GENERAL&text=hi",
    });
    expect(none).toEqual({ status: 200, body: { ok: false, error: "not_authed" } });
    const wrong = await raw("chat.postMessage", {
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: "Bearer xoxb-wrong" },
      body: "channel=GENERAL&text=hi",
    });
    expect(wrong).toEqual({ status: 200, body: { ok: false, error: "invalid_auth" } });
    await expect(
      new WebClient("xoxb-nope", { slackApiUrl: `${server.url}/api/`, retryConfig: { retries: 0 } }).auth.test(),
    ).rejects.toMatchObject({
      code: "slack_webapi_platform_error",
      data: { ok: false, error: "invalid_auth" },
    });
    expect(fake.messages).toEqual([]);
  });

  it("answers unknown methods unknown_method", async () => {
    const res = await raw("chat.scheduleMessage", { headers: { Authorization: `Bearer ${BOT_TOKEN}` } });
    expect(res).toEqual({ status: 200, body: { ok: false, error: "unknown_method" } });
    expect(fake.messages).toEqual([]);
  });
});

describe("chat.postMessage", () => {
  it("posts a form-encoded message with attachments and blocks, and answers Slack's shape", async () => {
    const res = await client.chat.postMessage({
      channel: toSlackChannelId("GENERAL"),
      text: "Deploy *done* for <@U024BE7LH> & co",
      username: "deploybot",
      icon_emoji: ":rocket:",
      attachments: [{ color: "warning", title: "Slow", text: "took _ages_" }],
    });
    const stored = fake.messages;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      rid: "GENERAL",
      msg: "Deploy *done* for @bob & co",
      alias: "deploybot",
      emoji: ":rocket:",
      attachments: [{ color: "#daa038", title: "Slow", text: "took _ages_" }],
    });
    expect(res).toMatchObject({
      ok: true,
      channel: toSlackChannelId("GENERAL"),
      ts: expect.stringMatching(/^\d+\.\d{6}$/),
      message: {
        type: "message",
        subtype: "bot_message",
        text: "Deploy *done* for <@U024BE7LH> & co",
        username: "deploybot",
        bot_id: toSlackBotId("deploy"),
      },
    });
    expect(res.message?.ts).toBe(res.ts);
  });

  it("threads a reply under the message whose ts it answered", async () => {
    const root = await client.chat.postMessage({ channel: "#general", text: "root" });
    const reply = await client.chat.postMessage({ channel: root.channel!, text: "in thread", thread_ts: root.ts! });
    expect(fake.messages.map((m) => [m.rid, m.msg, m.tmid])).toEqual([
      ["GENERAL", "root", undefined],
      ["GENERAL", "in thread", fake.messages[0]!._id],
    ]);
    expect(reply.message).toMatchObject({ thread_ts: root.ts });
  });

  it("takes a JSON body, a config-mapped channel id, a raw room id and a user id (DM)", async () => {
    const post = (body: Record<string, unknown>) =>
      raw("chat.postMessage", {
        headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${BOT_TOKEN}` },
        body: JSON.stringify(body),
      });
    const mapped = await post({
      channel: "C024BE7LR",
      text: "to ops",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*from* blocks" } }],
    });
    expect(mapped.body).toMatchObject({ ok: true, channel: "C024BE7LR" });
    await post({ channel: "GENERAL", text: "by room id" });
    await post({ channel: "U024BE7LH", text: "hi bob" });
    expect(fake.messages.map((m) => m.msg)).toEqual(["*from* blocks", "by room id", "hi bob"]);
    expect(fake.messagesIn("OPS").map((m) => m.msg)).toEqual(["*from* blocks"]);
    expect(fake.messagesIn("GENERAL").map((m) => m.msg)).toEqual(["by room id"]);
    expect(fake.messagesIn("@bob").map((m) => m.msg)).toEqual(["hi bob"]);
  });

  it("answers Slack's errors with HTTP 200", async () => {
    const post = (body: string) =>
      raw("chat.postMessage", {
        headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Bearer ${BOT_TOKEN}` },
        body,
      });
    expect(await post("text=no+channel")).toEqual({ status: 200, body: { ok: false, error: "channel_not_found" } });
    expect(await post("channel=%23nowhere&text=hi")).toEqual({
      status: 200,
      body: { ok: false, error: "channel_not_found" },
    });
    expect(await post("channel=GENERAL")).toEqual({ status: 200, body: { ok: false, error: "no_text" } });
    expect(await post("channel=GENERAL&text=x&blocks=%5Bnot+json")).toEqual({
      status: 200,
      body: { ok: false, error: "invalid_blocks_format" },
    });
    fake.faults.rateLimitNext = 1;
    fake.faults.rateLimitSeconds = 7;
    const limited = await fetch(`${server.url}/api/chat.postMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Bearer ${BOT_TOKEN}` },
      body: "channel=GENERAL&text=later",
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(6);
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });
    expect(fake.messages).toEqual([]);
  });
});
