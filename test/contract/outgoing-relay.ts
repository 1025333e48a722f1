/**
 * `POST /outgoing/{name}` end to end: Rocket.Chat's webhook body in, Slack-style requests to real
 * bots on loopback, their replies into the fake Rocket.Chat; and a slash command's
 * `response_url`. (Moved from test/outgoing/relay.test.ts and targets.test.ts; it now runs on
 * Node and in workerd, where the `response_url` state lives in the Durable Object.)
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OutgoingMessageEvent } from "../../src/outgoing/event.ts";
import { toSlackChannelId, toSlackTs, toSlackUserId } from "../../src/slack/ids.ts";
import { eventIdFor, eventKey } from "../../src/outgoing/event.ts";
import { eventFor, LEGACY_TOKEN, RC_TOKEN, seed } from "./config.ts";
import {
  form,
  json,
  sendEvent,
  type BotAnswer,
  type BotControl,
  type ContractRuntime,
  type FakeControl,
  type FakeInfo,
  type GatewayClient,
  type StoredMessage,
} from "./runtime.ts";

/** A config whose `rocketchat` is the fake. */
const configFor = (fake: FakeInfo, input: Record<string, unknown>) => ({
  rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken },
  ...input,
});

/** What slackline posted: every message in the fake but the seeded ones. */
const postedBy = async (fake: FakeControl, seeded: ReadonlyArray<{ _id: string }>): Promise<StoredMessage[]> =>
  (await fake.messages()).filter((m) => !seeded.some((s) => s._id === m._id));

