/**
 * Shared pieces of the outgoing-relay suites: slackline built as the app is built in production
 * (real services, the fetch upstream, the fake Rocket.Chat), bots as plain node:http servers,
 * and Rocket.Chat-shaped events for messages seeded into the fake.
 */
import type { Hono } from "hono";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { configSchema, type Config } from "../../src/config/schema.ts";
import { createNodeServer } from "../../src/node/server.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices, type ServiceOptions, type Services } from "../../src/services.ts";
import { gatewayClient, type BotAnswer, type BotRequest, type GatewayClient } from "../contract/runtime.ts";
import type { FakeRocketChat, StoredMessage } from "../support/fake-rocketchat.ts";

export { RC_TOKEN } from "../contract/config.ts";

/** A config whose `rocketchat` is the fake (unless `rocketchat: undefined` is passed). */
export function configFor(fake: FakeRocketChat | undefined, input: Record<string, unknown>): Config {
  const rocketchat = fake ? { url: fake.url, userId: fake.userId, authToken: fake.authToken } : undefined;
  return configSchema.parse({ ...(rocketchat ? { rocketchat } : {}), ...input });
}

export interface Slackline {
  readonly app: Hono;
  readonly services: Services;
  /** The app as the contract suite's client (no socket). */
  readonly gateway: GatewayClient;
  /** Serves slackline on 127.0.0.1 as the Node entry does, for bots that call back (Bolt's say() and respond()). */
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

export function slackline(config: Config, opts: Partial<ServiceOptions> = {}): Slackline {
  const services = buildServices(config, { upstream, logger: silentLogger, ...opts });
  const { app, server } = createNodeServer(services);
  return {
    app,
    services,
    gateway: gatewayClient(async (request) => app.request(request)),
    listen: async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface Bot {
  readonly url: string;
  readonly requests: BotRequest[];
  close(): Promise<void>;
}

/** A bot on 127.0.0.1; `"hang"` never answers (until the bot is closed). */
export async function startBot(
  handle: (req: BotRequest) => BotAnswer | "hang" | Promise<BotAnswer | "hang">,
): Promise<Bot> {
  const requests: BotRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const request = { url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(request);
      const answer = await handle(request);
      if (answer === "hang") return;
      res.writeHead(answer.status ?? 200, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, requests, close: () => closeServer(server) };
}

/** Messages, events and bots as the contract suite has them. */
export { eventFor, seed } from "../contract/config.ts";
export { form, json, sendEvent, type BotAnswer, type BotRequest } from "../contract/runtime.ts";

/** Polls until `probe` returns something (bots answer through the Web API after their ack). */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What slackline posted: every message in the fake but the seeded ones. */
export const postedBy = (fake: FakeRocketChat, seeded: ReadonlyArray<{ _id: string }>): StoredMessage[] =>
  fake.messages.filter((m) => !seeded.some((s) => s._id === m._id));
