/**
 * A real @slack/bolt 5.1 app behind slackline, with signature verification on and its Web API
 * pointed at slackline (`clientOptions.slackApiUrl`): as a slash-command target (ack, respond(),
 * say()) and as an Events API target (a `message` listener answering in the thread).
 */
import { App, ExpressReceiver, LogLevel } from "@slack/bolt";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeRocketChat, type FakeRocketChat, type StoredMessage } from "../support/fake-rocketchat.ts";
import {
  closeServer,
  configFor,
  eventFor,
  postedBy,
  RC_TOKEN,
  seed,
  slackline,
  waitFor,
  type Slackline,
} from "./harness.ts";

const SIGNING_SECRET = "bolt-signing-secret-0123";
const BOT_TOKEN = "xoxb-bolt-token";

let fake: FakeRocketChat;
let sl: Slackline;
let gateway: { url: string; close(): Promise<void> };
let boltServer: Server;
let boltUrl: string;
let seeded: StoredMessage[];

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addUser("alice", "alice-id");

  // The receiver listens first: slackline's config names its URL, and the App needs slackline's.
  const receiver = new ExpressReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
  boltServer = createServer(receiver.app);
  await new Promise<void>((resolve) => boltServer.listen(0, "127.0.0.1", resolve));
  boltUrl = `http://127.0.0.1:${(boltServer.address() as AddressInfo).port}/slack/events`;

  const target = (format: string, extra: Record<string, unknown> = {}) => ({
    url: boltUrl,
    format,
    signingSecret: SIGNING_SECRET,
    token: "legacy-verification-token",
    botToken: BOT_TOKEN,
    ...extra,
  });
  sl = slackline(
    configFor(fake, {
      outgoing: [
        {
          name: "deploy",
          rocketchatToken: RC_TOKEN,
          triggerWords: ["!deploy"],
          targets: [target("slash-command", { command: "/deploy" })],
        },
        {
          name: "chat",
          rocketchatToken: RC_TOKEN,
          triggerWords: ["hello"],
          triggerMatch: "first-word",
          targets: [target("events-api")],
        },
        {
          name: "status",
          rocketchatToken: RC_TOKEN,
          triggerWords: ["!status"],
          targets: [target("slash-command", { command: "/status" })],
        },
        {
          name: "forged",
          rocketchatToken: RC_TOKEN,
          triggerWords: ["!forged"],
          targets: [target("slash-command", { command: "/deploy", signingSecret: "not-the-app-secret" })],
        },
      ],
    }),
  );
  gateway = await sl.listen();

  const app = new App({
    token: BOT_TOKEN,
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: `${gateway.url}/api/`, retryConfig: { retries: 0 } },
  });
  app.command("/deploy", async ({ command, ack, respond, say }) => {
    await ack();
    await respond({ response_type: "in_channel", text: `Deploying *${command.text}*` });
    await say(`Deploy of ${command.text} started by <@${command.user_id}>`);
  });
  // Bolt's client for replies: response_url edits and deletes, then Web API edits and reactions.
  app.command("/status", async ({ command, ack, respond, client }) => {
    await ack();
    await respond({ response_type: "in_channel", text: "checking…" });
    await respond({ response_type: "in_channel", replace_original: true, text: "all *green*" });
    const step = await client.chat.postMessage({ channel: command.channel_id, text: "step 1" });
    await client.chat.update({
      channel: step.channel!,
      ts: step.ts!,
      text: "step 1 done",
      attachments: [{ color: "good", text: "ok" }],
    });
    await client.reactions.add({ channel: step.channel!, timestamp: step.ts!, name: "white_check_mark" });
    const temp = await client.chat.postMessage({ channel: command.channel_id, text: "temporary", thread_ts: step.ts! });
    await client.chat.delete({ channel: temp.channel!, ts: temp.ts! });
    await respond({ response_type: "in_channel", delete_original: true, text: "final" });
  });
  app.message(async ({ message, say }) => {
    if (message.subtype !== undefined) return;
    await say({ text: `Hi <@${message.user}>, you said: ${message.text}`, thread_ts: message.thread_ts ?? message.ts });
  });
});

afterAll(async () => {
  await closeServer(boltServer);
  await gateway.close();
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  seeded = [];
});

async function say(text: string, tmid?: string): Promise<StoredMessage> {
  const m = await seed(fake, "GENERAL", text, tmid);
  seeded.push(m);
  return m;
}

