/**
 * The Web API on the real CLI (`node bin/slackline.js`) with its outbox and ts map files:
 * a restart between `chat.postMessage` and `chat.update`, and a post that Rocket.Chat did not
 * take at once (queued in the outbox, answered `ok` with its ts), edited once delivered.
 */
import { WebClient } from "@slack/web-api";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, startCli, type Cli } from "../support/cli.ts";
import { tempDir } from "../delivery/harness.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";

const TOKEN = "xoxb-process-bot-token-0001";
let fake: FakeRocketChat;
const temp = tempDir();
let configPath: string;
const clis: Cli[] = [];

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "ops", id: "OPS" });
  configPath = join(temp.dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs: 1000 },
      bots: [{ name: "ci", token: TOKEN, rateLimit: { perSecond: 100, burst: 100 } }],
      delivery: {
        outboxPath: join(temp.dir, "outbox.sqlite"),
        fastPathMs: 300,
        pollMs: 20,
        retryBaseMs: 50,
        retryMaxMs: 400,
      },
    }),
  );
});
afterEach(async () => {
  await killAll(clis);
  fake.reset();
});
afterAll(async () => {
  await fake.close();
  temp.remove();
});

async function start(): Promise<{ cli: Cli; client: WebClient }> {
  const cli = await startCli(configPath);
  clis.push(cli);
  return { cli, client: new WebClient(TOKEN, { slackApiUrl: `${cli.url}/api/`, retryConfig: { retries: 0 } }) };
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the Web API on the real process", () => {
  it("chat.update, thread_ts and chat.delete find a message posted before a restart (SIGKILL)", async () => {
    const first = await start();
    const posted = await first.client.chat.postMessage({ channel: "#ops", text: "before" });
    first.cli.child.kill("SIGKILL");
    await first.cli.exited;

    const second = await start();
    const updated = await second.client.chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: "after the restart",
    });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts });
    await second.client.chat.postMessage({ channel: posted.channel!, text: "threaded", thread_ts: posted.ts! });
    const [root, reply] = fake.messagesIn("OPS");
    expect(root).toMatchObject({ msg: "after the restart" });
    expect(reply).toMatchObject({ msg: "threaded", tmid: root!._id });
    await expect(second.client.chat.delete({ channel: posted.channel!, ts: posted.ts! })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("a post Rocket.Chat does not take at once is answered ok with its ts; chat.update finds it once delivered", async () => {
    const { client } = await start();
    fake.faults.rateLimitNext = 1;
    fake.faults.rateLimitSeconds = 1;
    const posted = await client.chat.postMessage({ channel: "#ops", text: "queued" });
    expect(posted).toMatchObject({ ok: true, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(fake.messagesIn("OPS")).toEqual([]);
    // Still in the outbox: the message is not in Rocket.Chat yet.
    await expect(
      client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: "too early" }),
    ).rejects.toMatchObject({
      data: { error: "message_not_found" },
    });
    // A reply threads under it even before it is delivered: the same line keeps the order.
    await client.chat.postMessage({ channel: "#ops", text: "reply", thread_ts: posted.ts! });
    const [root, reply] = await until(
      () => (fake.messagesIn("OPS").length === 2 ? fake.messagesIn("OPS") : undefined),
      "delivery",
    );
    expect(root).toMatchObject({ msg: "queued" });
    expect(reply).toMatchObject({ msg: "reply", tmid: root!._id });
    const updated = await client.chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: "delivered, then edited",
    });
    expect(updated.ok).toBe(true);
    expect(fake.message(root!._id)?.msg).toBe("delivered, then edited");
  });
});
