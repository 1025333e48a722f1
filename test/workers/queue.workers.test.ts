/**
 * Delivery retries through the DELIVERIES queue, inside workerd: the Worker's `queue()` handler
 * on a hand-made batch, then the real queue end to end (Rocket.Chat down, messages answered `ok`,
 * Rocket.Chat back: every message arrives, once). The Worker's own config (a binding) delivers
 * to the fake globalSetup made.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryJob } from "../../src/delivery/deliver.ts";
import { newMessageId } from "../../src/rocketchat/ids.ts";
import worker from "../../src/worker.ts";
import type { DeadLetter, DeliveryMessage } from "../../src/workers/delivery.ts";
import { HOOK_TOKEN } from "../contract/config.ts";
import { remoteFake } from "../contract/remote.ts";
import type { FakeControl } from "../contract/runtime.ts";
import { callWorker, testEnv } from "./support.ts";

let fake: FakeControl;
beforeAll(async () => {
  fake = await remoteFake(testEnv.TEST_CONTROL_URL, testEnv.TEST_FAKE_ID);
});
beforeEach(async () => {
  await fake.setDown(false);
  await fake.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function delivery(text: string, room = "#alerts"): DeliveryMessage {
  const _id = newMessageId();
  const job: DeliveryJob = { id: _id, source: "alerts", room, messages: [{ _id, msg: text }], acceptedAt: Date.now() };
  return { kind: "slackline.delivery", job, progress: { sent: 0, uncertain: false, attempts: 1 } };
}

async function runQueue(bodies: DeliveryMessage[], attempts: number, env = testEnv) {
  const batch = createMessageBatch<DeliveryMessage>("slackline-deliveries", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("the queue() handler", () => {
  it("retries a failed delivery, then acks it once Rocket.Chat takes it", async () => {
    const body = delivery("retried");
    await fake.setDown(true);
    const down = await runQueue([body], 1);
    expect(down.explicitAcks).toEqual([]);
    expect(down.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
    await fake.setDown(false);
    const up = await runQueue([body], 2);
    expect(up.explicitAcks).toEqual(["m0"]);
    expect(up.retryMessages).toEqual([]);
    expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["retried"]);
  });

  it("acks a permanent failure after keeping it in the dead-letter queue", async () => {
    const letters: DeadLetter[] = [];
    const deadLetters = { send: async (letter: DeadLetter) => void letters.push(letter) } as unknown as Queue<DeadLetter>;
    const body = delivery("to nowhere", "#no-such-room");
    const result = await runQueue([body], 1, { ...testEnv, DEAD_LETTERS: deadLetters });
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(letters).toMatchObject([{ kind: "slackline.dead-letter", job: { id: body.job.id }, error: "channel_not_found" }]);
    expect(await fake.messages()).toEqual([]);
  });

  it("keeps every message while the config is broken", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await runQueue([delivery("later")], 1, { ...testEnv, SLACKLINE_CONFIG: "{ broken" });
    expect(result.retryBatch).toMatchObject({ retry: true });
    expect(result.explicitAcks).toEqual([]);
  });
});

describe("the DELIVERIES queue end to end", () => {
  it("answers ok while Rocket.Chat is down, then delivers every message exactly once", async () => {
    await fake.setDown(true);
    const texts = ["first", "second", "third"];
    for (const text of texts) {
      const res = await exports.default.fetch(`http://localhost/services/T0000/B0000/${HOOK_TOKEN}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      });
      expect([res.status, await res.text()]).toEqual([200, "ok"]);
    }
    // The consumer tries them while Rocket.Chat is still down, and puts them back.
    const retried = async () => {
      const metrics = await (await exports.default.fetch("http://localhost/metrics")).text();
      let sum = 0;
      for (const m of metrics.matchAll(/^slackline_deliveries_total\{hook="[^"]*",outcome="retried"\} (\d+)$/gm)) sum += Number(m[1]);
      return sum;
    };
    const before = await retried();
    await vi.waitFor(async () => expect(await retried()).toBeGreaterThan(before), { timeout: 10_000, interval: 200 });
    expect(await fake.calls()).toEqual({});
    await fake.setDown(false);
    await vi.waitFor(async () => expect((await fake.messages("alerts")).map((m) => m.msg).sort()).toEqual([...texts].sort()), {
      timeout: 15_000,
      interval: 250,
    });
    // Nothing more arrives: each message was posted once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fake.messages("alerts")).map((m) => m.msg).sort()).toEqual([...texts].sort());
  });

  it("answers 503 service_unavailable without the DELIVERIES binding (nothing could be queued)", async () => {
    await fake.setDown(true);
    const res = await callWorker(
      new Request(`http://localhost/services/T0000/B0000/${HOOK_TOKEN}`, { method: "POST", body: JSON.stringify({ text: "no queue" }) }),
      { DELIVERIES: undefined },
    );
    expect([res.status, await res.text()]).toEqual([503, "service_unavailable"]);
  });
});

describe("requests in separate contexts", () => {
  it("share one room lookup without hanging (a promise resolved by another request)", async () => {
    await fake.addRoom({ name: "fresh-room" });
    await fake.faults({ delayMs: 200 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const res = await exports.default.fetch(`http://localhost/services/T0000/B0000/${HOOK_TOKEN}`, {
          method: "POST",
          body: JSON.stringify({ text: `c${i}`, channel: "#fresh-room" }),
        });
        return `${res.status} ${await res.text()}`;
      }),
    );
    expect(answers).toEqual(Array(6).fill("200 ok"));
    expect((await fake.messages("fresh-room")).map((m) => m.msg).sort()).toEqual(["c0", "c1", "c2", "c3", "c4", "c5"]);
  });
});
