/**
 * Node only: the HTTP control API that lets code in workerd drive fakes and bots living in Node
 * (started by the workerd suite's globalSetup). Its own port, so it still answers while a fake
 * is down. JSON in, JSON out:
 *
 *   POST /fakes                      → { id, url, userId, authToken, botUsername }
 *   POST /fakes/{id}/reset | rooms | users | settings | faults | down
 *   GET  /fakes/{id}/messages[?room=] | calls | uploads | info
 *   POST /bots { kind }              → { id, url }
 *   POST /bots/{id}/answer | reset;  GET /bots/{id}/requests
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { closeServer } from "../outgoing/harness.ts";
import { startScriptedBot, type ScriptedBot } from "./bots.ts";
import { botControl, fakeControl } from "./local.ts";
import type { BotControl, BotKind, FakeControl } from "./runtime.ts";

export interface ControlServer {
  readonly url: string;
  /** Fakes and bots can be made here too (globalSetup's own fake). */
  startFake(): Promise<{ id: string; control: FakeControl }>;
  close(): Promise<void>;
}

type Handler = (body: Record<string, unknown>, query: URLSearchParams) => Promise<unknown>;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export async function startControlServer(): Promise<ControlServer> {
  const fakes = new Map<string, { fake: FakeRocketChat; control: FakeControl }>();
  const bots = new Map<string, { bot: ScriptedBot; control: BotControl }>();
  let next = 0;

  const startFake = async () => {
    const fake = await startFakeRocketChat();
    const id = `f${++next}`;
    const control = fakeControl(fake);
    fakes.set(id, { fake, control });
    return { id, control };
  };

  const fakeRoutes: Record<string, (f: FakeControl) => Handler> = {
    "POST reset": (f) => () => f.reset(),
    "POST rooms": (f) => async (b) => ({ id: await f.addRoom(b["room"] as Parameters<FakeControl["addRoom"]>[0]) }),
    "POST users": (f) => async (b) => ({ id: await f.addUser(String(b["username"]), b["id"] as string | undefined) }),
    "POST settings": (f) => (b) => f.settings(b),
    "POST faults": (f) => (b) => f.faults(b),
    "POST down": (f) => (b) => f.setDown(b["down"] === true),
    "GET messages": (f) => (_b, q) => f.messages(q.get("room") ?? undefined),
    "GET calls": (f) => () => f.calls(),
    "GET uploads": (f) => () => f.uploads(),
    "GET info": (f) => async () => ({
      url: f.url,
      userId: f.userId,
      authToken: f.authToken,
      botUsername: f.botUsername,
    }),
  };
  const botRoutes: Record<string, (b: BotControl) => Handler> = {
    "POST answer": (bot) => (b) => bot.answer(b),
    "POST reset": (bot) => () => bot.reset(),
    "GET requests": (bot) => () => bot.requests(),
  };

  const route = async (
    method: string,
    path: string[],
    body: Record<string, unknown>,
    query: URLSearchParams,
  ): Promise<unknown> => {
    const [kind, id, action] = path;
    if (kind === "fakes" && id === undefined && method === "POST") {
      const { id: fakeId, control } = await startFake();
      return {
        id: fakeId,
        url: control.url,
        userId: control.userId,
        authToken: control.authToken,
        botUsername: control.botUsername,
      };
    }
    if (kind === "bots" && id === undefined && method === "POST") {
      const bot = await startScriptedBot(body["kind"] as BotKind);
      const botId = `b${++next}`;
      bots.set(botId, { bot, control: botControl(bot) });
      return { id: botId, url: bot.url };
    }
    const handler =
      kind === "fakes"
        ? fakeRoutes[`${method} ${action}`]?.(fakes.get(id ?? "")?.control ?? missing())
        : kind === "bots"
          ? botRoutes[`${method} ${action}`]?.(bots.get(id ?? "")?.control ?? missing())
          : undefined;
    if (!handler) throw new Error(`no route ${method} /${path.join("/")}`);
    return (await handler(body, query)) ?? {};
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    try {
      const result = await route(
        req.method ?? "GET",
        url.pathname.split("/").filter(Boolean),
        await readJson(req),
        url.searchParams,
      );
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(result));
    } catch (e) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(e instanceof Error ? e.message : String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    startFake,
    close: async () => {
      await closeServer(server);
      await Promise.all([
        ...[...bots.values()].map((b) => b.bot.close()),
        ...[...fakes.values()].map((f) => f.fake.close()),
      ]);
    },
  };
}

function missing(): never {
  throw new Error("no such fake or bot");
}
