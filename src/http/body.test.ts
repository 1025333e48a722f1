import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePayload, parseMediaType, readLimited } from "./body.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const decode = (body: string | Uint8Array, type: string | null, query = "") =>
  decodePayload(typeof body === "string" ? enc(body) : body, type, query);

describe("decodePayload", () => {
  it("reads JSON with any charset, a wrong type, or none", async () => {
    expect(await decode('{"text":"hi"}', "application/json; charset=utf-8")).toEqual({ text: "hi" });
    expect(await decode('{"text":"hi"}', "text/plain")).toEqual({ text: "hi" });
    expect(await decode('{"text":"hi"}', null)).toEqual({ text: "hi" });
    const latin1 = Uint8Array.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"t":"é"}
    expect(await decode(latin1, "application/json; charset=ISO-8859-1")).toEqual({ t: "é" });
    expect(await decode(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('{"a":1}')]), "application/json")).toEqual({ a: 1 });
  });

  it("reads a form payload field with + as space, from the body or the query string", async () => {
    expect(await decode("payload=%7B%22text%22%3A%22a+b%22%7D", "application/x-www-form-urlencoded")).toEqual({
      text: "a b",
    });
    expect(await decode("", "application/x-www-form-urlencoded", "payload=%7B%22text%22%3A%22q%22%7D")).toEqual({
      text: "q",
    });
    expect(await decode("payload=%7B%22text%22%3A%22x%22%7D", null)).toEqual({ text: "x" });
  });

  it("reads JSON sent as a form (curl -d) and unwraps a payload object or string", async () => {
    expect(await decode('{"text":"curl"}', "application/x-www-form-urlencoded")).toEqual({ text: "curl" });
    expect(await decode('{"payload":{"text":"inner"}}', "application/json")).toEqual({ text: "inner" });
    expect(await decode('{"payload":"{\\"text\\":\\"str\\"}"}', "application/json")).toEqual({ text: "str" });
  });

  it("reads Mattermost's multipart form", async () => {
    const form = new FormData();
    form.set("text", "from multipart");
    form.set("username", "mm");
    const req = new Request("http://x/", { method: "POST", body: form });
    const bytes = new Uint8Array(await req.arrayBuffer());
    expect(await decode(bytes, req.headers.get("content-type"))).toEqual({ text: "from multipart", username: "mm" });
  });

  it("gives undefined for unreadable bodies, and never throws", async () => {
    expect(await decode("not json", "application/json")).toBeUndefined();
    expect(await decode("a=1", "application/x-www-form-urlencoded")).toBeUndefined();
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.constantFrom(
          null,
          "application/json",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "text/plain; charset=bogus",
        ),
        async (body, type) => {
          await decode(body, type);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parses media types case-insensitively", () => {
    expect(parseMediaType('AppLicaTion/x-www-Form-urlencoded; Charset="UTF-8"')).toEqual({
      type: "application/x-www-form-urlencoded",
      charset: "utf-8",
    });
  });
});

describe("readLimited", () => {
  it("refuses a declared or streamed body over the limit", async () => {
    const big = new Request("http://x/", { method: "POST", body: "x".repeat(2000) });
    expect(await readLimited(big, 1000)).toEqual({ ok: false, error: "request_too_large" });
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(enc("x".repeat(300)));
        c.close();
      },
    });
    const chunked = new Request("http://x/", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(await readLimited(chunked, 1000)).toEqual({ ok: false, error: "request_too_large" });
  });

  it("reads a body of declared length whole, and still refuses one longer than declared", async () => {
    const sized = (body: string, length: number, extra: Record<string, string> = {}) =>
      new Request("http://x/", { method: "POST", body, headers: { "content-length": String(length), ...extra } });
    const r = await readLimited(sized('{"text":"ok"}', 13), 1000);
    expect(r.ok && new TextDecoder().decode(r.value)).toBe('{"text":"ok"}');
    expect(await readLimited(sized("x".repeat(2000), 10), 1000)).toEqual({ ok: false, error: "request_too_large" });
    expect(await readLimited(sized("x".repeat(2000), 10, { "content-encoding": "gzip" }), 1000)).toEqual({
      ok: false,
      error: "request_too_large",
    });
  });

  it("reads a chunked body under the limit whole", async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(enc('{"te'));
        c.enqueue(enc('xt":"ok"}'));
        c.close();
      },
    });
    const r = await readLimited(
      new Request("http://x/", { method: "POST", body: stream, duplex: "half" } as RequestInit),
      1000,
    );
    expect(r.ok && new TextDecoder().decode(r.value)).toBe('{"text":"ok"}');
  });
});
