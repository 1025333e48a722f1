/**
 * Slack's Web API for senders with a `bots[]` token, driven by the real @slack/web-api WebClient
 * (every method, filesUploadV2 included) against slackline and the fake Rocket.Chat.
 */
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toSlackChannelId, toSlackUserId } from "../../src/slack/ids.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { configFor, slackline, type Slackline } from "../outgoing/harness.ts";

const TOKEN = "xoxb-grafana-bot-token-0001";
const LOCKED = "xoxb-locked-bot-token-00002";

let fake: FakeRocketChat;
let sl: Slackline;
let server: { url: string; close(): Promise<void> };
let client: WebClient;
let locked: WebClient;
let bobId: string;

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "alerts", id: "ALERTS" });
  fake.addRoom({ name: "ops", id: "OPS" });
  fake.addRoom({ name: "old", id: "OLD", archived: true });
  bobId = fake.addUser("bob", "bob-id", { email: "bob@example.com", name: "Bob Builder" });
  sl = slackline(
    configFor(fake, {
      users: { U024BE7LH: "bob" },
      bots: [
        {
          name: "grafana",
          token: TOKEN,
          username: "Grafana",
          iconEmoji: ":bar_chart:",
          rateLimit: { perSecond: 100, burst: 100 },
        },
        {
          name: "locked",
          token: LOCKED,
          channels: ["#alerts"],
          allowUsernameOverride: false,
          rateLimit: { perSecond: 0.001, burst: 3 },
        },
      ],
    }),
  );
  server = await sl.listen();
  const opts = { slackApiUrl: `${server.url}/api/`, retryConfig: { retries: 0 } };
  client = new WebClient(TOKEN, opts);
  locked = new WebClient(LOCKED, opts);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});
beforeEach(() => fake.reset());

describe("chat", () => {
  it("posts with the bot's identity and answers Slack's shape", async () => {
    const res = await client.chat.postMessage({ channel: "#alerts", text: "CPU *high* on <@U024BE7LH>" });
    expect(res).toMatchObject({
      ok: true,
      channel: toSlackChannelId("ALERTS"),
      ts: expect.stringMatching(/^\d+\.\d{6}$/),
    });
    expect(fake.messagesIn("alerts")).toMatchObject([
      { msg: "CPU *high* on @bob", alias: "Grafana", emoji: ":bar_chart:" },
    ]);
  });

  it("updates text, then attachments (over method.call), then deletes", async () => {
    const posted = await client.chat.postMessage({
      channel: "#alerts",
      text: "",
      attachments: [{ color: "danger", title: "[FIRING:1] CPU", text: "high" }],
    });
    const ts = posted.ts!;
    const channel = posted.channel!;
    const id = fake.messages[0]!._id;

    const resolved = await client.chat.update({
      channel,
      ts,
      text: "",
      attachments: [{ color: "good", title: "[RESOLVED] CPU", text: "fine" }],
    });
    expect(resolved).toMatchObject({ ok: true, channel, ts });
    expect(fake.message(id)).toMatchObject({
      attachments: [{ color: "#2eb886", title: "[RESOLVED] CPU", text: "fine" }],
    });
    expect(fake.message(id)?.editedAt).toBeDefined();
    expect(fake.requests.some((r) => r.endpoint === "method.call/updateMessage")).toBe(true);

    const text = await client.chat.update({ channel, ts, text: "all *good*", attachments: [] });
    expect(text.ok).toBe(true);
    expect(fake.message(id)?.msg).toBe("all *good*");

    const plain = await client.chat.postMessage({ channel, text: "v1" });
    await client.chat.update({ channel, ts: plain.ts!, text: "v2" });
    expect(fake.messages.find((m) => m.msg === "v2")).toBeDefined();
    expect(fake.requests.filter((r) => r.endpoint === "chat.update")).toHaveLength(1);

    await expect(client.chat.delete({ channel, ts })).resolves.toMatchObject({ ok: true, channel, ts });
    expect(fake.message(id)).toBeUndefined();
    await expect(client.chat.delete({ channel, ts })).rejects.toMatchObject({
      data: { ok: false, error: "message_not_found" },
    });
  });

  it("threads under a ts it handed out, and broadcasts with reply_broadcast", async () => {
    const root = await client.chat.postMessage({ channel: "#ops", text: "deploy started" });
    await client.chat.postMessage({ channel: "#ops", text: "step 1", thread_ts: root.ts!, reply_broadcast: true });
    const [first, second] = fake.messagesIn("ops");
    expect(second).toMatchObject({ tmid: first!._id, tshow: true });
  });

  it("postEphemeral sends the user a direct message", async () => {
    const res = await client.chat.postEphemeral({ channel: "#ops", user: "U024BE7LH", text: "only for you" });
    expect(res).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(fake.messagesIn("@bob").map((m) => m.msg)).toEqual(["only for you"]);
    await expect(
      client.chat.postEphemeral({ channel: "#ops", user: toSlackUserId("nobody"), text: "x" }),
    ).rejects.toMatchObject({
      data: { error: "user_not_in_channel" },
    });
  });

  it("getPermalink points at the message in Rocket.Chat", async () => {
    const posted = await client.chat.postMessage({ channel: "#ops", text: "link me" });
    const res = await client.chat.getPermalink({ channel: posted.channel!, message_ts: posted.ts! });
    expect(res.permalink).toBe(`${fake.url}/channel/ops?msg=${fake.messages[0]!._id}`);
  });
});