export function outgoingRelay(rt: ContractRuntime): void {
  describe("the relay", () => {
    let fake: FakeControl;
    /** A bot whose answer each test chooses; records what it was sent. */
    let recorder: BotControl;
    /** Slack's documented legacy outgoing-webhook consumer: form body, token check, JSON reply. */
    let legacy: BotControl;
    let sl: GatewayClient;
    let seeded: StoredMessage[];

    const rule = (name: string, over: Record<string, unknown> = {}) => ({
      name,
      rocketchatToken: RC_TOKEN,
      targets: [{ url: recorder.url, format: "outgoing-webhook", token: LEGACY_TOKEN }],
      ...over,
    });
    const answer = (a: BotAnswer) => recorder.answer(a);

    beforeAll(async () => {
      fake = await rt.startFake();
      await fake.addRoom({ name: "ops", id: "OPS" });
      await fake.addUser("alice", "alice-id");
      await fake.addUser("bob", "bob-id");
      recorder = await rt.startBot("recorder");
      legacy = await rt.startBot("legacy");
      sl = await rt.gateway(
        configFor(fake, {
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
            rule("events", { targets: [{ url: recorder.url, format: "events-api" }] }),
          ],
        }),
      );
    });

    beforeEach(async () => {
      await fake.reset();
      await recorder.reset();
      await legacy.reset();
      await answer(json({}));
      seeded = [];
    });

    async function say(text: string, rid = "GENERAL", tmid?: string): Promise<StoredMessage> {
      const m = await seed(fake, rid, text, tmid);
      seeded.push(m);
      return m;
    }

    const send = (name: string, body: unknown) => sendEvent(sl, name, body);

    describe("replayed events (Rocket.Chat's retries, or anyone's)", () => {
      it("reach the bots once and post one reply; an edit is a new event when the rule runs on edits", async () => {
        await answer(json({ text: "once" }));
        const m = await say("!deploy api prod");
        const answers = [];
        for (let i = 0; i < 3; i++) answers.push((await send("prefix", eventFor(m))).body);
        expect(answers).toEqual([
          { ok: true, matched: true, targets: [{ format: "outgoing-webhook", outcome: "replied" }] },
          { ok: true, matched: true, duplicate: true },
          { ok: true, matched: true, duplicate: true },
        ]);
        expect(await recorder.requests()).toHaveLength(1);
        expect((await postedBy(fake, seeded)).map((p) => p.msg)).toEqual(["once"]);

        await send("edits", eventFor(m));
        await send("edits", eventFor(m, { isEdited: true, text: "!deploy api staging" }));
        await send("edits", eventFor(m, { isEdited: true, text: "!deploy api staging" }));
        expect(await recorder.requests()).toHaveLength(3);
      });

      it("gives the Events API an event_id derived from the message, not a new one per call", async () => {
        const m = await say("hello events");
        await send("events", eventFor(m));
        await send("events", eventFor(m));
        const sent = (await recorder.requests()).map((r) => JSON.parse(r.body) as { event_id: string });
        expect(sent).toHaveLength(1);
        expect(sent[0]!.event_id).toBe(
          await eventIdFor(eventKey("events", eventFor(m) as unknown as OutgoingMessageEvent)),
        );
        expect(sent[0]!.event_id).toMatch(/^Ev[A-Z0-9]{11}$/);
      });
    });

    describe("authentication and routing", () => {
      it("answers an unknown rule 404 JSON and sends nothing", async () => {
        const m = await say("!deploy api prod");
        const res = await send("nope", eventFor(m));
        expect(res).toMatchObject({ status: 404, body: { ok: false, error: "no_service" } });
        expect(res.type).toMatch(/^application\/json/);
        expect(await recorder.requests()).toHaveLength(0);
        expect(await postedBy(fake, seeded)).toEqual([]);
      });

      it("refuses a wrong token with 403 JSON and sends nothing", async () => {
        await answer(json({ text: "must not be posted" }));
        const m = await say("!deploy api prod");
        for (const token of ["wrong", RC_TOKEN + "x", ""]) {
          const res = await send("prefix", eventFor(m, { token }));
          expect(res).toMatchObject({ status: 403, body: { ok: false, error: "invalid_token" } });
        }
        const bare = await send("prefix", { token: "wrong", bot: false });
        expect(bare.status).toBe(403);
        expect(await recorder.requests()).toHaveLength(0);
        expect(await postedBy(fake, seeded)).toEqual([]);
      });

      it("answers room and user events (bare {token, bot}, docs/rocketchat.md §4.4) 200 with JSON", async () => {
        const res = await send("prefix", { token: RC_TOKEN, bot: false });
        expect(res).toEqual({
          status: 200,
          type: expect.stringMatching(/^application\/json/),
          body: { ok: true, matched: false, reason: "event" },
        });
        const joined = await send("prefix", {
          token: RC_TOKEN,
          channel_id: "GENERAL",
          user_name: "bob",
          timestamp: "2024-01-01T00:00:00.000Z",
        });
        expect(joined.body).toEqual({ ok: true, matched: false, reason: "event" });
        expect(await recorder.requests()).toHaveLength(0);
        expect(await fake.messages()).toEqual([]);
      });

      it("answers a body that is no event 400 JSON", async () => {
        const res = await sl.request("/outgoing/prefix", { method: "POST", body: "[1,2]" });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ ok: false, error: "invalid_payload" });
      });
    });

    describe("loop guard and edits", () => {
      it("ignores bot:true events and slackline's own posts", async () => {
        await answer(json({ text: "echo" }));
        const m = await say("!deploy api prod");
        const bot = await send("prefix", eventFor(m, { bot: true }));
        const botMarker = await send("prefix", eventFor(m, { bot: { i: "integration" } }));
        const self = await send("prefix", eventFor(m, { user_id: fake.userId, user_name: fake.botUsername }));
        expect(bot.body).toEqual({ ok: true, matched: false, reason: "bot" });
        expect(botMarker.body).toEqual({ ok: true, matched: false, reason: "bot" });
        expect(self.body).toEqual({ ok: true, matched: false, reason: "self" });
        expect([bot.status, botMarker.status, self.status]).toEqual([200, 200, 200]);
        expect(await recorder.requests()).toHaveLength(0);
        expect(await postedBy(fake, seeded)).toEqual([]);
      });

      it("skips edits unless runOnEdits", async () => {
        await answer(json({ text: "seen the edit" }));
        const m = await say("!deploy api prod");
        const skipped = await send("prefix", eventFor(m, { isEdited: true }));
        expect(skipped.body).toEqual({ ok: true, matched: false, reason: "edited" });
        expect(await recorder.requests()).toHaveLength(0);

        const relayed = await send("edits", eventFor(m, { isEdited: true }));
        expect(relayed.body).toMatchObject({
          ok: true,
          matched: true,
          targets: [{ format: "outgoing-webhook", outcome: "replied" }],
        });
        expect(await recorder.requests()).toHaveLength(1);
        expect(await postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "seen the edit" }]);
      });
    });

    describe("a legacy outgoing-webhook consumer (Slack's documented contract)", () => {
      it("gets Slack's form, and its JSON reply is posted translated, attachments included", async () => {
        const m = await say("!deploy api prod & <stage>");
        const res = await send("legacy", eventFor(m));
        expect(res).toMatchObject({
          status: 200,
          body: { ok: true, matched: true, targets: [{ format: "outgoing-webhook", outcome: "replied" }] },
        });

        const requests = await legacy.requests();
        expect(requests).toHaveLength(1);
        const req = requests[0]!;
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

        const posted = await postedBy(fake, seeded);
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
        // Another millisecond: a reply stored in its root's would take the root's ts first (seq 0).
        await new Promise((resolve) => setTimeout(resolve, 2));
        const m = await say("!deploy web staging", "GENERAL", root._id);
        await send("legacy", eventFor(m));
        expect(form((await legacy.requests())[0]!)["thread_ts"]).toBe(toSlackTs(root.ts));
        expect(await postedBy(fake, seeded)).toMatchObject([
          { rid: "GENERAL", tmid: root._id, msg: expect.stringContaining("Deploying *web*") },
        ]);
      });

      it("threads a reply whose thread_ts is the event's ts under the event", async () => {
        await answer(json({ text: "on it", thread_ts: "{{form.timestamp}}" }));
        const m = await say("!deploy api prod");
        await send("prefix", eventFor(m));
        expect(await postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "on it", tmid: m._id }]);
      });

      it("posts to another room when the reply names it, by slackline's id or the config's", async () => {
        await answer(json({ text: "to ops", channel: toSlackChannelId("OPS") }));
        const m = await say("!deploy api prod");
        await send("prefix", eventFor(m));
        await answer(json({ text: "to general", channel: "C024BE7LR" }));
        const again = await say("!deploy api prod");
        await send("prefix", eventFor(again, { channel_id: "OPS", channel_name: "ops" }));
        expect(await postedBy(fake, seeded)).toMatchObject([
          { rid: "OPS", msg: "to ops" },
          { rid: "GENERAL", msg: "to general" },
        ]);
      });

      it("posts plain-text replies as text, and nothing for an empty body or {}", async () => {
        const m = await say("!deploy api prod");
        await answer({ status: 200, headers: { "content-type": "text/plain" }, body: "plain *answer*\n" });
        await send("prefix", eventFor(m));
        await answer({ status: 200, body: "" });
        const empty = await send("prefix", eventFor(await say("!deploy api prod")));
        await answer(json({ text: "" }));
        await send("prefix", eventFor(await say("!deploy api prod")));
        expect(empty.body).toMatchObject({ targets: [{ outcome: "no_reply" }] });
        expect(await postedBy(fake, seeded)).toMatchObject([{ rid: "GENERAL", msg: "plain *answer*" }]);
        expect(await postedBy(fake, seeded)).toHaveLength(1);
      });
    });
  });

  describe("slash commands and response_url", () => {
    let fake: FakeControl;
    let command: BotControl;
    let sl: GatewayClient;
    let seeded: StoredMessage[];

    beforeAll(async () => {
      fake = await rt.startFake();
      await fake.addUser("alice", "alice-id");
      command = await rt.startBot("recorder");
      sl = await rt.gateway(
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
      );
    });

    beforeEach(async () => {
      await fake.reset();
      await command.reset();
      await command.answer({ status: 200, body: "" });
      seeded = [];
    });

    async function invoke(text = "!deploy api prod"): Promise<{ path: string; message: StoredMessage }> {
      const message = await seed(fake, "GENERAL", text);
      seeded.push(message);
      await sendEvent(sl, "deploy", eventFor(message));
      const fields = form((await command.requests()).at(-1)!);
      return { path: new URL(fields["response_url"]!).pathname, message };
    }

    async function respond(
      path: string,
      body: string,
      contentType = "application/json",
    ): Promise<{ status: number; body: unknown }> {
      const res = await sl.request(path, { method: "POST", headers: { "Content-Type": contentType }, body });
      return { status: res.status, body: await res.json() };
    }

    it("sends Slack's slash-command form with a response_url on slackline", async () => {
      await invoke();
      expect(form((await command.requests())[0]!)).toMatchObject({
        token: "cmd-token",
        command: "/deploy",
        text: "api prod",
        user_name: "alice",
        response_url: expect.stringMatching(/^http:\/\/(localhost|127\.0\.0\.1:\d+)\/respond\/[A-Za-z0-9_-]{24}$/),
        trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
      });
      // An empty 200 is a silent ack.
      expect(await postedBy(fake, seeded)).toEqual([]);
    });

    it("posts in_channel answers to the room, 5 times, then answers used_url", async () => {
      const { path } = await invoke();
      for (let i = 1; i <= 5; i++) {
        const res = await respond(
          path,
          JSON.stringify({ response_type: "in_channel", text: `step *${i}*`, replace_original: false }),
        );
        expect(res).toEqual({ status: 200, body: { ok: true } });
      }
      const sixth = await respond(path, JSON.stringify({ response_type: "in_channel", text: "too many" }));
      expect(sixth).toEqual({ status: 410, body: { ok: false, error: "used_url" } });
      expect((await postedBy(fake, seeded)).map((m) => [m.rid, m.msg])).toEqual(
        [1, 2, 3, 4, 5].map((i) => ["GENERAL", `step *${i}*`]),
      );
    });

    it("keeps answers in the invoking conversation: a channel cannot move them, a thread elsewhere is not followed", async () => {
      await fake.addRoom({ name: "ops", id: "OPS" });
      const { path } = await invoke();
      const elsewhere = await seed(fake, "OPS", "a root in ops");
      seeded.push(elsewhere);
      // Relaying an event from ops mints the root's ts, as a bot would learn it there.
      await sendEvent(
        sl,
        "deploy",
        eventFor(elsewhere, { channel_id: "OPS", channel_name: "ops", text: "!deploy ops" }),
      );
      const opsTs = toSlackTs(elsewhere.ts);
      for (const channel of ["#ops", "OPS", toSlackChannelId("OPS"), "@bob"]) {
        expect(
          await respond(path, JSON.stringify({ response_type: "in_channel", text: `to ${channel}?`, channel })),
        ).toEqual({
          status: 200,
          body: { ok: true },
        });
      }
      expect(
        await respond(path, JSON.stringify({ response_type: "in_channel", text: "in ops' thread?", thread_ts: opsTs })),
      ).toEqual({
        status: 200,
        body: { ok: true },
      });
      const posted = await postedBy(fake, seeded);
      expect(posted.map((m) => [m.rid, m.tmid])).toEqual(Array.from({ length: 5 }, () => ["GENERAL", undefined]));
    });

    it("sends an ephemeral answer to the invoking user only, whatever channel it names", async () => {
      const { path } = await invoke();
      expect(await respond(path, JSON.stringify({ text: "just you", channel: "#ops" }))).toEqual({
        status: 200,
        body: { ok: true },
      });
      const [dm] = await postedBy(fake, seeded);
      expect(dm!.msg).toBe("just you");
      expect(dm!.rid).not.toBe("GENERAL");
      expect(dm!.rid).not.toBe("OPS");
      expect(await fake.messages("@alice")).toHaveLength(1);
    });
  });
}