/** Over the socket, as Rocket.Chat would: the response_url is then on slackline's real origin. */
async function send(name: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gateway.url}/outgoing/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const posted = (n: number) => waitFor(() => (postedBy(fake, seeded).length >= n ? postedBy(fake, seeded) : undefined));

describe("Bolt as a slash-command target", () => {
  it("acks, then its respond() and say() land in the room", async () => {
    const m = await say("!deploy api prod");
    const answer = await send("deploy", eventFor(m));
    // ack() with nothing: an empty 200, which asks for no message.
    expect(answer).toEqual({ ok: true, matched: true, targets: [{ format: "slash-command", outcome: "no_reply" }] });

    const messages = await posted(2);
    expect(messages.map((x) => [x.rid, x.msg, x.tmid])).toEqual([
      ["GENERAL", "Deploying *api prod*", undefined],
      ["GENERAL", "Deploy of api prod started by @alice", undefined],
    ]);
  });

  it("answers in the thread the command was typed in", async () => {
    const root = await say("release thread");
    const m = await say("!deploy web", root._id);
    await send("deploy", eventFor(m));
    const messages = await posted(2);
    // respond() follows the event's thread; say() has no thread_ts, so it goes to the room.
    expect(messages.map((x) => [x.msg, x.tmid])).toEqual([
      ["Deploying *web*", root._id],
      ["Deploy of web started by @alice", undefined],
    ]);
  });
});

describe("Bolt's client edits, deletes and reacts", () => {
  it("replace_original edits the response_url's message, delete_original deletes it; chat.update, reactions.add and chat.delete land", async () => {
    const m = await say("!status now");
    await send("status", eventFor(m));
    const messages = await waitFor(() =>
      postedBy(fake, seeded).some((x) => x.msg === "final") ? postedBy(fake, seeded) : undefined,
    );
    expect(messages.map((x) => [x.msg, x.attachments?.map((a) => a["text"]), x["reactions"]])).toEqual([
      ["step 1 done", ["ok"], { ":white_check_mark:": { usernames: [fake.botUsername] } }],
      ["final", undefined, undefined],
    ]);
    // "checking…" became "all *green*" in place (no second message), then was deleted.
    expect(
      fake.requests.filter((r) => r.endpoint === "chat.update").map((r) => (r.body as { text: string }).text),
    ).toEqual(["all *green*"]);
    expect(fake.requests.filter((r) => r.endpoint === "chat.delete")).toHaveLength(2);
  });
});

describe("Bolt as an Events API target", () => {
  it("answers through say({ thread_ts }) under the message, text translated both ways", async () => {
    const m = await say("hello *world* & <friends> at https://example.com/x?a=1&b=2");
    const answer = await send("chat", eventFor(m));
    expect(answer).toEqual({ ok: true, matched: true, targets: [{ format: "events-api", outcome: "no_reply" }] });
    const [reply] = await posted(1);
    expect(reply).toMatchObject({
      rid: "GENERAL",
      tmid: m._id,
      msg: "Hi @alice, you said: hello *world* & <friends> at https://example.com/x?a=1&b=2",
    });
  });

  it("keeps a thread reply in its thread (thread_ts is the root's ts)", async () => {
    const root = await say("a thread");
    const m = await say("hello from the thread", root._id);
    await send("chat", eventFor(m));
    const [reply] = await posted(1);
    expect(reply).toMatchObject({ rid: "GENERAL", tmid: root._id, msg: "Hi @alice, you said: hello from the thread" });
  });
});

describe("signing is real", () => {
  it("Bolt rejects a tampered body (401), and slackline signed with the wrong secret gets nothing posted", async () => {
    const body = "token=x&team_id=T1&channel_id=C1&user_id=U1&user_name=eve&command=%2Fdeploy&text=api";
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = "v0=" + createHmac("sha256", SIGNING_SECRET).update(`v0:${ts}:${body}`).digest("hex");
    const post = (b: string) =>
      fetch(boltUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "X-Slack-Request-Timestamp": ts,
          "X-Slack-Signature": signature,
        },
        body: b,
      });
    expect((await post(body.replace("text=api", "text=prod"))).status).toBe(401);

    const m = await say("!forged api");
    const answer = await send("forged", eventFor(m));
    expect(answer).toEqual({ ok: true, matched: true, targets: [{ format: "slash-command", outcome: "http_error" }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(postedBy(fake, seeded)).toEqual([]);
  });
});
