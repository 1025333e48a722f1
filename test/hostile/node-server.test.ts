/**
 * Slow and idle clients on the Node server, over real sockets: a trickled body, slow
 * headers and an idle keep-alive connection are closed (short configured timeouts; nothing here
 * measures speed), a body nobody will read is not waited for, bytes in flight are capped; and
 * the small ones: an HTTP/1.0 health check without Host, no credentials on `GET /`.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig, HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";
import { rawRequest } from "../support/raw-http.ts";

/** A socket that collects what it is sent; `closed` resolves with it all once the server closes. */
function open(base: string): Promise<{ socket: Socket; closed: Promise<string>; received: () => string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const received = () => Buffer.concat(chunks).toString("latin1");
    const closed = new Promise<string>((done) => socket.on("close", () => done(received())));
    socket.on("data", (c: Buffer) => chunks.push(c)).on("error", () => {});
    socket.once("connect", () => resolve({ socket, closed, received })).once("error", reject);
  });
}

const head = (path: string, length: number, extra = "") =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const statusOf = (raw: string) => Number(raw.split(" ")[1]);
const bodyOf = (raw: string) => raw.slice(raw.indexOf("\r\n\r\n") + 4);

describe("slow clients, with short configured timeouts", () => {
  let gw: Gateway;
  let base: string;
  beforeAll(async () => {
    gw = await startGateway({
      config: (fake) =>
        gatewayConfig(fake, { server: { headersTimeoutMs: 150, requestTimeoutMs: 300, keepAliveTimeoutMs: 100 } }),
    });
    base = await gw.listen();
  });
  afterAll(() => gw.close());

  it("closes a connection whose body trickles in past the request timeout; nothing is posted", async () => {
    const c = await open(base);
    c.socket.write(head(`/services/T/B/${HOOK_TOKEN}`, 100) + '{"text":');
    // One more byte now and then, as the attack did, until the server gives up.
    const trickle = setInterval(() => c.socket.writable && c.socket.write(" "), 50);
    const raw = await c.closed;
    clearInterval(trickle);
    expect(raw === "" || statusOf(raw) === 408).toBe(true);
    expect(gw.fake.messages).toHaveLength(0);
  });

  it("closes a connection whose headers never finish", async () => {
    const c = await open(base);
    c.socket.write("POST /services/T/B/x HTTP/1.1\r\nHost: x\r\n");
    const raw = await c.closed;
    expect(raw === "" || statusOf(raw) === 408).toBe(true);
  });

  it("closes a connection that never sends anything", async () => {
    const c = await open(base);
    const raw = await c.closed;
    expect(raw === "" || statusOf(raw) === 408).toBe(true);
  });

  it("closes an idle keep-alive connection after its answer", async () => {
    const c = await open(base);
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const raw = await c.closed;
    expect(statusOf(raw)).toBe(200);
    expect(raw).toMatch(/keep-alive/i);
  });
});

describe("bodies nobody reads, and bytes in flight (default timeouts: only the answer can close)", () => {
  let gw: Gateway;
  let base: string;
  beforeAll(async () => {
    gw = await startGateway({
      config: (fake) => gatewayConfig(fake, { limits: { maxBodyBytes: 2048 }, server: { maxInFlightBytes: 4096 } }),
    });
    base = await gw.listen();
  });
  afterAll(() => gw.close());

  it.each([
    ["an unknown token (Slack route)", "/services/T/B/not-a-configured-token", 404, "no_service"],
    ["an unknown token (Mattermost route)", "/hooks/not-a-configured-token", 404, "no_service"],
    ["a body over the limit", `/services/T/B/${HOOK_TOKEN}`, 413, "request_too_large"],
    ["an unknown outgoing rule", "/outgoing/no-such-rule", 404, '{"ok":false,"error":"no_service"}'],
  ])("%s: answered and closed without reading the body", async (_, path, status, body) => {
    const c = await open(base);
    const declared = status === 413 ? 1_000_000 : 1000;
    c.socket.write(head(path, declared) + '{"text":"only the start');
    const raw = await c.closed;
    expect(statusOf(raw)).toBe(status);
    expect(bodyOf(raw)).toBe(body);
  });

  it("refuses with 503 once the bytes in flight would pass server.maxInFlightBytes, and takes requests again after", async () => {
    const hook = `/services/T/B/${HOOK_TOKEN}`;
    const stalled = await Promise.all([open(base), open(base)]);
    for (const s of stalled) s.socket.write(head(hook, 2000, "Connection: close\r\n") + '{"text":"stalled');
    // Both are now held reading their bodies (2 × 2000 of 4096 bytes): a third does not fit.
    await expect
      .poll(async () => (await rawRequest(base, head(hook, 2000, "Connection: close\r\n") + "x".repeat(2000))).status)
      .toBe(503);
    const refused = await rawRequest(base, head(hook, 2000, "Connection: close\r\n") + "x".repeat(2000));
    expect([refused.status, refused.body, refused.headers["retry-after"]]).toEqual([503, "service_unavailable", "1"]);
    // Requests without a body are not counted.
    expect((await rawRequest(base, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).status).toBe(200);
    // The stalled ones finish; their bytes are released.
    for (const s of stalled) s.socket.write(" " + '"'.padStart(2000 - '{"text":"stalled'.length - 2, " ") + "}");
    const answers = await Promise.all(stalled.map((s) => s.closed));
    for (const a of answers) expect(a.slice(0, 200)).toMatch(/^HTTP\/1.1 200/);
    const text = JSON.stringify({ text: "after" });
    const after = await rawRequest(base, head(hook, Buffer.byteLength(text), "Connection: close\r\n") + text);
    expect([after.status, after.body]).toEqual([200, "ok"]);
  });
});

describe("the small ones", () => {
  it("answers GET /healthz over HTTP/1.0 without Host (HAProxy's default check)", async () => {
    const gw = await startGateway();
    try {
      const res = await rawRequest(await gw.listen(), "GET /healthz HTTP/1.0\r\n\r\n");
      expect([res.status, res.body]).toEqual([200, '{"status":"ok"}']);
    } finally {
      await gw.close();
    }
  });

  it("shows no user:pass@ of the Rocket.Chat URL on GET /", async () => {
    const gw = await startGateway({
      config: (fake) =>
        gatewayConfig(fake, {
          rocketchat: {
            url: fake.url.replace("http://", "http://admin:s3cret-pass@"),
            userId: fake.userId,
            authToken: fake.authToken,
          },
        }),
    });
    try {
      const res = await rawRequest(await gw.listen(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect(res.status).toBe(200);
      expect(res.body).toContain(gw.fake.url.replace("http://", ""));
      expect(res.body).not.toMatch(/s3cret|admin/);
    } finally {
      await gw.close();
    }
  });
});
