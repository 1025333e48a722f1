/**
 * Bots that misbehave, slash commands and their `response_url`, and the reply returned inline
 * when slackline has no Rocket.Chat credentials.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeRocketChat, type FakeRocketChat, type StoredMessage } from "../support/fake-rocketchat.ts";
import {
  closeServer,
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
let seeded: StoredMessage[];
const bots: Bot[] = [];

async function bot(handle: (req: BotRequest) => BotAnswer | "hang"): Promise<Bot> {
  const b = await startBot(handle);
  bots.push(b);
  return b;
}

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addUser("alice", "alice-id");
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  seeded = [];
});
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.close()));
});

/** A bot that never answers, telling when a request comes and when its connection is cut. */
async function hangingBot(events: { opened(): void; cut(): void }): Promise<Bot> {
  const requests: BotRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "/", headers: req.headers, body: "" });
    events.opened();
    res.on("close", () => events.cut());
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const b = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    close: () => closeServer(server),
  };
  bots.push(b);
  return b;
}

async function say(text: string, tmid?: string): Promise<StoredMessage> {
  const m = await seed(fake, "GENERAL", text, tmid);
  seeded.push(m);
  return m;
}

/** Status and body only: these tests compare the whole answer. */
async function send(
  sl: Slackline,
  name: string,
  event: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { status, body } = await sendEvent(sl.gateway, name, event);
  return { status, body };
}

describe("bots that misbehave", () => {
  it("cost only their own outcome: Rocket.Chat gets 200 JSON and the good bot's reply is posted", async () => {
    // Told apart by the order of events, not by a clock: the slow bot's connection is open while
    // the good bot is asked, and its reply is in Rocket.Chat before that connection is cut.
    let hangOpen = false;
    let goodAskedWhileHangOpen: boolean | undefined;
    let postedBeforeHangCut: boolean | undefined;
    let hangCut!: () => void;
    const hangCutSeen = new Promise<void>((resolve) => (hangCut = resolve));
    const good = await bot(() => {
      goodAskedWhileHangOpen = hangOpen;
      return json({ text: "still here" });
    });
    const hang = await hangingBot({
      opened: () => (hangOpen = true),
      cut: () => {
        hangOpen = false;
        postedBeforeHangCut ??= postedBy(fake, seeded).length === 1;
        hangCut();
      },
    });
    const failing = await bot(() => json({ error: "boom" }, 500));
    const html = await bot(() => ({
      status: 200,
      headers: { "content-type": "text/html" },
      body: "<html><body>Login</body></html>",
    }));
    const broken = await bot(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"text": ',
    }));
    const binary = await bot(() => ({ status: 200, body: "\u0000\u0001\u0002PNG" }));
    // A redirect to the good bot: following it would post twice.
    const redirect = await bot(() => ({ status: 302, headers: { location: good.url }, body: "" }));
    // Only the slow bot has a short timeout: were it not its own, the test would run past its timeout.
    const target = (b: Bot, timeoutMs = 60_000) => ({ url: b.url, format: "outgoing-webhook", timeoutMs });
    const sl = slackline(
      configFor(fake, {
        outgoing: [
          {
            name: "mixed",
            rocketchatToken: RC_TOKEN,
            targets: [
              target(hang, 1500),
              target(failing),
              target(html),
              target(broken),
              target(binary),
              target(redirect),
              target(good),
            ],
          },
        ],
      }),
    );
    const m = await say("go");
    const started = Date.now();
    const res = await send(sl, "mixed", eventFor(m));
    const took = Date.now() - started;

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      matched: true,
      targets: ["timeout", "http_error", "invalid_reply", "invalid_reply", "invalid_reply", "redirect", "replied"].map(
        (outcome) => ({
          format: "outgoing-webhook",
          outcome,
        }),
      ),
    });
    // Concurrently (the slow bot is the first target), each under its own timeout; the answer
    // waits for the slow bot's.
    expect(goodAskedWhileHangOpen).toBe(true);
    expect(took).toBeGreaterThanOrEqual(1400);
    const posted = postedBy(fake, seeded);
    expect(posted).toMatchObject([{ rid: "GENERAL", msg: "still here" }]);
    // Posted as soon as it came, not after the slow bot's timeout (whose cut reaches the bot
    // a moment after slackline answers).
    await hangCutSeen;
    expect(postedBeforeHangCut).toBe(true);
    expect(good.requests).toHaveLength(1);
    for (const b of [hang, failing, html, broken, binary, redirect]) expect(b.requests).toHaveLength(1);
    expect(sl.services.metrics.relayed.get({ format: "outgoing-webhook", outcome: "timeout" })).toBe(1);
  });

  it("survives a bot that is not there at all", async () => {
    const gone = await bot(() => json({}));
    await gone.close();
    const sl = slackline(
      configFor(fake, {
        outgoing: [{ name: "gone", rocketchatToken: RC_TOKEN, targets: [{ url: gone.url, format: "events-api" }] }],
      }),
    );
    const res = await send(sl, "gone", eventFor(await say("hello")));
    expect(res).toEqual({
      status: 200,
      body: { ok: true, matched: true, targets: [{ format: "events-api", outcome: "network_error" }] },
    });
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("ignores an Events API app's response body (apps answer through the Web API)", async () => {
    const events = await bot(() => json({ text: "not a message" }));
    const sl = slackline(
      configFor(fake, {
        outgoing: [
          {
            name: "ev",
            rocketchatToken: RC_TOKEN,
            targets: [{ url: events.url, format: "events-api", signingSecret: "s3cret" }],
          },
        ],
      }),
    );
    const m = await say("hello <world> & all");
    const res = await send(sl, "ev", eventFor(m));
    expect(res.body).toMatchObject({ targets: [{ format: "events-api", outcome: "no_reply" }] });
    const sent = JSON.parse(events.requests[0]!.body);
    expect(sent).toMatchObject({
      type: "event_callback",
      event: { type: "message", text: "hello &lt;world&gt; &amp; all", channel_type: "channel" },
    });
    expect(events.requests[0]!.headers["x-slack-signature"]).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(postedBy(fake, seeded)).toEqual([]);
  });
});

