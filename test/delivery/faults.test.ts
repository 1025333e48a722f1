/**
 * "Never lose, never duplicate": hundreds of numbered messages over three hooks and four rooms
 * while the fake Rocket.Chat misbehaves; then every `ok` must be there exactly once, in order.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  drained,
  expectExactlyOnce,
  hookPath,
  HOOKS,
  ROOMS,
  sendWorkload,
  startDurable,
  until,
  type DurableGateway,
  type Post,
} from "./harness.ts";

let gw: DurableGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const poster =
  (g: DurableGateway): Post =>
  (hook, body) =>
    g.post(hookPath(hook), body);
const ok = (sent: ReadonlyArray<{ status: number | "lost" }>) => sent.filter((s) => s.status === 200).length;

describe("durable delivery under faults", () => {
  it("Rocket.Chat down for a while, then back: everything accepted, delivered once, in order", async () => {
    gw = await startDurable();
    await gw.fake.setDown(true);
    const first = await sendWorkload(poster(gw), 13);
    expect(ok(first)).toBe(first.length);
    expect(gw.fake.messages).toHaveLength(0);
    // Back up while more arrive: new jobs queue behind their room's waiting ones.
    const more = sendWorkload(poster(gw), 12, { from: 13 });
    await sleep(100);
    await gw.fake.setDown(false);
    const sent = [...first, ...(await more)];
    expect(sent).toHaveLength(300);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(ok(sent)).toBe(300);
    expect(gw.services.metrics.deliveries.get({ outcome: "queued" })).toBeGreaterThanOrEqual(156);
    expect(gw.services.metrics.deliveries.get({ outcome: "retried" })).toBeGreaterThan(0);
  });

  it("a 429 storm: waits as told, loses and repeats nothing", async () => {
    gw = await startDurable({ delivery: { concurrency: 8 } });
    gw.fake.faults.rateLimitSeconds = 1;
    gw.fake.faults.rateLimitNext = 8;
    const sent = await sendWorkload(poster(gw), 25);
    expect(ok(sent)).toBe(300);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    // Each message posted once, plus exactly the 8 refused posts: no blind re-sends.
    expect(gw.fake.calls["chat.sendMessage"]).toBe(300 + 8);
    expect(gw.fake.faults.rateLimitNext).toBe(0);
  });

  it("connections reset after Rocket.Chat stored the message: checked, never re-posted", async () => {
    gw = await startDurable();
    gw.fake.faults.resetAfterStore = 40;
    const sent = await sendWorkload(poster(gw), 25);
    expect(ok(sent)).toBe(300);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(gw.fake.faults.resetAfterStore).toBe(0);
    expect(gw.fake.calls["chat.getMessage"]).toBeGreaterThanOrEqual(40);
  });

  it("timeouts after Rocket.Chat stored the message (slow past the client timeout)", async () => {
    gw = await startDurable({ timeoutMs: 150 });
    // Rooms resolved first: with every answer late, only the posts themselves get through.
    const warm = await sendWorkload(poster(gw), 1);
    await drained(gw.durable, gw.fake, warm);
    gw.fake.faults.storeThenDelay = true;
    gw.fake.faults.delayMs = 300;
    const slow = sendWorkload(poster(gw), 19, { from: 1 });
    // Slow until each room's next post was stored and answered too late. Then every room is
    // stuck on its uncertain messages (the check times out too) rather than posting blindly.
    // Requests to one room that overlap (one per hook) may be sent side by side, so a room
    // posts at most once per hook before it is stuck.
    const posts = gw.fake.calls["chat.sendMessage"] ?? 0;
    await until(() => (gw!.fake.calls["chat.sendMessage"] ?? 0) >= posts + ROOMS.length, "slow posts");
    await sleep(300);
    const stuck = gw.fake.calls["chat.sendMessage"] ?? 0;
    expect(stuck).toBeLessThanOrEqual(posts + ROOMS.length * HOOKS.length);
    await sleep(300);
    expect(gw.fake.calls["chat.sendMessage"]).toBe(stuck);
    gw.fake.faults.delayMs = 0;
    const sent = [...warm, ...(await slow)];
    expect(ok(sent)).toBe(240);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(gw.fake.calls["chat.getMessage"]).toBeGreaterThan(0);
  });

  it("5xx from the proxy in front of Rocket.Chat (nothing stored): sent again, once", async () => {
    gw = await startDurable();
    gw.fake.faults.status5xx = 502;
    gw.fake.faults.status5xxCount = 30;
    gw.fake.faults.status5xxEndpoint = "chat.sendMessage";
    const sent = await sendWorkload(poster(gw), 20);
    expect(ok(sent)).toBe(240);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(gw.fake.calls["chat.sendMessage"]).toBe(240 + 30);
  });
});
