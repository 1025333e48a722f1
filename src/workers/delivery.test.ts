/**
 * Delivery on Workers, on Node against the fake Rocket.Chat: the fast path, what goes to the
 * queue and with which delay, and what the consumer acks, retries and buries. The queue and its
 * messages are recording stand-ins; the workerd suite runs the real ones end to end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../config/load.ts";
import { Deliverer, type DeliveryJob, type JobProgress } from "../delivery/deliver.ts";
import { upstream } from "../http/upstream.fetch.ts";
import { silentLogger } from "../observability/log.ts";
import { Metrics } from "../observability/metrics.ts";
import { RocketChatClient } from "../rocketchat/client.ts";
import { newMessageId } from "../rocketchat/ids.ts";
import { RoomResolver } from "../rocketchat/rooms.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../../test/support/fake-rocketchat.ts";
import type { DeliverySettings } from "../delivery/service.ts";
import { consumeDeliveries, QueueDelivery, retryDelaySeconds, type DeadLetter, type DeliveryMessage } from "./delivery.ts";

const loaded = loadConfig(JSON.stringify({ delivery: { fastPathMs: 300, retryBaseMs: 1000, retryMaxMs: 8000 } }), {});
if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
const settings: DeliverySettings = loaded.config.delivery;

let fake: FakeRocketChat;
let deliverer: Deliverer;
let metrics: Metrics;

function newDeliverer(timeoutMs = 2000): Deliverer {
  const api = new RocketChatClient({ url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs, upstream });
  return new Deliverer(api, new RoomResolver(api));
}

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "alerts" });
  fake.addRoom({ name: "ops" });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await fake.setDown(false);
  fake.reset();
  deliverer = newDeliverer();
  metrics = new Metrics();
});

function job(text: string | string[], room = "#alerts", acceptedAt = Date.now()): DeliveryJob {
  const messages = (Array.isArray(text) ? text : [text]).map((msg) => ({ msg, _id: newMessageId() }));
  return { id: messages[0]!._id, source: "alerts", room, messages, acceptedAt };
}

/** A Queue that records what is sent, or throws. */
function recordingQueue<T>(fail = false): Queue<T> & { sent: Array<{ body: T; delaySeconds: number | undefined }> } {
  const sent: Array<{ body: T; delaySeconds: number | undefined }> = [];
  return {
    sent,
    async send(body: T, options?: QueueSendOptions) {
      if (fail) throw new Error("queue unavailable");
      sent.push({ body: structuredClone(body), delaySeconds: options?.delaySeconds });
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    },
    sendBatch: async () => {
      throw new Error("not used");
    },
    metrics: async () => ({ backlogCount: 0, backlogBytes: 0 }),
  };
}

type Settled = { acked: boolean; retried?: number | undefined };

/** A batch whose messages record ack() and retry({ delaySeconds }). */
function batchOf(bodies: unknown[], attempts = 1): { batch: MessageBatch<unknown>; settled: Settled[] } {
  const settled: Settled[] = bodies.map(() => ({ acked: false }));
  const messages = bodies.map((body, i) => ({
    id: String(i),
    timestamp: new Date(),
    body,
    attempts,
    ack: () => void (settled[i]!.acked = true),
    retry: (options?: QueueRetryOptions) => void (settled[i]!.retried = options?.delaySeconds ?? 0),
  }));
  const batch = {
    messages,
    queue: "slackline-deliveries",
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    ackAll: () => messages.forEach((m) => m.ack()),
    retryAll: (o?: QueueRetryOptions) => messages.forEach((m) => m.retry(o)),
  };
  return { batch, settled };
}

const queued = (j: DeliveryJob, progress: JobProgress = { sent: 0, uncertain: false, attempts: 1 }): DeliveryMessage => ({
  kind: "slackline.delivery",
  job: j,
  progress,
});

