/**
 * Node only: the contract runtime in process. The app answers `app.request()`, the fake
 * Rocket.Chat and the bots are in this process; `FakeControl` wraps the fake's own API.
 */
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
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

export function localRuntime(fakeOptions: FakeRocketChatOptions = {}): LocalRuntime {
  const fakes: FakeRocketChat[] = [];
  const bots: ScriptedBot[] = [];
  return {
    name: "node",
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
      const app = createApp(buildServices(loaded.config, { upstream, logger: silentLogger }));
      return gatewayClient(async (request) => app.request(request));
    },
    close: async () => {
      await Promise.all([...bots.splice(0).map((b) => b.close()), ...fakes.splice(0).map((f) => f.close())]);
    },
  };
}
