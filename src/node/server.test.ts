import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig, HOOK_TOKEN, MM_TOKEN } from "../../test/support/gateway.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../../test/support/fake-rocketchat.ts";
import { GATEWAY_ROOMS } from "../../test/contract/config.ts";
import { rawRequest } from "../../test/support/raw-http.ts";
import { createLogger } from "../observability/log.ts";
import { buildServices } from "../services.ts";
import { createNodeServer, type NodeServer } from "./server.ts";
import { upstream } from "./upstream.ts";

const exchange = (port: number, raw: string) => rawRequest(`http://127.0.0.1:${port}`, raw);

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${Object.entries({
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n${body}`;

describe("the Node server", () => {
  let fake: FakeRocketChat;
  let node: NodeServer;
  let port: number;
  const logged: string[] = [];

  beforeAll(async () => {
    fake = await startFakeRocketChat();
    for (const name of GATEWAY_ROOMS) fake.addRoom({ name });
    const config = gatewayConfig(fake, { limits: { maxBodyBytes: 1024 } });
    node = createNodeServer(buildServices(config, { upstream, logger: createLogger("info", (l) => logged.push(l)) }));
    await new Promise<void>((resolve) => node.server.listen(0, "127.0.0.1", resolve));
    port = (node.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => node.server.close(resolve));
    await fake.close();
  });

  /** The same request through the Hono app (no socket), for comparison. */
  const viaApp = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await node.app.request(path, { method: "POST", body, headers });
    return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
  };

  it("answers an incoming webhook exactly as the Hono route does, for every answer the route gives", async () => {
    const cases: Array<[path: string, body: string, headers?: Record<string, string>]> = [
      [`/services/T1/B1/${HOOK_TOKEN}`, '{"text":"hi *there*"}'],
      [`/services/T1/B1/${HOOK_TOKEN}/`, '{"text":"trailing slash"}'],
      [`/hooks/${MM_TOKEN}`, '{"text":"**markdown**"}'],
      [
        `/services/T1/B1/${HOOK_TOKEN}?payload=%7B%22text%22%3A%22from%20the%20query%22%7D`,
        "",
        { "content-type": "application/x-www-form-urlencoded" },
      ],
      [
        `/services/T1/B1/${HOOK_TOKEN}`,
        "payload=%7B%22text%22%3A%22form%22%7D",
        { "content-type": "application/x-www-form-urlencoded" },
      ],
      [`/services/T1/B1/not-a-token`, '{"text":"x"}'],
      [`/services/T1/B1/${HOOK_TOKEN}`, "{not json"],
      [`/services/T1/B1/${HOOK_TOKEN}`, '{"attachments":[]}'],
      [`/services/T1/B1/${HOOK_TOKEN}`, '{"text":"x","channel":"#no-such-room-here"}'],
      [`/services/T1/B1/${HOOK_TOKEN}`, JSON.stringify({ text: "x".repeat(2000) })],
    ];
    for (const [path, body, headers = { "content-type": "application/json" }] of cases) {
      const socket = await exchange(port, post(path, body, headers));
      const app = await viaApp(path, body, headers);
      expect(
        { status: socket.status, body: socket.body, type: socket.headers["content-type"] },
        path + " " + body.slice(0, 40),
      ).toEqual(app);
    }
    expect(logged.filter((l) => l.includes("INFO POST /services/:team/:bot/:token 200"))).not.toHaveLength(0);
    expect(logged.some((l) => l.includes(HOOK_TOKEN))).toBe(false);
  });

  it("reads a chunked body, and refuses one that runs past the limit, closing the connection", async () => {
    const chunked = (parts: string[]) =>
      `POST /services/T1/B1/${HOOK_TOKEN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
      parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join("") +
      "0\r\n\r\n";
    const ok = await exchange(port, chunked(['{"text":', '"in chunks"}']));
    expect([ok.status, ok.body]).toEqual([200, "ok"]);
    expect(fake.messages.at(-1)?.msg).toBe("in chunks");

    const big = await exchange(port, chunked(['{"text":"', "y".repeat(800), "y".repeat(800), '"}']));
    expect([big.status, big.body, big.headers["connection"]]).toEqual([413, "request_too_large", "close"]);
    const declared = await exchange(port, post(`/services/T1/B1/${HOOK_TOKEN}`, "z".repeat(2000)));
    expect([declared.status, declared.body, declared.headers["connection"]]).toEqual([
      413,
      "request_too_large",
      "close",
    ]);
  });

  it("leaves other methods, escaped paths and encoded bodies to the Hono app", async () => {
    const get = await exchange(
      port,
      `GET /services/T1/B1/${HOOK_TOKEN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(get.status).toBe(404);
    const escaped = await exchange(
      port,
      post(
        `/services/T1/B1/${HOOK_TOKEN.replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
        '{"text":"escaped"}',
      ),
    );
    expect([escaped.status, escaped.body]).toEqual([200, "ok"]);
    expect(fake.messages.at(-1)?.msg).toBe("escaped");
    const health = await exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(health.status).toBe(200);

    // A gzip body is not read here: the answer is the Hono route's, whatever that is.
    const path = `/services/T1/B1/${HOOK_TOKEN}`;
    const gzipped = gzipSync('{"text":"zipped"}');
    const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${gzipped.length}\r\n\r\n`;
    const socket = await rawRequest(`http://127.0.0.1:${port}`, Buffer.concat([Buffer.from(head), gzipped]));
    const res = await node.app.request(path, {
      method: "POST",
      body: gzipped,
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    });
    expect([socket.status, socket.body]).toEqual([res.status, await res.text()]);
  });
});

describe("the Node server, when the handler fails unexpectedly", () => {
  it("answers 500 rollup_error without details and logs the failure", async () => {
    const fake = await startFakeRocketChat();
    fake.addRoom({ name: GATEWAY_ROOMS[0]! });
    const logged: string[] = [];
    const services = buildServices(gatewayConfig(fake), {
      upstream,
      logger: createLogger("info", (l) => logged.push(l)),
    });
    const broken = { ...services, delivery: { submit: () => Promise.reject(new Error("disk on fire")) } };
    const node = createNodeServer(broken);
    await new Promise<void>((resolve) => node.server.listen(0, "127.0.0.1", resolve));
    try {
      const res = await exchange(
        (node.server.address() as AddressInfo).port,
        post(`/services/T1/B1/${HOOK_TOKEN}`, '{"text":"x"}'),
      );
      expect([res.status, res.body]).toEqual([500, "rollup_error"]);
      expect(logged.some((l) => l.includes("ERROR unhandled error") && l.includes("disk on fire"))).toBe(true);
      expect(logged.some((l) => / (INFO|WARN) POST \/services\/:team\/:bot\/:token 500 /.test(l))).toBe(true);
    } finally {
      await new Promise((resolve) => node.server.close(resolve));
      await fake.close();
    }
  });
});
