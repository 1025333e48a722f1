/**
 * The baseline the gateway is measured against: a bare pass-through proxy. node:http in front,
 * an undici Pool behind (the same client library and pool size slackline uses), the same sink.
 * It reads the request body, forwards it unchanged to `chat.sendMessage`, reads the answer and
 * says `ok`, the way a gateway with zero translation cost would.
 *
 * `SINK_URL=http://127.0.0.1:N node bench/baseline.ts` prints `{"port":N}` once listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const sink = process.env["SINK_URL"];
if (!sink) throw new Error("SINK_URL is required");
const pool = new Pool(sink, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const headers = {
  "content-type": "application/json",
  "x-user-id": "bench",
  "x-auth-token": "bench",
  accept: "application/json",
};

const reply = (res: ServerResponse, status: number, text: string): void => {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

async function forward(res: ServerResponse, body: Buffer): Promise<void> {
  try {
    const answer = await pool.request({
      origin: sink,
      path: "/api/v1/chat.sendMessage",
      method: "POST",
      headers,
      body,
    });
    await answer.body.text();
    reply(res, answer.statusCode === 200 ? 200 : 502, answer.statusCode === 200 ? "ok" : "upstream_error");
  } catch {
    reply(res, 502, "upstream_error");
  }
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => void forward(res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

const server = createServer({ keepAliveTimeout: 60_000 }, onRequest);
server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + "\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
