/**
 * The real CLI (`node bin/slackline.js`) on an outbox file: killed with SIGKILL mid-run and
 * started again, stopped with SIGTERM with work in flight — nothing lost, nothing twice.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { killAll, startCli, type Cli } from "../support/cli.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import {
  ADMIN_TOKEN,
  expectExactlyOnce,
  FAST,
  hookPath,
  hooksConfig,
  ROOMS,
  sendWorkload,
  tempDir,
  until,
  type Sent,
} from "./harness.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

let fake: FakeRocketChat | undefined;
const clis: Cli[] = [];
const temp = tempDir();
afterAll(() => temp.remove());
afterEach(async () => {
  await killAll(clis);
  await fake?.close();
  fake = undefined;
});

async function setup(
  name: string,
  delivery: Record<string, unknown>,
  timeoutMs = 1000,
): Promise<{ configPath: string; outboxPath: string }> {
  fake = await startFakeRocketChat();
  for (const room of ROOMS) fake.addRoom({ name: room });
  const outboxPath = join(temp.dir, `${name}.sqlite`);
  const configPath = join(temp.dir, `${name}.json`);
  const config = {
    rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs },
    incoming: hooksConfig(),
    delivery: { ...FAST, outboxPath, ...delivery },
    admin: { token: ADMIN_TOKEN },
  };
  writeFileSync(configPath, JSON.stringify(config));
  return { configPath, outboxPath };
}

const start = async (configPath: string): Promise<Cli> => {
  const cli = await startCli(configPath);
  clis.push(cli);
  return cli;
};

async function pendingIn(cli: Cli): Promise<number> {
  const res = await fetch(`${cli.url}/deliveries`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await res.json()) as { counts: { pending: number } }).counts.pending;
}

function integrity(path: string): unknown {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("PRAGMA integrity_check").get();
  } finally {
    db.close();
  }
}

function rows(path: string): Array<{ id: string; state: string; job: string }> {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("SELECT id, state, job FROM outbox ORDER BY seq").all() as Array<{
      id: string;
      state: string;
      job: string;
    }>;
  } finally {
    db.close();
  }
}

describe("the slackline process", () => {
  it("killed with SIGKILL mid-run and started again on the same outbox: every ok delivered once, in order", {
    timeout: 45_000,
  }, async () => {
    // A client timeout longer than any hold below: a held post stays in flight until the kill.
    const { configPath, outboxPath } = await setup("kill", {}, 10_000);
    // Rocket.Chat stores, then answers late: the kill catches attempts whose message is stored.
    fake!.faults.storeThenDelay = true;
    fake!.faults.delayMs = 40;
    let cli = await start(configPath);
    let ready: Promise<void> = Promise.resolve();
    let restarting: Promise<void> | undefined;
    let answered = 0;
    const post = async (hook: string, body: string) => {
      await ready;
      return fetch(cli.url + hookPath(hook), { method: "POST", headers: { "content-type": "application/json" }, body });
    };
    const restart = async () => {
      // Rocket.Chat now stores and then holds its answers; traffic goes on. The kill lands on
      // attempts whose message is stored, handed off (older than fastPathMs) and unconfirmed.
      fake!.faults.delayMs = 5000;
      await until(
        () => fake!.requests.some((r) => r.endpoint === "chat.sendMessage" && r.status === null),
        "a held post",
      );
      await sleep(200);
      let up = () => {};
      ready = new Promise<void>((resolve) => (up = resolve));
      try {
        cli.child.kill("SIGKILL");
        await cli.exited;
        fake!.faults.delayMs = 40;
        // The file a crash leaves behind is whole.
        expect(integrity(outboxPath)).toEqual({ integrity_check: "ok" });
        cli = await start(configPath);
      } finally {
        up();
      }
    };
    const sent: Sent[] = await sendWorkload(post, 25, {
      onAnswer: () => {
        if (++answered === 120) restarting = restart();
      },
    });
    await restarting;
    expect(sent.filter((s) => s.status === 200).length).toBeGreaterThan(250);
    fake!.faults.delayMs = 0;
    await until(async () => (await pendingIn(cli)) === 0, "the outbox to drain", 20_000);
    expectExactlyOnce(fake!, sent);
    // The restart found jobs cut short, and checked them with Rocket.Chat before sending.
    expect(cli.log.join("\n")).toMatch(/cut short by a crash/);
    expect(fake!.calls["chat.getMessage"]).toBeGreaterThan(0);
    expect(fake!.calls["chat.sendMessage"]).toBe(fake!.messages.length);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(integrity(outboxPath)).toEqual({ integrity_check: "ok" });
    expect(rows(outboxPath)).toEqual([]);
  });

  it("SIGTERM finishes deliveries in flight, leaves the rest, resumes on start", {
    timeout: 45_000,
  }, async () => {
    const { configPath, outboxPath } = await setup("term", { fastPathMs: 50, concurrency: 2, shutdownGraceMs: 3000 });
    fake!.faults.delayMs = 300;
    const cli = await start(configPath);

    // A second process on the same outbox refuses to start instead of sending the same jobs.
    const second = spawn(process.execPath, ["bin/slackline.js", "--config", configPath, "--port", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    second.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((resolve) => second.once("exit", resolve))).toBe(1);
    expect(stderr).toMatch(/in use by another slackline process/);

    const post = (hook: string, body: string) =>
      fetch(cli.url + hookPath(hook), { method: "POST", headers: { "content-type": "application/json" }, body });
    const sent = await sendWorkload(post, 5, { hooks: ["h1"] });
    expect(sent.every((s) => s.status === 200)).toBe(true);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    // Logged just before exiting: only the flush on exit writes it (log lines go out once per turn).
    expect(cli.log.at(-1)).toMatch(/ INFO closed outboxJobs=\d+$/);

    // In flight when told to stop: finished and settled. The rest waits, nothing in between.
    const delivered = fake!.messages.map((m) => m.msg);
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    const left = rows(outboxPath);
    expect(left.every((r) => r.state === "queued")).toBe(true);
    const leftTexts = left.map((r) => (JSON.parse(r.job) as { messages: Array<{ msg: string }> }).messages[0]!.msg);
    expect([...delivered, ...leftTexts].sort()).toEqual(sent.map((s) => s.text).sort());

    fake!.faults.delayMs = 0;
    const again = await start(configPath);
    expect(again.log.join("\n")).toMatch(/outbox: resuming/);
    expect(again.log.join("\n")).not.toMatch(/cut short/);
    await until(async () => (await pendingIn(again)) === 0, "the resumed jobs");
    expectExactlyOnce(fake!, sent);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });

  it("SIGTERM does not wait past the grace period for a delivery that never ends", { timeout: 30_000 }, async () => {
    // Rocket.Chat takes a minute to answer, and slackline would wait for it that long: only
    // the grace period lets the process exit before the test's timeout.
    const { configPath, outboxPath } = await setup("grace", { fastPathMs: 50, shutdownGraceMs: 500 }, 60_000);
    fake!.faults.delayMs = 60_000;
    const cli = await start(configPath);
    const post = (hook: string, body: string) =>
      fetch(cli.url + hookPath(hook), { method: "POST", headers: { "content-type": "application/json" }, body });
    const sent = await sendWorkload(post, 1, { hooks: ["h1"] });
    // Answered after fastPathMs, once each job was stored with its attempt still running.
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    // Still in flight when the grace ran out: kept as such, to be checked with Rocket.Chat on start.
    expect(rows(outboxPath).map((r) => r.state)).toEqual(sent.map(() => "inflight"));
  });

  it("exits 1 with the reason when its port is taken", async () => {
    const { configPath } = await setup("port", {});
    const cli = await start(configPath);
    // Another outbox, so that only the port is in the way.
    const other = join(temp.dir, "port-2.json");
    const config = JSON.parse(readFileSync(configPath, "utf8")) as { delivery: Record<string, unknown> };
    writeFileSync(
      other,
      JSON.stringify({ ...config, delivery: { ...config.delivery, outboxPath: join(temp.dir, "port-2.sqlite") } }),
    );
    const second = spawn(process.execPath, ["bin/slackline.js", "--config", other, "--port", new URL(cli.url).port], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    second.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((resolve) => second.once("exit", resolve))).toBe(1);
    expect(stderr).toMatch(/^cannot listen on http:\/\/127\.0\.0\.1:\d+: .*EADDRINUSE/m);
  });
});
