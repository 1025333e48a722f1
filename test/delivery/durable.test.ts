/**
 * DurableDelivery's rules, one at a time: the fast path, the hand-off of a slow attempt, order
 * per room, 429 pauses, the shared concurrency limit, max age, recovery after a crash.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryJob } from "../../src/delivery/deliver.ts";
import { backoffMs } from "../../src/delivery/backoff.ts";
import type { Outbox, OutboxEntry, OutboxWrite } from "../../src/delivery/outbox.ts";
import { upstream as fetchUpstream } from "../../src/http/upstream.fetch.ts";
import { createLogger } from "../../src/observability/log.ts";
import type { Upstream } from "../../src/http/upstream.ts";
import { newMessageId } from "../../src/rocketchat/ids.ts";
import {
  drained,
  expectExactlyOnce,
  hookPath,
  sendWorkload,
  startDurable,
  until,
  type DurableGateway,
} from "./harness.ts";

let gw: DurableGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** A budget no loaded test machine exceeds, for tests about what happens within it. */
const ROOMY = { fastPathMs: 5000 };
const say = (g: DurableGateway, text: string, room = "ops", hook = "h1") =>
  g.post(hookPath(hook), JSON.stringify({ text, channel: `#${room}` }));
const texts = (g: DurableGateway, room: string) => g.fake.messagesIn(room).map((m) => m.msg);

/** Posts one message to `room` and waits until it is delivered and settled (room cached). */
async function warmUp(g: DurableGateway, room = "ops"): Promise<void> {
  expect((await say(g, "warm-up", room)).status).toBe(200);
  await until(
    async () => texts(g, room).includes("warm-up") && (await g.durable.view()).counts.pending === 0,
    "the warm-up",
  );
}