describe("slash commands and response_url", () => {
  let clock: number;
  let sl: Slackline;
  let command: Bot;
  let reply: BotAnswer;

  beforeEach(async () => {
    clock = Date.now();
    reply = { status: 200, body: "" };
    command = await bot(() => reply);
    sl = slackline(
      configFor(fake, {
        outgoing: [
          {
            name: "deploy",
            rocketchatToken: RC_TOKEN,
            triggerWords: ["!deploy"],
            targets: [{ url: command.url, format: "slash-command", command: "/deploy", token: "cmd-token" }],
          },
        ],
      }),
      { now: () => clock },
    );
  });

  async function invoke(
    text = "!deploy api prod",
    tmid?: string,
  ): Promise<{ path: string; message: StoredMessage; body: Record<string, unknown> }> {
    const message = await say(text, tmid);
    const res = await send(sl, "deploy", eventFor(message));
    const fields = form(command.requests.at(-1)!);
    return { path: new URL(fields["response_url"]!).pathname, message, body: res.body };
  }

  async function respond(
    path: string,
    body: string,
    contentType = "application/json",
  ): Promise<{ status: number; body: unknown }> {
    const res = await sl.app.request(path, { method: "POST", headers: { "Content-Type": contentType }, body });
    return { status: res.status, body: await res.json() };
  }

  // The form sent and the 5-use limit: test/contract/outgoing-relay.ts (Node and workerd).

  it("expires after 30 minutes (injected clock), and unknown ids answer the same", async () => {
    const { path } = await invoke();
    clock += 30 * 60 * 1000 - 1;
    expect((await respond(path, '{"response_type":"in_channel","text":"just in time"}')).status).toBe(200);
    clock += 1;
    expect(await respond(path, '{"response_type":"in_channel","text":"too late"}')).toEqual({
      status: 404,
      body: { ok: false, error: "expired_url" },
    });
    expect(await respond("/respond/AAAAAAAAAAAAAAAAAAAAAAAA", '{"text":"x"}')).toEqual({
      status: 404,
      body: { ok: false, error: "expired_url" },
    });
    expect(postedBy(fake, seeded).map((m) => m.msg)).toEqual(["just in time"]);
  });

  it("sends ephemeral answers (Slack's default) to the invoking user as a direct message", async () => {
    const { path } = await invoke();
    await respond(path, JSON.stringify({ text: "only you can see *this*" }));
    await respond(path, JSON.stringify({ response_type: "ephemeral", text: "and this" }));
    await respond(path, "plain text, also ephemeral", "text/plain");
    expect(postedBy(fake, seeded).filter((m) => m.rid === "GENERAL")).toEqual([]);
    expect(fake.messagesIn("@alice").map((m) => m.msg)).toEqual([
      "only you can see *this*",
      "and this",
      "plain text, also ephemeral",
    ]);
  });

  it("reads a form payload=, posts nothing for {}; replace_original edits and delete_original deletes the url's last message", async () => {
    const { path } = await invoke();
    const payload = JSON.stringify({
      response_type: "in_channel",
      text: "from a form",
      attachments: [{ color: "danger", text: "failed" }],
    });
    expect(
      (await respond(path, `payload=${encodeURIComponent(payload)}`, "application/x-www-form-urlencoded")).status,
    ).toBe(200);
    expect(await respond(path, "{}")).toEqual({ status: 200, body: { ok: true } });
    const first = postedBy(fake, seeded)[0]!;
    await respond(
      path,
      '{"replace_original":true,"response_type":"in_channel","text":"replaced","attachments":[{"color":"good","text":"fixed"}]}',
    );
    expect(postedBy(fake, seeded)).toMatchObject([
      { _id: first._id, rid: "GENERAL", msg: "replaced", attachments: [{ color: "#2eb886", text: "fixed" }] },
    ]);
    expect(await respond(path, '{"delete_original":true}')).toEqual({ status: 200, body: { ok: true } });
    expect(postedBy(fake, seeded)).toEqual([]);
  });

  it("replace_original with no message of its own yet posts a new one", async () => {
    const { path } = await invoke();
    await respond(path, '{"replace_original":true,"response_type":"in_channel","text":"replaced"}');
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "replaced" }]);
  });

  it("answers in the command's thread", async () => {
    const root = await say("release thread");
    const { path } = await invoke("!deploy api", root._id);
    await respond(path, '{"response_type":"in_channel","text":"threaded"}');
    expect(postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "threaded", tmid: root._id }]);
  });

  it("posts the synchronous answer: ephemeral by default, in_channel to the room", async () => {
    reply = json({ text: "just for alice" });
    const first = await invoke();
    expect(first.body).toMatchObject({ targets: [{ format: "slash-command", outcome: "replied" }] });
    reply = json({ response_type: "in_channel", text: "for everyone" });
    await invoke();
    reply = { status: 200, headers: { "content-type": "text/plain" }, body: "plain is ephemeral" };
    await invoke();
    reply = json({ response_type: "in_channel" });
    const echo = await invoke();
    expect(echo.body).toMatchObject({ targets: [{ outcome: "no_reply" }] });
    expect(fake.messagesIn("@alice").map((m) => m.msg)).toEqual(["just for alice", "plain is ephemeral"]);
    expect(
      postedBy(fake, seeded)
        .filter((m) => m.rid === "GENERAL")
        .map((m) => m.msg),
    ).toEqual(["for everyone"]);
  });

  it("refuses a body that is no reply", async () => {
    const { path } = await invoke();
    expect(await respond(path, "[1]")).toEqual({ status: 400, body: { ok: false, error: "invalid_payload" } });
    expect(await respond(path, "<html><body>x</body></html>", "text/html")).toEqual({
      status: 400,
      body: { ok: false, error: "invalid_payload" },
    });
    expect(postedBy(fake, seeded)).toEqual([]);
  });
});

