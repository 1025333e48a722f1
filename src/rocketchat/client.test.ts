import { describe, expect, it } from "vitest";
import { fromResponse, type Upstream } from "../http/upstream.ts";
import { RocketChatClient } from "./client.ts";

/** A client whose every call gets `answer`; records what it sent. */
function clientAnswering(answer: () => Response | Promise<Response>) {
  const sent: Array<{ url: string; init: Parameters<Upstream>[1] }> = [];
  const upstream: Upstream = async (url, init) => {
    sent.push({ url, init });
    return fromResponse(await answer());
  };
  const client = new RocketChatClient({
    url: "https://chat.example/",
    userId: "uid",
    authToken: "tok",
    timeoutMs: 1000,
    upstream,
    now: () => 1_000_000,
  });
  return { client, sent };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("RocketChatClient", () => {
  it("posts chat.sendMessage with its credentials and answers the stored message", async () => {
    const { client, sent } = clientAnswering(() =>
      json({ success: true, message: { _id: "m1", rid: "r1", ts: "2026-01-01T00:00:00.000Z" } }),
    );
    const result = await client.sendMessage({ _id: "m1", rid: "r1", msg: "hi" });
    expect(result).toEqual({ ok: true, value: { _id: "m1", rid: "r1", ts: "2026-01-01T00:00:00.000Z" } });
    expect(sent[0]!.url).toBe("https://chat.example/api/v1/chat.sendMessage");
    expect(sent[0]!.init.headers).toMatchObject({
      "X-User-Id": "uid",
      "X-Auth-Token": "tok",
      "Content-Type": "application/json",
    });
    expect(JSON.parse(sent[0]!.init.body as string)).toEqual({ message: { _id: "m1", rid: "r1", msg: "hi" } });
  });

  it("classifies what is not an envelope: unknown fate for a POST, by status for a GET", async () => {
    for (const body of ["<html>proxy error</html>", "null", "42", "[]"]) {
      const { client } = clientAnswering(() => new Response(body, { status: 502 }));
      expect(await client.sendMessage({ _id: "m1", rid: "r1", msg: "x" }), body).toMatchObject({
        ok: false,
        failure: { kind: "ambiguous", status: 502 },
      });
      expect(await client.roomInfo({ roomName: "general" }), body).toMatchObject({
        ok: false,
        failure: { kind: "unavailable", status: 502 },
      });
    }
    const { client } = clientAnswering(() => new Response("null", { status: 200 }));
    expect(await client.roomInfo({ roomId: "r1" })).toMatchObject({ ok: false, failure: { kind: "invalid" } });
  });

  it("reads how long a 429 asks to wait, from Retry-After, X-RateLimit-Reset or the message", async () => {
    const wait = async (res: () => Response) => {
      const r = await clientAnswering(res).client.sendMessage({ _id: "m1", rid: "r1", msg: "x" });
      return r.ok ? undefined : [r.failure.kind, r.failure.retryAfterMs];
    };
    expect(await wait(() => json({ success: false, error: "too many" }, 429, { "retry-after": "7" }))).toEqual([
      "rate_limited",
      7000,
    ]);
    expect(
      await wait(() => json({ success: false, error: "too many" }, 429, { "x-ratelimit-reset": "1003000" })),
    ).toEqual(["rate_limited", 3000]);
    expect(
      await wait(() =>
        json(
          {
            success: false,
            error:
              "Error, too many requests. Please slow down. You must wait 12 seconds before trying this endpoint again. [error-too-many-requests]",
          },
          400,
        ),
      ),
    ).toEqual(["rate_limited", 12000]);
  });

  it("tells a missing or archived room, a refusal, bad credentials and a server error apart", async () => {
    const kind = async (res: Response) => {
      const out = await clientAnswering(() => res).client.sendMessage({ _id: "m1", rid: "r1", msg: "x" });
      return out.ok ? "ok" : out.failure.kind;
    };
    expect(await kind(json({ success: false, error: "error-room-not-found" }, 400))).toBe("not_found");
    expect(await kind(json({ success: false, errorType: "error-room-archived", error: "Room is archived" }, 400))).toBe(
      "archived",
    );
    expect(await kind(json({ success: false, error: "error-not-allowed" }, 400))).toBe("forbidden");
    expect(await kind(json({ status: "error", message: "You must be logged in to do this." }, 401))).toBe(
      "unauthorized",
    );
    expect(await kind(json({ success: false, error: "Internal server error" }, 500))).toBe("ambiguous");
    expect(await kind(json({ success: false, error: "Message too long [error-message-size-exceeded]" }, 400))).toBe(
      "invalid",
    );
  });
});