describe("reactions", () => {
  it("adds and removes the bot's reaction, with Slack's errors", async () => {
    const posted = await client.chat.postMessage({ channel: "#ops", text: "react" });
    const target = { channel: posted.channel!, timestamp: posted.ts! };
    await expect(client.reactions.add({ ...target, name: "white_check_mark" })).resolves.toMatchObject({ ok: true });
    expect(fake.messages[0]!["reactions"]).toEqual({ ":white_check_mark:": { usernames: [fake.botUsername] } });
    await expect(client.reactions.add({ ...target, name: ":white_check_mark:" })).rejects.toMatchObject({
      data: { error: "already_reacted" },
    });
    await expect(client.reactions.remove({ ...target, name: "white_check_mark" })).resolves.toMatchObject({ ok: true });
    await expect(client.reactions.remove({ ...target, name: "white_check_mark" })).rejects.toMatchObject({
      data: { error: "no_reaction" },
    });
    await expect(client.reactions.add({ ...target, name: "not_an_emoji_here" })).rejects.toMatchObject({
      data: { error: "invalid_name" },
    });
    await expect(
      client.reactions.add({ channel: target.channel, timestamp: "1.000001", name: "eyes" }),
    ).rejects.toMatchObject({
      data: { error: "message_not_found" },
    });
  });
});