describe("QueueDelivery (a request's fast path)", () => {
  const delivery = (queue: Queue<DeliveryMessage>, over: Partial<DeliverySettings> = {}) =>
    new QueueDelivery({ queue, deliverer, metrics, logger: silentLogger, settings: { ...settings, ...over }, attemptTimeoutMs: 2000, random: () => 0.5 });

  it("answers delivered when Rocket.Chat confirms in time, and queues nothing", async () => {
    const queue = recordingQueue<DeliveryMessage>();
    const outcome = await delivery(queue).submit(job("hello"));
    expect(outcome.kind).toBe("delivered");
    expect(queue.sent).toEqual([]);
    expect(fake.messagesIn("alerts").map((m) => m.msg)).toEqual(["hello"]);
  });

  it("answers a permanent error to the sender, and queues nothing", async () => {
    const queue = recordingQueue<DeliveryMessage>();
    expect(await delivery(queue).submit(job("x", "#nope"))).toEqual({ kind: "failed", error: "channel_not_found" });
    expect(queue.sent).toEqual([]);
  });

  it("queues what Rocket.Chat did not take, with its progress and a backoff delay", async () => {
    await fake.setDown(true);
    const queue = recordingQueue<DeliveryMessage>();
    const j = job("while down");
    expect(await delivery(queue).submit(j)).toEqual({ kind: "queued" });
    expect(queue.sent).toEqual([{ body: { kind: "slackline.delivery", job: j, progress: { sent: 0, uncertain: false, attempts: 1 } }, delaySeconds: 1 }]);
    expect(metrics.deliveries.get({ outcome: "queued" })).toBe(1);
  });

  it("waits as long as a 429 says", async () => {
    fake.faults.rateLimitNext = 1;
    fake.faults.rateLimitSeconds = 7;
    const queue = recordingQueue<DeliveryMessage>();
    expect(await delivery(queue).submit(job("limited"))).toEqual({ kind: "queued" });
    expect(queue.sent[0]!.delaySeconds).toBe(7);
  });

  it("queues an attempt still running when the answer is due as uncertain, after the client timeout", async () => {
    fake.faults.delayMs = 1000;
    const queue = recordingQueue<DeliveryMessage>();
    expect(await delivery(queue).submit(job("slow"))).toEqual({ kind: "queued" });
    expect(queue.sent[0]).toMatchObject({ body: { progress: { sent: 0, uncertain: true, attempts: 1 } }, delaySeconds: 2 });
    // The attempt goes on and stores it; the queued copy will find it there.
    await vi.waitFor(() => expect(fake.messagesIn("alerts").map((m) => m.msg)).toEqual(["slow"]), { timeout: 3000 });
  });

  it("queues first with fastPathMs 0, without trying", async () => {
    const queue = recordingQueue<DeliveryMessage>();
    expect(await delivery(queue, { fastPathMs: 0 }).submit(job("later"))).toEqual({ kind: "queued" });
    expect(queue.sent[0]).toMatchObject({ body: { progress: { sent: 0, uncertain: false, attempts: 0 } }, delaySeconds: 0 });
    expect(fake.calls).toEqual({});
  });

  it("answers 503 service_unavailable when nothing could be queued", async () => {
    await fake.setDown(true);
    expect(await delivery(recordingQueue<DeliveryMessage>(true)).submit(job("lost?"))).toEqual({ kind: "failed", error: "service_unavailable" });
  });
});