describe("without Rocket.Chat credentials", () => {
  it("answers one target's reply inline, in the fields Rocket.Chat reads", async () => {
    const legacy = await bot(() =>
      json({
        text: "Deploying *api* <https://ci.example.com|now>",
        username: "deploybot",
        icon_emoji: ":rocket:",
        attachments: [{ color: "good", text: "ok" }],
      }),
    );
    const sl = slackline(
      configFor(undefined, {
        outgoing: [
          { name: "solo", rocketchatToken: RC_TOKEN, targets: [{ url: legacy.url, format: "outgoing-webhook" }] },
        ],
      }),
    );
    const event = {
      ...eventFor({
        _id: "msgId0000000000001",
        rid: "GENERAL",
        msg: "!deploy",
        ts: "2024-11-22T08:00:00.123Z",
      } as StoredMessage),
      tmid: "rootId00000000001",
    };
    const res = await send(sl, "solo", event);
    expect(res).toEqual({
      status: 200,
      body: {
        text: "Deploying *api* [now](https://ci.example.com)",
        alias: "deploybot",
        emoji: ":rocket:",
        attachments: [{ color: "#2eb886", text: "ok" }],
        tmid: "rootId00000000001",
      },
    });
    expect(sl.services.inbox!.recent()).toEqual([]);
  });

  it("redirects an ephemeral answer to the user, and posts to the inbox with several targets", async () => {
    const cmd = await bot(() => json({ text: "psst" }));
    const other = await bot(() => json({ text: "hello all" }));
    const sl = slackline(
      configFor(undefined, {
        outgoing: [
          {
            name: "solo",
            rocketchatToken: RC_TOKEN,
            targets: [{ url: cmd.url, format: "slash-command", command: "/x" }],
          },
          {
            name: "pair",
            rocketchatToken: RC_TOKEN,
            targets: [
              { url: cmd.url, format: "slash-command", command: "/x" },
              { url: other.url, format: "outgoing-webhook" },
            ],
          },
        ],
      }),
    );
    const event = eventFor({
      _id: "msgId0000000000001",
      rid: "GENERAL",
      msg: "!x",
      ts: "2024-11-22T08:00:00.123Z",
    } as StoredMessage);
    expect((await send(sl, "solo", event)).body).toEqual({ text: "psst", channel: "@alice" });
    const pair = await send(sl, "pair", event);
    expect(pair.body).toMatchObject({ ok: true, targets: [{ outcome: "replied" }, { outcome: "replied" }] });
    expect(
      sl.services
        .inbox!.recent()
        .map((m) => [m.roomName, m.msg])
        .sort(),
    ).toEqual([
      ["@alice", "psst"],
      ["GENERAL", "hello all"],
    ]);
  });
});
