/**
 * A slackline app wired to a fake Rocket.Chat, for HTTP-level tests: `app.request()` for speed,
 * or `listen()` for real clients on a real socket (the Node server, incoming fast path included).
 */
import type { AddressInfo } from "node:net";
import type { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { createNodeServer } from "../../src/node/server.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices, type ServiceOptions, type Services } from "../../src/services.ts";
import { gatewayConfigJson, GATEWAY_ROOMS } from "../contract/config.ts";
import { startFakeRocketChat, type FakeRocketChat, type FakeRocketChatOptions } from "./fake-rocketchat.ts";

// The config and its tokens are shared with the contract suite (Node and workerd).
export { HOOK_TOKEN, LOCKED_TOKEN, MM_TOKEN } from "../contract/config.ts";

export interface Gateway {
  readonly fake: FakeRocketChat;
  readonly services: Services;
  readonly app: ReturnType<typeof createApp>;
  /** POST to a path of the app (no socket). */
  post(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
  /** Serve the app on 127.0.0.1 and return its base URL (closed by `close`). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A config pointing at the fake: an open hook, a locked one, and a Mattermost-style one. */
export function gatewayConfig(fake: FakeRocketChat, extra: Record<string, unknown> = {}): Config {
  const loaded = loadConfig(JSON.stringify(gatewayConfigJson(fake, extra)), {});
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return loaded.config;
}

export async function startGateway(
  opts: {
    fake?: FakeRocketChatOptions;
    config?: (fake: FakeRocketChat) => Config;
    services?: Partial<ServiceOptions>;
  } = {},
): Promise<Gateway> {
  const fake = await startFakeRocketChat(opts.fake);
  for (const name of GATEWAY_ROOMS) fake.addRoom({ name });
  fake.addRoom({ name: "archived-room", archived: true });
  fake.addUser("alice");
  const config = opts.config ? opts.config(fake) : gatewayConfig(fake);
  const services = buildServices(config, { upstream, logger: silentLogger, ...opts.services });
  // The Node server slackline runs (src/node/main.ts): `listen` serves it, `post` asks its app.
  const { app, server } = createNodeServer(services);
  let listening = false;
  return {
    fake,
    services,
    app,
    post: (path, body, headers = { "content-type": "application/json" }) =>
      Promise.resolve(app.request(path, { method: "POST", body: body as BodyInit, headers })),
    listen: () =>
      new Promise((resolve) => {
        listening = true;
        server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      }),
    close: async () => {
      await new Promise<void>((resolve) => (listening ? server.close(() => resolve()) : resolve()));
      await fake.close();
    },
  };
}
