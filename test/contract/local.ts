/**
 * Node only: the contract runtime in process. The fake Rocket.Chat and the bots are in this
 * process; `FakeControl` wraps the fake's own API. The gateway answers `app.request()`, or, as
 * `node-server`, is the Node server slackline runs (incoming fast path, undici) on a socket.
 */
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeServer } from "../../src/node/server.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
import { upstream as undiciUpstream } from "../../src/node/upstream.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices } from "../../src/services.ts";
import { startFakeRocketChat, type FakeRocketChat, type FakeRocketChatOptions } from "../support/fake-rocketchat.ts";
import { startScriptedBot, type ScriptedBot } from "./bots.ts";
import { gatewayClient, type BotControl, type BotKind, type ContractRuntime, type FakeControl } from "./runtime.ts";

/** The async control surface over an in-process fake (shared with the HTTP control server). */
export function fakeControl(fake: FakeRocketChat): FakeControl {
  return {
    get url() {
      return fake.url;
    },
    userId: fake.userId,
    authToken: fake.authToken,
    botUsername: fake.botUsername,
    reset: async () => fake.reset(),
    addRoom: async (room) => fake.room(room.name)?._id ?? fake.addRoom(room),
    addUser: async (username, id) => {
      try {
        return fake.addUser(username, id);
      } catch {
        return ""; // already there
      }
    },
    settings: async (patch) => void Object.assign(fake.settings, patch),
    faults: async (patch) => void Object.assign(fake.faults, patch),
    setDown: (down) => fake.setDown(down),
    messages: async (room) => structuredClone(room === undefined ? fake.messages : fake.messagesIn(room)),
    calls: async () => ({ ...fake.calls }),
    uploads: async () =>
      [...fake.uploads.values()].map(({ bytes, ...upload }) => ({ ...upload, base64: bytes.toString("base64") })),
  };
}

export function botControl(bot: ScriptedBot): BotControl {
  return {
    url: bot.url,
    answer: async (answer) => void (bot.answer = answer),
    requests: async () => structuredClone(bot.requests),
    reset: async () => void (bot.requests.length = 0),
  };
}

/** Everything started here, closed by `close`. */
export interface LocalRuntime extends ContractRuntime {
  close(): Promise<void>;
}

export function localRuntime(
  fakeOptions: FakeRocketChatOptions = {},
  kind: "node" | "node-server" = "node",
): LocalRuntime {
  const fakes: FakeRocketChat[] = [];
  const bots: ScriptedBot[] = [];
  const servers: Server[] = [];
  return {
    name: kind,
    startFake: async () => {
      const fake = await startFakeRocketChat(fakeOptions);
      fakes.push(fake);
      return fakeControl(fake);
    },
    startBot: async (kind: BotKind) => {
      const bot = await startScriptedBot(kind);
      bots.push(bot);
      return botControl(bot);
    },
    gateway: async (raw) => {
      const loaded = loadConfig(JSON.stringify(raw), {});
      if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
      if (kind === "node") {
        const app = createApp(buildServices(loaded.config, { upstream, logger: silentLogger }));
        return gatewayClient(async (request) => app.request(request));
      }
      const { server } = createNodeServer(
        buildServices(loaded.config, { upstream: undiciUpstream, logger: silentLogger }),
      );
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return gatewayClient(async (request) => {
        const { pathname, search } = new URL(request.url);
        const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
        return fetch(origin + pathname + search, {
          method: request.method,
          headers: request.headers,
          body,
          redirect: "manual",
        });
      });
    },
    close: async () => {
      await Promise.all([
        ...bots.splice(0).map((b) => b.close()),
        ...fakes.splice(0).map((f) => f.close()),
        ...servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))),
      ]);
    },
  };
}
