/**
 * The outbox file: the shared SQL's semantics over node:sqlite, one owner at a time, and
 * durability — a write that returned is there after the process is killed mid-run.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { DeliveryJob, JobProgress } from "../../src/delivery/deliver.ts";
import type { OutboxEntry } from "../../src/delivery/outbox.ts";
import { openSqliteOutbox } from "../../src/node/outbox-sqlite.ts";
import type { SqlOutbox } from "../../src/delivery/sql-outbox.ts";
import { tempDir } from "./harness.ts";

const temp = tempDir();
afterAll(() => temp.remove());
let open: SqlOutbox[] = [];
afterEach(() => {
  for (const o of open) o.close();
  open = [];
});
const outboxAt = (path: string): SqlOutbox => {
  const o = openSqliteOutbox(path);
  open.push(o);
  return o;
};

const fresh: JobProgress = { sent: 0, uncertain: false, attempts: 0 };
const job = (id: string, room: string): DeliveryJob => ({
  id,
  source: "h1",
  room,
  messages: [{ _id: id, msg: `text of ${id}` }],
  acceptedAt: 1000,
});
const queued = (seq: number, id: string, room: string, nextAt = 0): OutboxEntry => ({
  seq,
  job: job(id, room),
  state: "queued",
  progress: fresh,
  nextAt,
  expiresAt: 99_000,
  updatedAt: 0,
});

describe("SqlOutbox over node:sqlite", () => {
  it("creates its directory and file", () => {
    const path = join(temp.dir, "nested", "deeper", "outbox.sqlite");
    outboxAt(path);
    expect(existsSync(path)).toBe(true);
  });

  it("hands out the first unfinished job of each room only, oldest first, when due", () => {
    const o = outboxAt(join(temp.dir, "due.sqlite"));
    o.add(queued(1, "a1", "#a"));
    o.add(queued(2, "b1", "#b", 5000));
    o.add(queued(3, "a2", "#a"));
    o.add(queued(4, "c1", "#c"));
    expect(o.due(100, 10).map((e) => e.job.id)).toEqual(["a1", "c1"]);
    o.claim(["a1"], 100);
    // #a's head is in flight: its next job waits.
    expect(o.due(100, 10).map((e) => e.job.id)).toEqual(["c1"]);
    o.remove("a1");
    expect(o.due(6000, 10).map((e) => e.job.id)).toEqual(["b1", "a2", "c1"]);
    expect(o.due(6000, 1).map((e) => e.job.id)).toEqual(["b1"]);
  });

  it("deletes the dead letters that died before a time, and nothing else", () => {
    const o = outboxAt(join(temp.dir, "expire.sqlite"));
    o.add(queued(1, "a1", "#a"));
    o.add(queued(2, "a2", "#a"));
    o.add(queued(3, "b1", "#b"));
    o.bury("a1", fresh, "channel_not_found", "gone", 100);
    o.bury("b1", fresh, "channel_not_found", "gone", 300);
    expect(o.expireDead(200)).toBe(1);
    expect(o.get("a1")).toBeUndefined();
    expect(o.list("dead", 10).map((e) => e.job.id)).toEqual(["b1"]);
    expect(o.list("unfinished", 10).map((e) => e.job.id)).toEqual(["a2"]);
    expect(o.stats().dead).toBe(1);
    expect(o.expireDead(200)).toBe(0);
  });

  it("keeps progress, dead letters with their reason, and revives them", () => {
    const o = outboxAt(join(temp.dir, "progress.sqlite"));
    o.add(queued(1, "a1", "#a"));
    o.add(queued(2, "a2", "#a"));
    o.requeue("a1", { sent: 1, uncertain: true, attempts: 2 }, 700, "timeout", 10);
    expect(o.get("a1")).toMatchObject({
      state: "queued",
      progress: { sent: 1, uncertain: true, attempts: 2 },
      nextAt: 700,
      lastError: "timeout",
    });
    o.bury("a1", { sent: 1, uncertain: false, attempts: 3 }, "channel_is_archived", "sending: archived", 20);
    // A dead letter no longer blocks its room.
    expect(o.due(1000, 10).map((e) => e.job.id)).toEqual(["a2"]);
    expect(o.list("dead", 10)).toMatchObject([
      { job: { id: "a1" }, error: "channel_is_archived", lastError: "sending: archived" },
    ]);
    expect(o.stats()).toEqual({ waiting: new Map([["#a", 1]]), dead: 1, lastSeq: 2 });
    expect(o.revive("a2", 30, 9999)).toBeUndefined();
    expect(o.revive("a1", 30, 9999)).toMatchObject({
      state: "queued",
      nextAt: 30,
      expiresAt: 9999,
      progress: { sent: 1 },
    });
    expect(o.revive("a1", 30, 9999)).toBeUndefined();
    expect(o.list("unfinished", 10).map((e) => e.job.id)).toEqual(["a1", "a2"]);
  });

  it("after a crash, in-flight jobs and each room's first two come back uncertain with the cut attempt counted", () => {
    const path = join(temp.dir, "recover.sqlite");
    const before = openSqliteOutbox(path);
    before.add({ ...queued(1, "a1", "#a"), state: "inflight" });
    before.add(queued(2, "b1", "#b"));
    before.add(queued(3, "b2", "#b"));
    before.add(queued(4, "b3", "#b"));
    before.close();
    const after = outboxAt(path);
    expect(after.recover(50)).toBe(3);
    expect(after.get("a1")).toMatchObject({
      state: "queued",
      nextAt: 50,
      progress: { sent: 0, uncertain: true, attempts: 1 },
    });
    // Sent without a write (no claim): one of a room's first two may be at Rocket.Chat already.
    expect(after.get("b1")).toMatchObject({ state: "queued", progress: { sent: 0, uncertain: true, attempts: 1 } });
    expect(after.get("b2")).toMatchObject({ state: "queued", progress: { sent: 0, uncertain: true, attempts: 1 } });
    expect(after.get("b3")).toMatchObject({ state: "queued", progress: fresh });
    expect(after.unfinished().map((e) => e.job.id)).toEqual(["a1", "b1", "b2", "b3"]);
  });

  it("one process owns an outbox: a second opener is refused", () => {
    const path = join(temp.dir, "owned.sqlite");
    outboxAt(path);
    expect(() => openSqliteOutbox(path)).toThrow(/in use by another slackline process/);
  });

  it("a write that returned survives SIGKILL; the file reopens with integrity_check ok", async () => {
    const path = join(temp.dir, "killed.sqlite");
    const module = new URL("../../src/node/outbox-sqlite.ts", import.meta.url).pathname;
    const script = `
      import { openSqliteOutbox } from ${JSON.stringify(module)};
      const o = openSqliteOutbox(${JSON.stringify(path)});
      for (let seq = 1; ; seq++) {
        const id = "job" + seq;
        o.add({ seq, job: { id, source: "h", room: "#r" + (seq % 3), messages: [{ _id: id, msg: "x".repeat(2000) }], acceptedAt: 0 },
          state: "queued", progress: { sent: 0, uncertain: false, attempts: 0 }, nextAt: 0, expiresAt: 1e13, updatedAt: 0 });
        if (seq % 2 === 0) o.claim([id], 1);
        process.stdout.write(seq + "\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let acknowledged = 0;
    let buffer = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        if (lines.length) acknowledged = Number(lines.at(-1));
        if (acknowledged >= 300 && child.exitCode === null && !child.killed) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once("exit", resolve));
    const db = new DatabaseSync(path);
    expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    db.close();
    const o = outboxAt(path);
    const stored = o.stats();
    expect(stored.lastSeq).toBeGreaterThanOrEqual(acknowledged);
    expect(o.get(`job${acknowledged}`)).toBeDefined();
    expect(o.recover(0)).toBeGreaterThanOrEqual(Math.floor(acknowledged / 2));
  });
});