describe("look-ups", () => {
  it("conversations.list and conversations.info answer Slack channel objects", async () => {
    const list = await client.conversations.list({ types: "public_channel", exclude_archived: true, limit: 2 });
    expect(list.channels).toHaveLength(2);
    expect(list.response_metadata?.next_cursor).not.toBe("");
    const all: string[] = [];
    for await (const page of client.paginate("conversations.list", { exclude_archived: true, limit: 2 })) {
      all.push(...((page as { channels?: Array<{ name: string }> }).channels ?? []).map((c) => c.name));
    }
    expect(all.sort()).toEqual(["alerts", "general", "ops"]);
    const info = await client.conversations.info({ channel: toSlackChannelId("OPS") });
    expect(info.channel).toMatchObject({
      id: toSlackChannelId("OPS"),
      name: "ops",
      is_channel: true,
      is_private: false,
      is_archived: false,
    });
    const old = await client.conversations.info({ channel: toSlackChannelId("OLD") });
    expect(old.channel).toMatchObject({ name: "old", is_archived: true });
    await expect(client.conversations.info({ channel: "#nowhere" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
  });

  it("users.info and users.lookupByEmail answer Slack user objects", async () => {
    const byId = await client.users.info({ user: toSlackUserId(bobId) });
    expect(byId.user).toMatchObject({
      id: toSlackUserId(bobId),
      name: "bob",
      real_name: "Bob Builder",
      profile: { email: "bob@example.com" },
    });
    const mapped = await client.users.info({ user: "U024BE7LH" });
    expect(mapped.user?.name).toBe("bob");
    const byEmail = await client.users.lookupByEmail({ email: "bob@example.com" });
    expect(byEmail.user?.id).toBe(toSlackUserId(bobId));
    await expect(client.users.lookupByEmail({ email: "nobody@example.com" })).rejects.toMatchObject({
      data: { error: "users_not_found" },
    });
    await expect(client.users.info({ user: toSlackUserId("missing") })).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });
    fake.settings.viewFullOtherUserInfo = false;
    try {
      await expect(client.users.lookupByEmail({ email: "bob@example.com" })).rejects.toMatchObject({
        data: { error: "users_not_found" },
      });
    } finally {
      fake.settings.viewFullOtherUserInfo = true;
    }
  });
});

describe("files", () => {
  it("filesUploadV2: getUploadURLExternal → upload → completeUploadExternal, with the comment and thread", async () => {
    const root = await client.chat.postMessage({ channel: "#ops", text: "report follows" });
    const res = await client.filesUploadV2({
      channel_id: toSlackChannelId("OPS"),
      file: Buffer.from("a,b\n1,2\n"),
      filename: "report.csv",
      title: "Report",
      initial_comment: "Here is the *report*",
      thread_ts: root.ts!,
    });
    expect(res.ok).toBe(true);
    const [upload] = [...fake.uploads.values()];
    expect(upload).toMatchObject({ rid: "OPS", name: "report.csv", confirmed: true });
    expect(upload!.bytes.toString()).toBe("a,b\n1,2\n");
    const posted = fake.messagesIn("ops")[1]!;
    expect(posted).toMatchObject({ msg: "Here is the *report*", tmid: fake.messagesIn("ops")[0]!._id });
    expect(posted.attachments?.[0]).toMatchObject({ title: "report.csv", description: "Report" });
  });

  it("legacy files.upload with content, and Rocket.Chat's size limit as file_too_large", async () => {
    const res = await client.apiCall("files.upload", {
      channels: "#ops",
      content: "log line",
      filename: "build.log",
      initial_comment: "build log",
    });
    expect(res).toMatchObject({ ok: true, file: { name: "build.log" } });
    expect([...fake.uploads.values()][0]!.bytes.toString()).toBe("log line");
    fake.settings.maxFileSize = 4;
    try {
      await expect(
        client.apiCall("files.upload", { channels: "#ops", content: "too long", filename: "x.txt" }),
      ).rejects.toMatchObject({
        data: { error: "file_too_large" },
      });
    } finally {
      fake.settings.maxFileSize = 104857600;
    }
  });
});

describe("bots[] gates", () => {
  it("a bot outside its allow-list gets channel_not_found, also through a thread root", async () => {
    await expect(locked.chat.postMessage({ channel: "#ops", text: "no" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    const elsewhere = await client.chat.postMessage({ channel: "#ops", text: "root" });
    await expect(
      locked.chat.postMessage({ channel: "#alerts", text: "sneak", thread_ts: elsewhere.ts! }),
    ).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    const ok = await locked.chat.postMessage({ channel: "ALERTS", text: "yes", username: "ignored" });
    expect(ok.ok).toBe(true);
    expect(fake.messagesIn("alerts").map((m) => [m.msg, m.alias])).toEqual([["yes", undefined]]);
    expect(fake.messagesIn("ops").map((m) => m.msg)).toEqual(["root"]);
  });

  it("answers ratelimited with Retry-After over the bot's rate", async () => {
    // The locked bot's burst is 3 and the first test used one.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/chat.postMessage`, {
        method: "POST",
        headers: { Authorization: `Bearer ${LOCKED}`, "Content-Type": "application/json" },
        body: JSON.stringify({ channel: "#alerts", text: `n${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await res.json()).toEqual({ ok: false, error: "ratelimited" });
      }
    }
    expect(statuses).toContain(429);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      'slackline_webapi_calls_total{answer="ratelimited",bot="locked",method="chat.postMessage"}',
    );
    expect(metrics).toContain(
      'slackline_webapi_calls_total{answer="channel_not_found",bot="locked",method="chat.postMessage"} 2',
    );
    expect(metrics).toMatch(/slackline_webapi_calls_total\{answer="ok",bot="grafana",method="chat.postMessage"\} \d+/);
  });
});
