/**
 * Replayed outgoing events: Rocket.Chat re-sends an outgoing webhook it thinks failed (a
 * timeout, a connection reset), and anyone holding the webhook token can replay one. Each event
 * reaches the bots once: the first sight of a (rule, message, edit) is remembered for
 * {@link SEEN_TTL_MS}, bounded in memory on Node, durable in the `STATE` Durable Object on
 * Workers. The same key also gives the Events API `event_id`, so a bot that de-duplicates by it
 * (Bolt) sees one id per event too.
 */
import { dropOldest } from "../bounded-map.ts";

/** Longer than Rocket.Chat's retries of one call (powers of ten up to 1,000 s). */
export const SEEN_TTL_MS = 60 * 60 * 1000;

export interface SeenEvents {
  /** true the first time `key` is offered within the TTL; false for a replay. */
  firstSight(key: string): Promise<boolean>;
}

export interface MemorySeenEventsOptions {
  readonly now?: () => number;
  /** Most keys kept; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
}

export class MemorySeenEvents implements SeenEvents {
  /** key → expiry; insertion order is age order (a key is only ever re-inserted when expired). */
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;
  readonly #max: number;

  constructor(opts: MemorySeenEventsOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = Math.max(1, opts.maxEntries ?? 10_000);
  }

  async firstSight(key: string): Promise<boolean> {
    const now = this.#now();
    for (const [k, expires] of this.#seen) {
      if (expires > now) break;
      this.#seen.delete(k);
    }
    const expires = this.#seen.get(key);
    if (expires !== undefined && expires > now) return false;
    this.#seen.delete(key);
    this.#seen.set(key, now + SEEN_TTL_MS);
    dropOldest(this.#seen, this.#max);
    return true;
  }
}
