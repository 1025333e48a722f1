/**
 * Hook (and bot) rate limits shared by every isolate: one Durable Object per key (`LIMITS`,
 * `SlacklineLimiter`) holding that key's token bucket, the same `RateLimiter` as on Node. A
 * request costs one call to the object. The bucket lives in the object's memory; it is also
 * written to the object's storage only when it would take longer than `KEEP_IN_MEMORY_MS` to
 * refill, because an idle object may be evicted after about that long and come back with a full
 * bucket. With the default limit (1/s, burst 10) a bucket refills within 10 s, so nothing is
 * written; a slower limit costs one storage write per request.
 *
 * Workers' own rate-limiting binding was not taken: its limit and period are fixed in
 * wrangler.toml (10 or 60 s) rather than per hook, and it counts per Cloudflare location.
 */
import { DurableObject } from "cloudflare:workers";
import { RateLimiter, type Bucket, type Limiter, type RateLimit, type RateLimitAnswer } from "../http/rate-limit.ts";
import type { Logger } from "../observability/log.ts";
import type { WorkerEnv } from "./env.ts";

/** A bucket that refills within this long is not worth a storage write. */
export const KEEP_IN_MEMORY_MS = 10_000;

export class SlacklineLimiter extends DurableObject<WorkerEnv> {
  readonly #buckets = new RateLimiter();
  #stored: boolean;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    const kept = ctx.storage.kv.get<Bucket>("bucket");
    this.#stored = kept !== undefined;
    if (kept) this.#buckets.restore("", kept);
  }

  take(limit: RateLimit): RateLimitAnswer {
    const answer = this.#buckets.take("", { perSecond: limit.perSecond, burst: limit.burst });
    const bucket = this.#buckets.bucket("")!;
    const refillMs = ((limit.burst - bucket.tokens) / limit.perSecond) * 1000;
    if (refillMs > KEEP_IN_MEMORY_MS) {
      this.ctx.storage.kv.put("bucket", { tokens: bucket.tokens, updated: bucket.updated });
      this.#stored = true;
    } else if (this.#stored) {
      this.ctx.storage.kv.delete("bucket");
      this.#stored = false;
    }
    return answer;
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
