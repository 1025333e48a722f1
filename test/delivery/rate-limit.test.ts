/**
 * Per-hook rate limits (docs/contract.md §2 `incoming[].rateLimit`): token buckets, 429 `rate_limited`
 * with `Retry-After`: the burst, the refill, and the value of the header.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/http/rate-limit.ts";
import { gatewayConfig, HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";

describe("RateLimiter", () => {
  let t = 0;
  const limiter = () => new RateLimiter(() => t);

  it("allows the burst, then refuses with the seconds until the next token", () => {
    t = 0;
    const rl = limiter();
    const limit = { perSecond: 1, burst: 3 };
    expect([1, 2, 3].map(() => rl.take("a", limit).allowed)).toEqual([true, true, true]);
    expect(rl.take("a", limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another hook has its own bucket.
    expect(rl.take("b", limit).allowed).toBe(true);
  });

  it("refills at perSecond, never above the burst", () => {
    t = 0;
    const rl = limiter();
    const limit = { perSecond: 2, burst: 2 };
    rl.take("a", limit);
    rl.take("a", limit);
    expect(rl.take("a", limit).allowed).toBe(false);
    t = 500; // one token back
    expect(rl.take("a", limit).allowed).toBe(true);
    expect(rl.take("a", limit).allowed).toBe(false);
    t = 60_000; // a long pause refills to the burst only
    expect([1, 2, 3].map(() => rl.take("a", limit).allowed)).toEqual([true, true, false]);
  });

  it("Retry-After rounds up, at least one second", () => {
    t = 0;
    const rl = limiter();
    const slow = { perSecond: 0.2, burst: 1 };
    rl.take("a", slow);
    expect(rl.take("a", slow)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    t = 2500;
    expect(rl.take("a", slow)).toEqual({ allowed: false, retryAfterSeconds: 3 });
    const fast = { perSecond: 100, burst: 1 };
    rl.take("b", fast);
    expect(rl.take("b", fast)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});

describe("the hook's answers", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it("429 rate_limited with Retry-After over the burst, ok again after the refill", async () => {
    let t = 1_000_000;
    gw = await startGateway({
      config: (fake) =>
        gatewayConfig(fake, {
          incoming: [{ name: "slow", token: HOOK_TOKEN, channel: "#alerts", rateLimit: { perSecond: 0.25, burst: 2 } }],
        }),
      services: { now: () => t },
    });
    const post = (text: string) => gw!.post(`/services/T/B/${HOOK_TOKEN}`, JSON.stringify({ text }));
    expect((await post("1")).status).toBe(200);
    expect((await post("2")).status).toBe(200);
    const refused = await post("3");
    expect([refused.status, await refused.text(), refused.headers.get("retry-after")]).toEqual([
      429,
      "rate_limited",
      "4",
    ]);
    t += 3000;
    expect((await post("4")).headers.get("retry-after")).toBe("1");
    t += 1000;
    expect((await post("5")).status).toBe(200);
    expect(gw.fake.messages.map((m) => m.msg)).toEqual(["1", "2", "5"]);
  });
});
