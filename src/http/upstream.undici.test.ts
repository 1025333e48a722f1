import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Upstream } from "./upstream.ts";
import { upstream } from "./upstream.undici.ts";

// The Node upstream is undici's `request` dressed as `fetch`: every answer must read the same as
// undici's own fetch gives it.
const dispatcher = new Agent();
const viaFetch: Upstream = (input, { timeoutMs, ...init }) =>
  undiciFetch(input, {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher,
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  }) as unknown as Promise<Response>;

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      switch (req.url) {
        case "/echo":
          res.writeHead(201, "Made", { "content-type": "application/json", "x-twice": ["a", "b"], "set-cookie": ["a=1", "b=2"] });
          return res.end(JSON.stringify({ method: req.method, type: req.headers["content-type"] ?? null, auth: req.headers["x-auth-token"] ?? null, body }));
        case "/empty":
          res.writeHead(204);
          return res.end();
        case "/moved":
          res.writeHead(302, { location: "/echo" });
          return res.end("see /echo");
        case "/slow":
          setTimeout(() => res.end("late"), 400);
          return;
        case "/slow-sized-body":
          res.writeHead(200, { "content-type": "text/plain", "content-length": "20" });
          res.write("first part");
          setTimeout(() => res.end("the rest"), 400);
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
  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
});

async function seen(call: Upstream, path: string, init: Parameters<Upstream>[1]) {
  const res = await call(base + path, init);
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    type: res.headers.get("content-type"),
    twice: res.headers.get("x-twice"),
    cookies: res.headers.getSetCookie(),
    location: res.headers.get("location"),
    body: res.body === null ? null : await res.text(),
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
    ["a POST with a JSON answer", "/echo", { method: "POST", headers: { "Content-Type": "application/json", "X-Auth-Token": "t" }, body: '{"a":1}', timeoutMs: 2000 }],
    ["a GET", "/echo", { method: "GET", headers: { Accept: "application/json" } }],
    ["a 204", "/empty", { method: "GET" }],
    ["a 5xx", "/other", { method: "POST", body: "x", headers: { "content-type": "text/plain" } }],
    ["a redirect, followed", "/moved", { method: "GET" }],
    ["a redirect, not followed", "/moved", { method: "POST", body: "{}", headers: { "content-type": "application/json" }, redirect: "manual" }],
  ];
  for (const [name, path, init] of cases)
    it(`answers ${name} as fetch does`, async () => {
      expect(await seen(upstream, path, init)).toEqual(await seen(viaFetch, path, init));
    });

  it("times out and fails to connect as fetch does", async () => {
    const slow = await failure(upstream, `${base}/slow`, { method: "GET", timeoutMs: 100 });
    expect(slow).toEqual(await failure(viaFetch, `${base}/slow`, { method: "GET", timeoutMs: 100 }));
    expect(slow).toMatchObject({ name: "TimeoutError" });
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
    for (const path of ["/slow-body", "/slow-sized-body"]) {
      expect(await reading(upstream, path)).toBe(await reading(viaFetch, path));
      expect(await reading(upstream, path)).toBe("TimeoutError");
    }
    // A body cut short fails to read with both; fetch wraps undici's error in a TypeError, which
    // no caller tells apart (a failed read is a failed read).
    expect(await reading(upstream, "/cut-body")).not.toBe("read");
    expect(await reading(viaFetch, "/cut-body")).not.toBe("read");
  });

  it("streams the body, which a reader may cancel", async () => {
    const res = await upstream(`${base}/echo`, { method: "POST", body: "x".repeat(100_000), headers: { "content-type": "text/plain" } });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
  });
});
