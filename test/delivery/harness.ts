/**
 * Durable-delivery test support: a gateway on an outbox in a temp dir (fast timings), a workload
 * of numbered messages over several hooks and rooms, and the exactly-once/in-order check.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { DurableDelivery } from "../../src/delivery/durable.ts";
import type { DeliverySettings } from "../../src/delivery/service.ts";
import type { Outbox } from "../../src/delivery/outbox.ts";
import { openSqliteOutbox, type SqliteOutboxOptions } from "../../src/node/outbox-sqlite.ts";
import { silentLogger, type Logger } from "../../src/observability/log.ts";
import { probeOf, type ServiceOptions } from "../../src/services.ts";
import type { FakeRocketChat, FakeRocketChatOptions } from "../support/fake-rocketchat.ts";
import { gatewayConfig, startGateway, type Gateway } from "../support/gateway.ts";

export const ADMIN_TOKEN = "admin-token-0123456789abcdef";
export const HOOKS = ["h1", "h2", "h3"] as const;
export const ROOMS = ["alerts", "ops", "deploys", "logs"] as const;
export const tokenOf = (hook: string): string => `${hook}-token-0123456789abcdef`;

/** Fast timings for tests; production defaults are in the config schema. */
export const FAST = {
  fastPathMs: 100,
  pollMs: 20,
  retryBaseMs: 50,
  retryMaxMs: 400,
  concurrency: 4,
  shutdownGraceMs: 2000,
};

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "slackline-outbox-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Hooks h1–h3, each allowed to post to any room; rate limits out of the way. */
export function hooksConfig(): Array<Record<string, unknown>> {
  return HOOKS.map((name) => ({
    name,
    token: tokenOf(name),
    channel: "#alerts",
    allowChannelOverride: true,
    rateLimit: { perSecond: 10_000, burst: 10_000 },
  }));
}

export interface DurableGateway extends Gateway {
  readonly durable: DurableDelivery;
  readonly config: Config;
  readonly outboxPath: string;
  /** Stops delivery (closing the outbox), the app and the fake; removes the temp dir. */
  stop(): Promise<void>;
}

export interface DurableOptions {
  readonly delivery?: Partial<DeliverySettings>;
  /** Client timeout for Rocket.Chat requests (ms). */
  readonly timeoutMs?: number;
  readonly outbox?: (outbox: Outbox) => Outbox;
  readonly services?: Partial<ServiceOptions>;
  readonly fake?: FakeRocketChatOptions;
  readonly now?: () => number;
  /** Leave the worker stopped (the test starts it). */
  readonly paused?: boolean;
  /** Default: silent. */
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly sqlite?: SqliteOutboxOptions;
  /** An outbox file to reuse (a restart); the caller removes it. Default: a new temp dir. */
  readonly outboxPath?: string;
}

export async function startDurable(opts: DurableOptions = {}): Promise<DurableGateway> {
  const temp = opts.outboxPath === undefined ? tempDir() : { dir: "", remove: () => {} };
  const outboxPath = opts.outboxPath ?? join(temp.dir, "outbox.sqlite");
  let config!: Config;
  let durable!: DurableDelivery;
  const gw = await startGateway({
    ...(opts.fake ? { fake: opts.fake } : {}),
    config: (fake) =>
      (config = gatewayConfig(fake, {
        rocketchat: {
          url: fake.url,
          userId: fake.userId,
          authToken: fake.authToken,
          timeoutMs: opts.timeoutMs ?? 1000,
        },
        incoming: hooksConfig(),
        delivery: { ...FAST, outboxPath, ...opts.delivery },
        admin: { token: ADMIN_TOKEN },
      })),
    services: {
      ...opts.services,
      ...(opts.now ? { now: opts.now } : {}),
      delivery: (deliverer, metrics, rocketchat) => {
        const sqlite = openSqliteOutbox(outboxPath, opts.sqlite);
        durable = new DurableDelivery({
          outbox: opts.outbox ? opts.outbox(sqlite) : sqlite,
          deliverer,
          metrics,
          probe: probeOf(rocketchat),
          logger: opts.logger ?? silentLogger,
          settings: config.delivery,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.random ? { random: opts.random } : {}),
        });
        return durable;
      },
    },
  });
  if (!opts.paused) durable.start();
  return {
    ...gw,
    durable,
    config,
    outboxPath,
    stop: async () => {
      await durable.stop(2000);
      await gw.close();
      temp.remove();
    },
  };
}

