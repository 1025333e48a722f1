/**
 * Hook (and bot) rate limits shared by every isolate: one Durable Object per key (`LIMITS`,
 * `SlacklineLimiter`) holding that key's token bucket, the same `RateLimiter` as on Node. A
 * request costs one call to the object; the bucket is kept in the object's memory, not in its
 * storage (no write per request): an object is evicted only after it has been left alone for a
 * while, and a bucket left alone refills, so a fresh bucket after an eviction is what it would
 * have been, except for limits slower than one token per eviction delay (tens of seconds).
 *
 * Workers' own rate-limiting binding was not taken: its limit and period are fixed in
 * wrangler.toml (10 or 60 s) rather than per hook, and it counts per Cloudflare location.
 */
import { DurableObject } from "cloudflare:workers";
import { RateLimiter, type Limiter, type RateLimit, type RateLimitAnswer } from "../http/rate-limit.ts";
import type { Logger } from "../observability/log.ts";
import type { WorkerEnv } from "./env.ts";

export class SlacklineLimiter extends DurableObject<WorkerEnv> {
  readonly #bucket = new RateLimiter();

  take(limit: RateLimit): RateLimitAnswer {
    return this.#bucket.take("", { perSecond: limit.perSecond, burst: limit.burst });
  }
}

/** The Worker's side: `take` asks the key's object; if it cannot be reached, this isolate decides. */
export class DurableLimiter implements Limiter {
  readonly #limits: DurableObjectNamespace<SlacklineLimiter>;
  readonly #local: RateLimiter;
  readonly #logger: Logger;

  constructor(limits: DurableObjectNamespace<SlacklineLimiter>, logger: Logger, now?: () => number) {
    this.#limits = limits;
    this.#logger = logger;
    this.#local = new RateLimiter(now);
  }

  async take(key: string, limit: RateLimit): Promise<RateLimitAnswer> {
    try {
      const stub = this.#limits.get(this.#limits.idFromName(key));
      return await stub.take({ perSecond: limit.perSecond, burst: limit.burst });
    } catch (e) {
      this.#logger.error("rate limit object unreachable: counting in this isolate", { key, error: String(e) });
      return this.#local.take(key, limit);
    }
  }
}
