/**
 * Delivery under stress, against the fake Rocket.Chat over real sockets with a real SQLite
 * outbox: a flooded room (bounded line, 429 with Retry-After), a 429 storm (a pause, not a
 * longer back-off), refused credentials (one ERROR line, a metric), a full disk (503, nothing
 * half-written) and group commit (one transaction for many requests). Timing budgets are in
 * `npm run bench -- --scenario …`, not here.
 */
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/log.ts";
import { join } from "node:path";
import {
  drained,
  expectExactlyOnce,
  hookPath,
  sendWorkload,
  startDurable,
  tempDir,
  textOf,
  until,
  type DurableGateway,
  type Sent,
} from "./harness.ts";

let gw: DurableGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const metric = async (g: DurableGateway, line: RegExp): Promise<number> => {
  const text = await (await g.app.request("/metrics")).text();
  const found = text.split("\n").find((l) => line.test(l));
  return found === undefined ? 0 : Number(found.split(" ").at(-1));
};

function outboxRows(path: string): Array<{ id: string; job: string }> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT id, job FROM outbox ORDER BY seq").all() as Array<{ id: string; job: string }>;
  } finally {
    db.close();
  }
}

describe("a flooded room", () => {
  it("past delivery.maxQueuedPerRoom: 429 with a whole Retry-After, nothing stored for it; every ok delivered once, in order", async () => {
    const bound = 8;
    gw = await startDurable({ delivery: { maxQueuedPerRoom: bound, fastPathMs: 20 } });
    const base = await gw.listen();
    // Slower than the answer is due: everything goes through the line.
    gw.fake.faults.delayMs = 25;
    const retryAfter: string[] = [];
    let peak = 0;
    const post = async (hook: string, body: string): Promise<Response> => {
      const res = await fetch(base + hookPath(hook), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (res.status === 429) retryAfter.push(res.headers.get("retry-after") ?? "");
      peak = Math.max(peak, (await gw!.durable.view()).counts.pending);
      return res;
    };
    const sent = await sendWorkload(post, 40, { rooms: ["ops"] });
    const refused = sent.filter((s) => s.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.status === 200 || s.status === 429)).toBe(true);
    for (const value of retryAfter) expect(value).toMatch(/^[1-9]\d*$/);
    // The line never held more than the bound (messages answered ok and not yet delivered).
    expect(peak).toBeLessThanOrEqual(bound);
    gw.fake.faults.delayMs = 0;
    await drained(gw.durable, gw.fake, sent);
    // Exactly once, in order per sender; a refused message was neither stored nor delivered.
    expectExactlyOnce(gw.fake, sent);
    expect(await metric(gw, /^slackline_delivery_refused_total\{bound="room"\}/)).toBe(refused.length);
  });
});

