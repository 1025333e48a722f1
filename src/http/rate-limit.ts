/**
 * Per-hook token buckets (docs/contract.md §2 `incoming[].rateLimit`; docs/slack.md §1.8): Slack allows one message a second per
 * webhook with short bursts. In memory, per process (per isolate on Workers).
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

export type RateLimitAnswer = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Where a limit is counted: in this process (`RateLimiter`), or somewhere every isolate shares
 * (a Durable Object per key on Workers, src/workers/limits.ts).
 */
export interface Limiter {
  take(key: string, limit: RateLimit): RateLimitAnswer | Promise<RateLimitAnswer>;
}

/** A key's tokens and when they were counted (epoch ms). */
export interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter implements Limiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A key's bucket as it stands after its last `take`, to keep elsewhere. */
  bucket(key: string): Readonly<Bucket> | undefined {
    return this.#buckets.get(key);
  }

  /** Puts back a bucket kept elsewhere (a restart in between refills it as time passed). */
  restore(key: string, bucket: Bucket): void {
    this.#buckets.set(key, { tokens: bucket.tokens, updated: bucket.updated });
  }

  /** Take one token; when there is none, how many seconds until there will be. */
  take(key: string, limit: RateLimit): RateLimitAnswer {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = { tokens: limit.burst, updated: now }));
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.updated) / 1000) * limit.perSecond);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)) };
  }
}
