/**
 * The Workers outbox with real processes: `wrangler dev` (workerd, its Durable Objects
 * persisted to a folder) in front of the fake Rocket.Chat, which goes down, answers 429s and
 * resets connections after storing; then wrangler and workerd are killed (SIGKILL) with
 * messages still waiting, and started again on the same folder. No request reaches the Worker
 * after the restart: only the room's alarm can resume it. Every message answered `ok` must reach
 * Rocket.Chat once, in the order it was answered.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { startWranglerDev } from "../support/wrangler.ts";

const TOKEN = "dev-faults-hook-token-0123";
let fake: FakeRocketChat;
let dir: string;
let dev: ChildProcess | undefined;
let base: string;

async function startDev(): Promise<void> {
  const started = await startWranglerDev({ persistTo: join(dir, "state"), envFile: join(dir, "env"), detached: true });
  dev = started.process;
  base = started.base;
}

async function killDev(signal: NodeJS.Signals): Promise<void> {
  if (!dev || dev.exitCode !== null || dev.signalCode !== null) return;
  const exited = new Promise((resolve) => dev!.once("exit", resolve));
  try {
    process.kill(-dev.pid!, signal);
  } catch {
    return;
  }
  await exited;
}

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "alerts" });
  dir = await mkdtemp(join(tmpdir(), "slackline-dev-faults-"));
  const config = {
    rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs: 2000 },
    incoming: [{ name: "faults", token: TOKEN, channel: "#alerts", rateLimit: { perSecond: 1000, burst: 1000 } }],
    delivery: { fastPathMs: 300, retryBaseMs: 100, retryMaxMs: 500, pollMs: 50 },
  };
  await writeFile(join(dir, "env"), `SLACKLINE_CONFIG='${JSON.stringify(config)}'\nLOG_LEVEL=error\n`);
  await startDev();
}, 40_000);

afterAll(async () => {
  await killDev("SIGKILL");
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("delivers every ok'd message once and in order through faults and a killed runtime", async () => {
  const post = async (text: string) => {
    const res = await fetch(`${base}/services/T0000/B0000/${TOKEN}`, {
      method: "POST",
      body: JSON.stringify({ text }),
    });
    return `${res.status} ${await res.text()}`;
  };
  const sent: string[] = [];
  for (let i = 0; i < 100; i++) {
    if (i === 15) await fake.setDown(true);
    if (i === 40) {
      await fake.setDown(false);
      fake.faults.rateLimitNext = 4;
      fake.faults.rateLimitSeconds = 1;
    }
    if (i === 60) fake.faults.resetAfterStore = 4;
    if (i === 80) await fake.setDown(true);
    const text = `d${String(i).padStart(3, "0")}`;
    expect(await post(text)).toBe("200 ok");
    sent.push(text);
  }
  // Messages are waiting (Rocket.Chat is down): kill the runtime, then start it again.
  expect(fake.messages.length).toBeLessThan(sent.length);
  await killDev("SIGKILL");
  await fake.setDown(false);
  await startDev();
  await vi.waitFor(() => expect(fake.messages.length).toBeGreaterThanOrEqual(sent.length), {
    timeout: 60_000,
    interval: 250,
  });
  expect(fake.messages.map((m) => m.msg)).toEqual(sent);
  // The resets after storing were checked with chat.getMessage, not sent again blindly.
  expect(fake.calls["chat.getMessage"]).toBeGreaterThan(0);
}, 120_000);