describe("consumeDeliveries (the queue handler)", () => {
  const consume = (batch: MessageBatch<unknown>, deadLetters?: Queue<DeadLetter>, now?: () => number) =>
    consumeDeliveries(batch, { deliverer, metrics, logger: silentLogger, settings, deadLetters, random: () => 0.5, ...(now ? { now } : {}) });

  it("delivers and acks; retries with backoff while Rocket.Chat is down; drops nothing", async () => {
    const jobs = [job("one"), job("two", "#ops")];
    await fake.setDown(true);
    const down = batchOf(jobs.map((j) => queued(j)));
    await consume(down.batch);
    expect(down.settled).toEqual([
      { acked: false, retried: 1 },
      { acked: false, retried: 1 },
    ]);
    await fake.setDown(false);
    const up = batchOf(jobs.map((j) => queued(j)), 2);
    await consume(up.batch);
    expect(up.settled).toEqual([{ acked: true }, { acked: true }]);
    expect(fake.messages.map((m) => m.msg)).toEqual(["one", "two"]);
  });

  it("checks with Rocket.Chat before sending again what an earlier delivery may have stored", async () => {
    const j = job(["first", "second"]);
    fake.faults.resetAfterStore = 1; // "first" is stored, its answer lost
    const first = batchOf([queued(j)]);
    await consume(first.batch);
    expect(first.settled[0]!.retried).toBeGreaterThanOrEqual(1);
    // The queue redelivers the same body (progress as sent): nothing is posted twice.
    const again = batchOf([queued(j)], 2);
    await consume(again.batch);
    expect(again.settled).toEqual([{ acked: true }]);
    expect(fake.messages.map((m) => m.msg)).toEqual(["first", "second"]);
    expect(fake.calls["chat.getMessage"]).toBeGreaterThanOrEqual(1);
  });

  it("honours a 429's wait, for the rest of the batch too", async () => {
    fake.faults.rateLimitNext = 1;
    fake.faults.rateLimitSeconds = 30;
    const { batch, settled } = batchOf([queued(job("a")), queued(job("b", "#ops"))]);
    await consume(batch);
    expect(settled.map((s) => s.retried)).toEqual([30, 30]);
    expect(fake.messages).toEqual([]);
  });

  it("holds back a room's later messages behind a retried one", async () => {
    fake.faults.status5xx = 503;
    fake.faults.status5xxCount = 1;
    const { batch, settled } = batchOf([queued(job("a1")), queued(job("a2")), queued(job("o1", "#ops"))]);
    await consume(batch);
    expect(settled).toEqual([
      { acked: false, retried: 1 },
      { acked: false, retried: 1 },
      { acked: true },
    ]);
    expect(fake.messages.map((m) => m.msg)).toEqual(["o1"]);
  });

  it("keeps permanent failures as dead letters, acked; retries when the dead letter cannot be kept", async () => {
    const dlq = recordingQueue<DeadLetter>();
    const j = job("to nowhere", "#nope");
    const { batch, settled } = batchOf([queued(j)]);
    await consume(batch, dlq);
    expect(settled).toEqual([{ acked: true }]);
    expect(dlq.sent).toMatchObject([{ body: { kind: "slackline.dead-letter", job: j, error: "channel_not_found", reason: expect.stringContaining("not_found") } }]);
    expect(metrics.deliveries.get({ outcome: "dead" })).toBe(1);

    const failing = batchOf([queued(j)]);
    await consume(failing.batch, recordingQueue<DeadLetter>(true));
    expect(failing.settled).toEqual([{ acked: false, retried: 60 }]);
  });

  it("buries a job older than maxAgeSeconds without trying it", async () => {
    const dlq = recordingQueue<DeadLetter>();
    const old = job("stale", "#alerts", Date.now() - settings.maxAgeSeconds * 1000);
    const { batch, settled } = batchOf([queued(old)], 40);
    await consume(batch, dlq);
    expect(settled).toEqual([{ acked: true }]);
    expect(dlq.sent[0]!.body).toMatchObject({ error: "service_unavailable", reason: expect.stringContaining("maxAgeSeconds") });
    expect(fake.calls).toEqual({});
  });

  it("acks a body that is no delivery (logged), instead of retrying it forever", async () => {
    const { batch, settled } = batchOf([{ hello: "world" }, "text"]);
    await consume(batch);
    expect(settled).toEqual([{ acked: true }, { acked: true }]);
  });
});

describe("retryDelaySeconds", () => {
  const retry = (attempts: number, afterMs?: number) => ({
    kind: "retry" as const,
    reason: "x",
    progress: { sent: 0, uncertain: false, attempts },
    ...(afterMs === undefined ? {} : { afterMs }),
  });

  it("grows exponentially with full jitter up to retryMaxMs, in whole seconds", () => {
    const s = { retryBaseMs: 1000, retryMaxMs: 8000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelaySeconds(retry(n), s, () => 0.999))).toEqual([1, 2, 4, 8, 8, 8]);
    expect(retryDelaySeconds(retry(3), s, () => 0)).toBe(0);
  });

  it("takes Rocket.Chat's wait when it names one, within Queues' limit", () => {
    expect(retryDelaySeconds(retry(1, 1500), settings)).toBe(2);
    expect(retryDelaySeconds(retry(1, 10 * 24 * 3600 * 1000), settings)).toBe(12 * 3600);
  });
});