export const hookPath = (hook: string): string => `/services/T0000/B0000/${tokenOf(hook)}`;

export interface Sent {
  readonly text: string;
  readonly hook: string;
  readonly room: string;
  readonly seq: number;
  /** The HTTP status, or "lost" when no answer came (connection reset by a crash). */
  readonly status: number | "lost";
}

export type Post = (hook: string, body: string) => Promise<Response>;

export const textOf = (hook: string, room: string, seq: number): string =>
  `${hook}-${room}-${String(seq).padStart(4, "0")}`;

/**
 * Every hook × room is a stream of `perStream` numbered messages, each sent after the previous
 * one's answer (so acceptance order is the numbering); the streams run concurrently.
 */
export async function sendWorkload(
  post: Post,
  perStream: number,
  opts: {
    hooks?: readonly string[];
    rooms?: readonly string[];
    from?: number;
    onAnswer?: (sent: Sent) => void | Promise<void>;
  } = {},
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const streams = (opts.hooks ?? HOOKS).flatMap((hook) => (opts.rooms ?? ROOMS).map((room) => ({ hook, room })));
  const from = opts.from ?? 0;
  await Promise.all(
    streams.map(async ({ hook, room }) => {
      for (let seq = from; seq < from + perStream; seq++) {
        const text = textOf(hook, room, seq);
        let status: number | "lost";
        try {
          const res = await post(hook, JSON.stringify({ text, channel: `#${room}` }));
          await res.text();
          status = res.status;
        } catch {
          status = "lost";
        }
        const one = { text, hook, room, seq, status };
        sent.push(one);
        await opts.onAnswer?.(one);
      }
    }),
  );
  return sent;
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Every `ok` exactly once, in its room, in order per stream; nothing refused; nothing twice. */
export function expectExactlyOnce(fake: FakeRocketChat, sent: readonly Sent[]): void {
  const counts = new Map<string, number>();
  for (const m of fake.messages) counts.set(m.msg, (counts.get(m.msg) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
  expect(twice, "posted more than once").toEqual([]);
  const missing = sent.filter((s) => s.status === 200 && !counts.has(s.text)).map((s) => s.text);
  expect(missing, "accepted but not delivered").toEqual([]);
  const refused = sent
    .filter((s) => typeof s.status === "number" && s.status !== 200 && counts.has(s.text))
    .map((s) => s.text);
  expect(refused, "refused but delivered").toEqual([]);
  const known = new Set(sent.map((s) => s.text));
  expect(
    fake.messages.filter((m) => !known.has(m.msg)).map((m) => m.msg),
    "never sent",
  ).toEqual([]);
  for (const room of new Set(sent.map((s) => s.room))) {
    const inRoom = fake.messagesIn(room).map((m) => m.msg);
    for (const hook of new Set(sent.map((s) => s.hook))) {
      const prefix = `${hook}-${room}-`;
      const seqs = inRoom.filter((t) => t.startsWith(prefix)).map((t) => Number(t.slice(prefix.length)));
      expect(seqs, `order of ${prefix}*`).toEqual([...seqs].sort((a, b) => a - b));
    }
  }
}

/** Waits until the outbox is empty and every accepted message arrived. */
export async function drained(
  durable: DurableDelivery,
  fake: FakeRocketChat,
  sent: readonly Sent[],
  timeoutMs = 15_000,
): Promise<void> {
  const ok = sent.filter((s) => s.status === 200).map((s) => s.text);
  await until(
    async () => {
      const view = await durable.view();
      const have = new Set(fake.messages.map((m) => m.msg));
      return view.counts.pending === 0 && ok.every((t) => have.has(t));
    },
    "the outbox to drain",
    timeoutMs,
  );
}
