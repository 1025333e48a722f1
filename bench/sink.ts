/**
 * A minimal, fast stand-in for Rocket.Chat's REST API, for benchmarks only: it answers
 * `chat.sendMessage` and `rooms.info` (and `chat.getMessage`, `im.create`) the way Rocket.Chat
 * does, parses every body so malformed JSON shows up, and does nothing else. Both the gateway
 * and the baseline proxy post to it, so its cost is the same for both.
 *
 * `node bench/sink.ts` prints `{"port":N}` on stdout once listening; `GET /__stats` answers the
 * request counts. For the delivery scenarios (bench/delivery.ts): `SINK_DELAY_MS` delays every
 * answer (a slow Rocket.Chat), `SINK_RECORD=1` keeps each room's message texts in arrival order
 * (`GET /__messages`, `POST /__reset`) and the arrival time of each `chat.sendMessage`
 * (`GET /__arrivals`: epoch ms, sub-ms precision); `POST /__hold` keeps every `chat.sendMessage`
 * unanswered until `POST /__release` (a Rocket.Chat that stalls, without stopping the process).
 * In record mode it also keeps the `_id`s, as Rocket.Chat does: a known `_id` is refused (400)
 * and `chat.getMessage` finds it, so a retry after a timeout is not counted twice.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

let calls: Record<string, number> = {};
const delayMs = Number(process.env["SINK_DELAY_MS"] ?? 0);
const record = process.env["SINK_RECORD"] === "1";
let messages: Record<string, string[]> = {};
let badBodies = 0;
let arrivals: number[] = [];
let ids = new Map<string, string>();
let held: Array<() => void> | undefined;

const answer = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

const room = (name: string) => JSON.stringify({ room: { _id: `room-${name}`, name, t: "c" }, success: true });

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const endpoint = (q < 0 ? url : url.slice(0, q)).replace(/^\/api\/v1\//, "");
  if (endpoint === "/__stats") return answer(res, 200, JSON.stringify({ calls, badBodies }));
  if (endpoint === "/__messages") return answer(res, 200, JSON.stringify(messages));
  if (endpoint === "/__arrivals") return answer(res, 200, JSON.stringify(arrivals));
  if (endpoint === "/__reset") {
    calls = {};
    messages = {};
    arrivals = [];
    ids = new Map();
    return answer(res, 200, "{}");
  }
  if (endpoint === "/__hold") {
    held ??= [];
    return answer(res, 200, "{}");
  }
  if (endpoint === "/__release") {
    const waiting = held ?? [];
    held = undefined;
    for (const go of waiting) go();
    return answer(res, 200, JSON.stringify({ released: waiting.length }));
  }
  calls[endpoint] = (calls[endpoint] ?? 0) + 1;
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  switch (endpoint) {
    case "chat.sendMessage": {
      if (held) {
        held.push(() => handle(req, res, body));
        calls[endpoint]--;
        return;
      }
      if (record) arrivals.push(performance.timeOrigin + performance.now());
      let message: { _id?: unknown; rid?: unknown; msg?: unknown } = {};
      try {
        const parsed = JSON.parse(body) as { message?: { _id?: unknown; rid?: unknown; msg?: unknown } };
        message = parsed.message ?? {};
      } catch {
        badBodies++;
      }
      if (record && typeof message._id === "string") {
        if (ids.has(message._id))
          return answer(res, 400, JSON.stringify({ success: false, error: "Cannot read properties of undefined" }));
        ids.set(message._id, String(message.rid));
      }
      if (record) (messages[String(message.rid)] ??= []).push(String(message.msg));
      return answer(
        res,
        200,
        JSON.stringify({
          message: { _id: message._id ?? "m", rid: message.rid ?? "r", ts: "2026-01-01T00:00:00.000Z" },
          success: true,
        }),
      );
    }
    case "rooms.info":
      return answer(res, 200, room(query.get("roomName") ?? query.get("roomId") ?? "general"));
    case "chat.getMessage": {
      const id = query.get("msgId") ?? "";
      const rid = ids.get(id);
      return rid === undefined
        ? answer(res, 400, JSON.stringify({ success: false }))
        : answer(res, 200, JSON.stringify({ message: { _id: id, rid }, success: true }));
    }
    case "me":
      return answer(res, 200, JSON.stringify({ _id: "bench", username: "bench", active: true, success: true }));
    case "im.create":
      return answer(res, 200, JSON.stringify({ room: { _id: "dm", rid: "dm", t: "d" }, success: true }));
    default:
      return answer(res, 404, JSON.stringify({ success: false, error: "not found" }));
  }
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
    if (delayMs > 0) setTimeout(() => handle(req, res, body), delayMs);
    else handle(req, res, body);
  });
});
server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + "\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
