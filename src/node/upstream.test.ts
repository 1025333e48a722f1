import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RocketChatClient } from "../rocketchat/client.ts";
import { upstream as viaFetch } from "../http/upstream.fetch.ts";
import type { Upstream } from "../http/upstream.ts";
import { upstream } from "./upstream.ts";

// The Node upstream is undici's `request` with a lean answer: every answer must read the same as
// the fetch upstream (Workers) gives it.

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      // The Rocket.Chat client calls `{url}/api/v1/{method}`: route on what comes before.
      switch (req.url!.replace(/\/api\/v1\/.*$/, "")) {
        case "/echo":
          res.writeHead(201, "Made", {
            "content-type": "application/json",
            "x-twice": ["a", "b"],
            "set-cookie": ["a=1", "b=2"],
          });
          return res.end(
            JSON.stringify({
              method: req.method,
              type: req.headers["content-type"] ?? null,
              auth: req.headers["x-auth-token"] ?? null,
              body,
            }),
          );
        case "/big-sized":
          res.writeHead(200, { "content-type": "text/plain", "content-length": "200000" });
          return res.end("x".repeat(200_000));
        case "/big-chunked":
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("x".repeat(100_000));
          return res.end("x".repeat(100_000));
        case "/empty":
          res.writeHead(204);
          return res.end();
        case "/moved":
          res.writeHead(302, { location: "/echo" });
          return res.end("see /echo");
        case "/moved-slow":
          res.writeHead(302, { location: "/slow" });
          return res.end();
        case "/slow":
          setTimeout(() => res.end("late"), 400);
          return;
        case "/slow-sized-body":
          // 20 bytes in all, as declared: read to its end, this body is whole.
          res.writeHead(200, { "content-type": "text/plain", "content-length": "20" });
          res.write("first part");
          setTimeout(() => res.end("the rest.."), 400);
          return;
        case "/cut-body":
          res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
          res.write('{"cut":');
          setTimeout(() => res.destroy(), 20);
          return;
        case "/slow-body":
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("first part, ");
          setTimeout(() => res.end("the rest"), 400);
          return;
        default:
          res.writeHead(500, { "content-type": "text/plain" });
          return res.end("broken");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function seen(call: Upstream, path: string, init: Parameters<Upstream>[1], read: "text" | "bytes" = "text") {
  const res = await call(base + path, init);
  return {
    status: res.status,
    type: res.header("content-type"),
    twice: res.header("x-twice"),
    cookies: res.header("set-cookie"),
    location: res.header("location"),
    missing: res.header("constructor"),
    body:
      read === "text"
        ? await res.text()
        : await res.bytes(1000).then((r) => (r.ok ? new TextDecoder().decode(r.value) : r.error)),
  };
}

async function failure(call: Upstream, url: string, init: Parameters<Upstream>[1]) {
  try {
    await call(url, init);
    return "no error";
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { name: err.name, message: err.message, cause: err.cause?.code };
  }
}

describe("the undici upstream", () => {
  const cases: Array<[string, string, Parameters<Upstream>[1]]> = [
    [
      "a POST with a JSON answer",
      "/echo",
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Auth-Token": "t" },
        body: '{"a":1}',
        timeoutMs: 2000,
      },
    ],
    ["a GET", "/echo", { method: "GET", headers: { Accept: "application/json" } }],
    ["a 204", "/empty", { method: "GET", timeoutMs: 2000 }],
    ["a 5xx", "/other", { method: "POST", body: "x", headers: { "content-type": "text/plain" } }],
    ["a redirect, followed", "/moved", { method: "GET", timeoutMs: 2000 }],
    [
      "a redirect, not followed",
      "/moved",
      { method: "POST", body: "{}", headers: { "content-type": "application/json" }, redirect: "manual" },
    ],
  ];
  for (const [name, path, init] of cases)
    it(`answers ${name} as fetch does`, async () => {
      const answer = await seen(upstream, path, init);
      expect(answer).toEqual(await seen(viaFetch, path, init));
      expect(await seen(upstream, path, init, "bytes")).toEqual(await seen(viaFetch, path, init, "bytes"));
      if (path === "/echo") expect(answer).toMatchObject({ twice: "a, b", cookies: "a=1, b=2", missing: null });
      if (path === "/empty") expect(answer).toMatchObject({ status: 204, type: null, body: "" });
    });

  it("times out and fails to connect as fetch does", async () => {
    for (const path of ["/slow", "/moved-slow"]) {
      const slow = await failure(upstream, base + path, { method: "GET", timeoutMs: 100 });
      expect(slow).toEqual(await failure(viaFetch, base + path, { method: "GET", timeoutMs: 100 }));
      expect(slow).toMatchObject({ name: "TimeoutError" });
    }
    // A port nobody listens on (not one of fetch's "bad ports", which fetch refuses outright).
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const nowhere = `http://127.0.0.1:${closed}/x`;
    const refused = await failure(upstream, nowhere, { method: "POST", body: "{}" });
    expect(refused).toEqual(await failure(viaFetch, nowhere, { method: "POST", body: "{}" }));
    expect(refused).toEqual({ name: "TypeError", message: "fetch failed", cause: "ECONNREFUSED" });
  });

  it("counts reading the body against the timeout, and fails a cut body, like fetch", async () => {
    const reading = async (call: Upstream, path: string) => {
      const res = await call(base + path, { method: "GET", timeoutMs: 150 });
      return res.text().then(
        () => "read",
        (e: Error) => e.name,
      );
    };
    // "/slow-body" and "/slow-sized-body" end whole after 400 ms: a read that waited for the end
    // instead of failing at the timeout would come back "read".
    const limited = async (call: Upstream, path: string) => {
      const res = await call(base + path, { method: "GET", timeoutMs: 150 });
      const body = await res.bytes(1000);
      return { body: body.ok ? "read" : body.error };
    };
    for (const path of ["/slow-body", "/slow-sized-body"]) {
      expect(await reading(upstream, path)).toBe(await reading(viaFetch, path));
      expect(await reading(upstream, path)).toBe("TimeoutError");
      expect(await limited(upstream, path)).toEqual(await limited(viaFetch, path));
      expect(await limited(upstream, path)).toEqual({ body: "invalid_payload" });
    }
    // A body cut short fails to read with both; fetch wraps undici's error in a TypeError, which
    // no caller tells apart (a failed read is a failed read).
    expect(await reading(upstream, "/cut-body")).not.toBe("read");
    expect(await reading(viaFetch, "/cut-body")).not.toBe("read");
    expect(await limited(upstream, "/cut-body")).toEqual({ body: "invalid_payload" });
  });

  it("refuses a body over the limit without reading it whole, and discards one unread", async () => {
    for (const path of ["/big-sized", "/big-chunked"]) {
      const over = await (await upstream(base + path, { method: "GET", timeoutMs: 2000 })).bytes(150_000);
      expect(over).toEqual(await (await viaFetch(base + path, { method: "GET", timeoutMs: 2000 })).bytes(150_000));
      expect(over).toEqual({ ok: false, error: "request_too_large" });
      const under = await (await upstream(base + path, { method: "GET" })).bytes(200_000);
      expect(under.ok && under.value.byteLength).toBe(200_000);
      await (await upstream(base + path, { method: "GET", timeoutMs: 2000 })).discard();
    }
    await (await upstream(`${base}/echo`, { method: "GET" })).discard();
    // The pool is still good after all that.
    expect(await seen(upstream, "/echo", { method: "GET", timeoutMs: 2000 })).toMatchObject({ status: 201 });
  });

  it("times out as the Rocket.Chat client expects: a POST may have been stored", async () => {
    for (const path of ["/slow", "/slow-body"]) {
      const client = new RocketChatClient({ url: base + path, userId: "u", authToken: "t", timeoutMs: 100, upstream });
      const sent = await client.sendMessage({ _id: "m1", rid: "r1", msg: "hi" });
      expect(sent).toMatchObject({ ok: false, failure: { kind: "ambiguous" } });
    }
    const client = new RocketChatClient({ url: `${base}/slow`, userId: "u", authToken: "t", timeoutMs: 100, upstream });
    expect(await client.getMessage("m1")).toMatchObject({ ok: false, failure: { kind: "unavailable" } });
  });
});