/** Records what is written to the outbox; `failing.add` makes every new job fail to store. */
function watched(): { wrap: (o: Outbox) => Outbox; added: OutboxEntry[]; failing: { add: boolean } } {
  const added: OutboxEntry[] = [];
  const failing = { add: false };
  const wrap = (outbox: Outbox): Outbox =>
    new Proxy(outbox, {
      get(target, key) {
        // Writes go to disk in groups (one transaction per event-loop turn).
        if (key === "write")
          return (ops: readonly OutboxWrite[], durable?: boolean) => {
            const adds = ops.flatMap((w) => (w.op === "add" ? [w.entry] : []));
            if (failing.add && adds.length > 0) throw new Error("disk full");
            target.write(ops, durable);
            added.push(...adds);
          };
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return { wrap, added, failing };
}

describe("the fast path", () => {
  it("confirmed before the answer is due: ok, and no outbox write", async () => {
    const spy = watched();
    gw = await startDurable({ outbox: spy.wrap, delivery: ROOMY });
    const res = await say(gw, "quick");
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    expect(texts(gw, "ops")).toEqual(["quick"]);
    expect(spy.added).toEqual([]);
    expect((await gw.durable.view()).recent[0]).toMatchObject({
      state: "delivered",
      room: "#ops",
      source: "h1",
      attempts: 1,
    });
  });

  it("a permanent error still reaches the sender, and nothing is kept", async () => {
    const spy = watched();
    gw = await startDurable({ outbox: spy.wrap, delivery: ROOMY });
    const res = await say(gw, "x", "no-such-room");
    expect([res.status, await res.text()]).toEqual([404, "channel_not_found"]);
    expect(spy.added).toEqual([]);
    expect((await gw.durable.view()).counts).toEqual({ pending: 0, dead: 0 });
  });

  it("still running when the answer is due: stored in flight, ok, settled by that same attempt", async () => {
    const spy = watched();
    gw = await startDurable({ outbox: spy.wrap, timeoutMs: 5000 });
    await warmUp(gw); // rooms.info cached: only the post is slow below
    gw.fake.faults.delayMs = 1000;
    const res = await say(gw, "slow");
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    // Answered while Rocket.Chat was still sitting on the post.
    expect(texts(gw, "ops")).toEqual(["warm-up"]);
    expect(spy.added.map((e) => [e.job.messages[0]!.msg, e.state])).toEqual([["slow", "inflight"]]);
    expect((await gw.durable.view()).pending).toMatchObject([{ state: "inflight", room: "#ops" }]);
    await until(() => texts(gw!, "ops").length === 2, "the slow message");
    await until(async () => (await gw!.durable.view()).counts.pending === 0, "the record to settle");
    // The worker never sent it a second time alongside the running attempt.
    expect(gw.fake.calls["chat.sendMessage"]).toBe(2);
    expect(gw.fake.calls["chat.getMessage"]).toBeUndefined();
  });
});

describe("order per room", () => {
  it("a room with anything queued sends new jobs to the queue behind it, even once Rocket.Chat is back", async () => {
    gw = await startDurable({ paused: true, delivery: ROOMY });
    await gw.fake.setDown(true);
    expect((await say(gw, "first")).status).toBe(200);
    await gw.fake.setDown(false);
    expect((await say(gw, "second")).status).toBe(200);
    expect((await say(gw, "elsewhere", "deploys")).status).toBe(200);
    // Another room is free to take the fast path; #ops waits for its first job.
    expect(texts(gw, "deploys")).toEqual(["elsewhere"]);
    expect(texts(gw, "ops")).toEqual([]);
    gw.durable.start();
    await until(() => texts(gw!, "ops").length === 2, "the queued jobs");
    expect(texts(gw, "ops")).toEqual(["first", "second"]);
  });
});

describe("when the outbox cannot be written", () => {
  it("if it fails while the attempt is still running, the answer waits for Rocket.Chat", async () => {
    const spy = watched();
    gw = await startDurable({ outbox: spy.wrap });
    await warmUp(gw);
    spy.failing.add = true;
    gw.fake.faults.delayMs = 300;
    const res = await say(gw, "late but sure");
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    expect(texts(gw, "ops")).toEqual(["warm-up", "late but sure"]);
  });
});

describe("Rocket.Chat's rate limit", () => {
  it("a 429 pauses every room for the time Rocket.Chat names", async () => {
    gw = await startDurable({ delivery: ROOMY });
    await warmUp(gw, "ops");
    await warmUp(gw, "deploys");
    gw.fake.faults.rateLimitSeconds = 1;
    gw.fake.faults.rateLimitNext = 1;
    const started = Date.now();
    expect((await say(gw, "limited", "ops")).status).toBe(200);
    const posts = gw.fake.calls["chat.sendMessage"] ?? 0;
    // Another room, while paused: queued without asking Rocket.Chat.
    expect((await say(gw, "polite", "deploys")).status).toBe(200);
    expect(gw.fake.calls["chat.sendMessage"]).toBe(posts);
    expect((await gw.durable.view()).pending.map((r) => r.room)).toEqual(["#ops", "#deploys"]);
    await until(() => gw!.fake.messages.length === 4, "delivery after the pause");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(gw.fake.calls["chat.sendMessage"]).toBe(posts + 2);
  });
});

describe("concurrency", () => {
  it("fast path and worker together never exceed delivery.concurrency requests to Rocket.Chat", async () => {
    let now = 0;
    let peak = 0;
    const counting: Upstream = async (url, init) => {
      peak = Math.max(peak, ++now);
      try {
        return await fetchUpstream(url, init);
      } finally {
        now--;
      }
    };
    gw = await startDurable({ delivery: { concurrency: 2, fastPathMs: 30 }, services: { upstream: counting } });
    gw.fake.faults.delayMs = 20;
    const sent = await sendWorkload((hook, body) => gw!.post(hookPath(hook), body), 5);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(peak).toBe(2);
  });
});

describe("giving up", () => {
  it("a job older than maxAgeSeconds becomes a dead letter instead of being retried forever", async () => {
    let offset = 0;
    gw = await startDurable({ delivery: { maxAgeSeconds: 60 }, now: () => Date.now() + offset });
    await gw.fake.setDown(true);
    expect((await say(gw, "stale")).status).toBe(200);
    offset = 61_000;
    await until(async () => (await gw!.durable.view()).counts.dead === 1, "the dead letter");
    const [dead] = (await gw.durable.view()).dead;
    expect(dead).toMatchObject({ state: "dead", error: "service_unavailable", room: "#ops" });
    expect(dead!.lastError).toMatch(/maxAgeSeconds/);
    await gw.fake.setDown(false);
    await sleep(100);
    expect(gw.fake.messages).toEqual([]);
  });

  it("a dead letter is deleted deadLetterSeconds after it died, and logged", async () => {
    let offset = 0;
    const lines: string[] = [];
    gw = await startDurable({
      delivery: { maxAgeSeconds: 60, deadLetterSeconds: 3600 },
      now: () => Date.now() + offset,
      logger: createLogger("info", (l) => lines.push(l), { format: "json" }),
    });
    await gw.fake.setDown(true);
    expect((await say(gw, "stale")).status).toBe(200);
    offset = 61_000;
    await until(async () => (await gw!.durable.view()).counts.dead === 1, "the dead letter");
    // Kept while younger than deadLetterSeconds (sweeps run every pollMs meanwhile).
    offset = 61_000 + 3_000_000;
    await sleep(100);
    expect((await gw.durable.view()).counts.dead).toBe(1);
    offset = 61_000 + 3_601_000 + 60_000;
    await until(async () => (await gw!.durable.view()).counts.dead === 0, "the dead letter deleted");
    expect((await gw.durable.view()).dead).toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toContainEqual(
      expect.objectContaining({ msg: "outbox: dead letters deleted", deadLetters: 1, olderThanSeconds: 3600 }),
    );
  });
});

describe("restart after a crash", () => {
  it("a job found in flight is checked with Rocket.Chat first: no duplicate, no false dead letter", async () => {
    const ids = [newMessageId(), newMessageId(), newMessageId()];
    const job: DeliveryJob = {
      id: ids[0]!,
      source: "h1",
      room: "#ops",
      messages: ids.map((_id, i) => ({ _id, msg: `part ${i}` })),
      acceptedAt: Date.now(),
    };
    // What a crash leaves: the job in flight, never settled, nothing recorded as sent.
    const crashed = (outbox: Outbox): Outbox => {
      outbox.add({
        seq: 1,
        job,
        state: "inflight",
        progress: { sent: 0, uncertain: false, attempts: 0 },
        nextAt: 0,
        expiresAt: Date.now() + 60_000,
        updatedAt: 0,
      });
      return outbox;
    };
    gw = await startDurable({ outbox: crashed, paused: true });
    // …while Rocket.Chat had already stored the first two parts.
    const rid = gw.fake.room("ops")!._id;
    for (const i of [0, 1]) {
      const res = await fetch(`${gw.fake.url}/api/v1/chat.sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": gw.fake.userId, "x-auth-token": gw.fake.authToken },
        body: JSON.stringify({ message: { _id: ids[i], rid, msg: `part ${i}` } }),
      });
      expect(res.status).toBe(200);
    }
    expect((await gw.durable.view()).pending).toMatchObject([{ id: ids[0], state: "queued", attempts: 1 }]);
    gw.durable.start();
    await until(async () => (await gw!.durable.view()).counts.pending === 0, "the recovered job");
    expect(texts(gw, "ops")).toEqual(["part 0", "part 1", "part 2"]);
    expect((await gw.durable.view()).counts.dead).toBe(0);
    expect(gw.fake.calls["chat.getMessage"]).toBeGreaterThanOrEqual(2);
  });
});

describe("backoff", () => {
  it("full jitter below base·2^(n−1), capped", () => {
    expect(backoffMs(1, 1000, 300_000, () => 0.999)).toBe(999);
    expect(backoffMs(4, 1000, 300_000, () => 0.999)).toBe(7992);
    expect(backoffMs(40, 1000, 300_000, () => 0.999)).toBe(299_700);
    expect(backoffMs(3, 1000, 300_000, () => 0)).toBe(0);
  });
});