describe("the bound over all rooms", () => {
  it("past delivery.maxQueued: 429 rate_limited with a whole Retry-After for any room, nothing stored for it; every ok delivered once", async () => {
    const bound = 8;
    const rooms = ["alerts", "ops", "deploys", "logs"];
    const temp = tempDir();
    const outboxPath = join(temp.dir, "outbox.sqlite");
    try {
      // The per-room bound is far away: only the total one can refuse.
      gw = await startDurable({ delivery: { maxQueued: bound, maxQueuedPerRoom: 1000 }, outboxPath });
      const base = await gw.listen();
      await gw.fake.setDown(true); // everything accepted waits in the line
      const retryAfter: string[] = [];
      const bodies: string[] = [];
      const post = async (hook: string, body: string): Promise<Response> => {
        const res = await fetch(base + hookPath(hook), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        if (res.status === 429) {
          retryAfter.push(res.headers.get("retry-after") ?? "");
          bodies.push(await res.clone().text());
        }
        return res;
      };
      // One message per room first, one after another: every room has a line, so each later
      // request is admitted or refused at once (no fast-path attempt overlaps the count).
      const first = await sendWorkload(post, 1, { hooks: ["h1"], rooms });
      expect(first.map((s) => s.status)).toEqual([200, 200, 200, 200]);
      const rest = await sendWorkload(post, 6, { hooks: ["h1", "h2"], rooms, from: 1 });
      const sent = [...first, ...rest];
      const accepted = sent.filter((s) => s.status === 200);
      const refused = sent.filter((s) => s.status === 429);
      expect(accepted.length + refused.length).toBe(sent.length);
      // Exactly the bound was taken, spread over the rooms; the rest was told to come back.
      expect(accepted).toHaveLength(bound);
      expect(refused).toHaveLength(sent.length - bound);
      expect(new Set(refused.map((s) => s.room)).size).toBeGreaterThan(1);
      for (const value of retryAfter) expect(value).toMatch(/^[1-9]\d*$/);
      expect(bodies.every((b) => b === "rate_limited")).toBe(true);
      expect(await metric(gw, /^slackline_delivery_refused_total\{bound="total"\}/)).toBe(refused.length);
      expect(await metric(gw, /^slackline_delivery_refused_total\{bound="room"\}/)).toBe(0);
      expect(gw.fake.messages).toEqual([]);
      await gw.stop();
      gw = undefined;
      // On disk: exactly the jobs answered ok; nothing of the refused ones.
      const stored = outboxRows(outboxPath).map(
        (r) => (JSON.parse(r.job) as { messages: Array<{ msg: string }> }).messages[0]!.msg,
      );
      expect([...stored].sort()).toEqual(accepted.map((s) => s.text).sort());
      // Rocket.Chat answers (a new gateway on the same outbox file): every ok once, in order.
      gw = await startDurable({ delivery: { maxQueued: bound }, outboxPath });
      await drained(gw.durable, gw.fake, sent);
      expectExactlyOnce(gw.fake, sent);
    } finally {
      await gw?.stop();
      gw = undefined;
      temp.remove();
    }
  });
});

describe("a 429 storm", () => {
  it("is a pause for everyone that never lengthens a job's own back-off; recovery delivers everything once", async () => {
    // A long back-off, and jitter at its top: a back-off counted from every attempt would show.
    gw = await startDurable({
      delivery: { retryBaseMs: 1000, retryMaxMs: 300_000, fastPathMs: 2000 },
      random: () => 0.999,
    });
    await gw.listen();
    const say = (text: string, room = "ops") => gw!.post(hookPath("h1"), JSON.stringify({ text, channel: `#${room}` }));
    expect((await say("warm-up")).status).toBe(200);
    // A 5xx first (the job's own failure: back-off base·2^0), then a storm of 429s.
    gw.fake.faults.status5xx = 502;
    gw.fake.faults.status5xxCount = 1;
    gw.fake.faults.status5xxEndpoint = "chat.sendMessage";
    gw.fake.faults.rateLimitSeconds = 1;
    gw.fake.faults.rateLimitNext = 3;
    expect((await say("stormy")).status).toBe(200);
    await until(() => gw!.fake.faults.rateLimitNext === 0, "the storm", 15_000);
    const pending = (await gw.durable.view()).pending.find((r) => r.room === "#ops")!;
    // Scheduled at the end of the pause Rocket.Chat named (1 s), not by a back-off of 4 attempts.
    expect(pending.attempts).toBe(4);
    expect(Date.parse(pending.nextAttemptAt!) - Date.parse(pending.updatedAt)).toBeLessThanOrEqual(1000 + 50);
    // One more failure of its own: its back-off counts 2 failures (< 2 s), not 5 attempts (16 s).
    gw.fake.faults.status5xx = 502;
    gw.fake.faults.status5xxCount = 1;
    await until(
      async () => (await gw!.durable.view()).pending.find((r) => r.room === "#ops")?.attempts === 5,
      "the fifth attempt",
      15_000,
    );
    const after = (await gw.durable.view()).pending.find((r) => r.room === "#ops")!;
    const wait = Date.parse(after.nextAttemptAt!) - Date.parse(after.updatedAt);
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThan(2000);
    await until(() => gw!.fake.messages.length === 2, "everything delivered", 15_000);
    expect(gw.fake.messagesIn("ops").map((m) => m.msg)).toEqual(["warm-up", "stormy"]);
    expect(gw.fake.calls["chat.sendMessage"]).toBe(7);
  });
});

describe("credentials Rocket.Chat refuses", () => {
  it("one ERROR line naming the failure and a metric; once fixed, everything is delivered once", async () => {
    const lines: string[] = [];
    gw = await startDurable({ logger: createLogger("debug", (l) => lines.push(l)), paused: true });
    await gw.listen();
    const good = gw.fake.authToken;
    gw.fake.authToken = "revoked-token"; // the token slackline holds no longer logs in
    gw.durable.start();
    await until(() => lines.some((l) => / ERROR .*HTTP 401/.test(l)), "the ERROR line");
    const sent: Sent[] = await sendWorkload((hook, body) => gw!.post(hookPath(hook), body), 5, {
      hooks: ["h1", "h2"],
      rooms: ["ops", "deploys"],
    });
    expect(sent.every((s) => s.status === 200)).toBe(true);
    await until(
      async () => (await metric(gw!, /^slackline_rocketchat_auth_failures_total\{status="401"\}/)) >= 2,
      "probes refused",
    );
    expect(gw.fake.messages).toEqual([]);
    // Once, not per request or per probe (at most once a minute).
    expect(lines.filter((l) => / ERROR /.test(l))).toHaveLength(1);
    expect(lines.find((l) => / ERROR /.test(l))).toMatch(/credentials.*rocketchat\.authToken/);
    expect(await metric(gw, /^slackline_rocketchat_up /)).toBe(0);
    gw.fake.authToken = good;
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(lines.some((l) => / INFO Rocket\.Chat accepts the credentials again.* waiting=\d+/.test(l))).toBe(true);
    expect(await metric(gw, /^slackline_rocketchat_up /)).toBe(1);
  });
});

describe("Rocket.Chat unreachable", () => {
  it("one WARN when it goes, one INFO with how long and how many waited when it is back", async () => {
    const lines: string[] = [];
    gw = await startDurable({ logger: createLogger("info", (l) => lines.push(l)) });
    await gw.fake.setDown(true);
    const sent = await sendWorkload((hook, body) => gw!.post(hookPath(hook), body), 4, {
      hooks: ["h1"],
      rooms: ["ops", "deploys"],
    });
    expect(sent.every((s) => s.status === 200)).toBe(true);
    await sleep(300); // probes fail meanwhile
    await gw.fake.setDown(false);
    await drained(gw.durable, gw.fake, sent);
    expectExactlyOnce(gw.fake, sent);
    expect(lines.filter((l) => / WARN Rocket\.Chat unreachable/.test(l))).toHaveLength(1);
    const back = lines.filter((l) => / INFO Rocket\.Chat reachable again/.test(l));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatch(/seconds=[\d.]+ waiting=\d+/);
  });
});

describe("a disk that fills up mid-run", () => {
  it("503 for what cannot be stored, nothing half-written; what was answered ok is delivered once", async () => {
    const temp = tempDir();
    const outboxPath = join(temp.dir, "outbox.sqlite");
    try {
      // A cap on the outbox file: SQLite's own SQLITE_FULL, as on a full disk.
      gw = await startDurable({ sqlite: { maxPageCount: 12 }, outboxPath });
      await gw.listen();
      await gw.fake.setDown(true);
      const body = (i: number) =>
        JSON.stringify({ text: `${textOf("h1", "ops", i)} ${"x".repeat(2000)}`, channel: "#ops" });
      const answers: Array<{ i: number; status: number; text: string }> = [];
      for (let i = 0; i < 60; i++) {
        const res = await gw.post(hookPath("h1"), body(i));
        answers.push({ i, status: res.status, text: await res.text() });
      }
      const ok = answers.filter((a) => a.status === 200).map((a) => textOf("h1", "ops", a.i));
      const full = answers.filter((a) => a.status === 503);
      expect(ok.length).toBeGreaterThan(0);
      expect(full.length).toBeGreaterThan(0);
      expect(full.every((a) => a.text === "service_unavailable")).toBe(true);
      expect(ok.length + full.length).toBe(60);
      await gw.stop();
      gw = undefined;
      // On disk: exactly the jobs answered ok, each whole.
      const rows = outboxRows(outboxPath);
      const stored = rows.map(
        (r) => (JSON.parse(r.job) as { messages: Array<{ msg: string }> }).messages[0]!.msg.split(" ")[0],
      );
      expect(stored).toEqual(ok);
      // Started again with Rocket.Chat up: the line drains, which frees the space; new messages
      // are taken again.
      gw = await startDurable({ sqlite: { maxPageCount: 12 }, outboxPath });
      await until(async () => (await gw!.durable.view()).counts.pending === 0, "the outbox to drain");
      const later = await gw.post(hookPath("h1"), body(60));
      expect(later.status).toBe(200);
      await until(() => gw!.fake.messages.length === ok.length + 1, "the later message");
      const delivered = gw.fake.messagesIn("ops").map((m) => m.msg.split(" ")[0]);
      expect(delivered).toEqual([...ok, textOf("h1", "ops", 60)]);
    } finally {
      await gw?.stop();
      gw = undefined;
      temp.remove();
    }
  });
});

describe("group commit", () => {
  it("many concurrent requests share one transaction: far fewer commits than jobs", async () => {
    gw = await startDurable({ delivery: { fastPathMs: 5000 } });
    const base = await gw.listen();
    // Rocket.Chat asks for a pause: every request goes straight to the outbox.
    gw.fake.faults.rateLimitSeconds = 60;
    gw.fake.faults.rateLimitNext = 1;
    expect((await gw.post(hookPath("h1"), JSON.stringify({ text: "first", channel: "#ops" }))).status).toBe(200);
    const commitsNow = () => metric(gw!, /^slackline_outbox_commits_total /);
    const n = 100;
    const rooms = ["ops", "deploys", "alerts"];
    const body = (i: number) => JSON.stringify({ text: `burst ${i}`, channel: `#${rooms[i % 3]}` });
    // Requests that reach the app in one event-loop turn: one transaction for all of them.
    let before = await commitsNow();
    const together = await Promise.all(Array.from({ length: n }, (_, i) => gw!.post(hookPath("h2"), body(i))));
    expect(together.map((r) => r.status)).toEqual(Array(n).fill(200));
    expect((await commitsNow()) - before).toBe(1);
    // Over sockets they arrive over several turns: still far fewer transactions than jobs.
    before = await commitsNow();
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        fetch(base + hookPath("h3"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(i),
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(n).fill(200));
    const commits = (await commitsNow()) - before;
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(n / 2);
    await gw.durable.stop(2000); // the file stays until the test ends
    // Each ok is on disk.
    expect(outboxRows(gw.outboxPath)).toHaveLength(2 * n + 1);
  });
});
