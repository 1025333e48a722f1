/**
 * The Slack ts ↔ Rocket.Chat message map: bots name messages by ts (`thread_ts`, `chat.update`),
 * Rocket.Chat by id. In memory here; durable per runtime (node:sqlite on Node, the STATE Durable
 * Object on Workers).
 */
import type { ThreadLookup } from "../delivery/deliver.ts";
import { toSlackTs } from "../slack/ids.ts";

/** Where a Slack ts points in Rocket.Chat. */
export interface TsRef {
  rid: string;
  messageId: string;
}

/**
 * ts ↔ Rocket.Chat message, both ways: bots name messages by ts (`thread_ts`), Rocket.Chat names
 * thread roots by id (`tmid`). Keys are global: {@link mintTs} bumps the `seq` digits so that two
 * messages never share a ts, whatever their rooms, and a bare `thread_ts` is enough to find one.
 */
export interface TsStore {
  put(ts: string, ref: TsRef): Promise<void>;
  get(ts: string): Promise<TsRef | undefined>;
  /** The ts stored for a Rocket.Chat message id, if any. */
  tsFor(messageId: string): Promise<string | undefined>;
}

/**
 * The Slack ts of a Rocket.Chat message sent at `date`: the one already stored for it, else the
 * first of `toSlackTs(date, 0…999)` no other message holds, which is then stored. Not atomic: two
 * messages minted in the same millisecond at the same moment may collide (the later one wins).
 */
export async function mintTs(store: TsStore, date: Date | string, ref: TsRef): Promise<string> {
  const known = await store.tsFor(ref.messageId);
  if (known !== undefined) return known;
  let ts = toSlackTs(date);
  for (let seq = 0; seq <= 999; seq++) {
    ts = toSlackTs(date, seq);
    const holder = await store.get(ts);
    if (holder === undefined || holder.messageId === ref.messageId) break;
  }
  await store.put(ts, ref);
  return ts;
}

/** Delivery's `thread_ts` → `tmid` lookup, answered by a {@link TsStore}. */
export const threadLookup = (store: TsStore): ThreadLookup => ({
  tmidFor: async (threadTs) => (await store.get(threadTs))?.messageId,
});

export interface MemoryTsStoreOptions {
  /** Most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number;
  /** How long an entry lives after its `put`, in ms. Default 24 h. */
  ttlMs?: number;
  /** Clock in epoch ms (injected for tests). Default `Date.now`. */
  now?: () => number;
}

/** In-memory LRU {@link TsStore} with a TTL and a size cap (per process/isolate; not durable). */
export class MemoryTsStore implements TsStore {
  readonly #entries = new Map<string, { ref: TsRef; expiresAt: number }>();
  /** messageId → ts, kept in step with `#entries`. */
  readonly #byMessage = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: MemoryTsStoreOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async put(ts: string, ref: TsRef): Promise<void> {
    // Re-inserting moves the key to the most-recent end of the Map's order.
    this.#delete(ts);
    const copy = { rid: ref.rid, messageId: ref.messageId };
    this.#entries.set(ts, { ref: copy, expiresAt: this.#now() + this.#ttlMs });
    this.#byMessage.set(copy.messageId, ts);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#delete(oldest.value);
    }
  }

  async get(ts: string): Promise<TsRef | undefined> {
    const entry = this.#entries.get(ts);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.expiresAt) {
      this.#delete(ts);
      return undefined;
    }
    this.#entries.delete(ts);
    this.#entries.set(ts, entry);
    return { ...entry.ref };
  }

  async tsFor(messageId: string): Promise<string | undefined> {
    const ts = this.#byMessage.get(messageId);
    return ts !== undefined && (await this.get(ts)) !== undefined ? ts : undefined;
  }

  #delete(ts: string): void {
    const entry = this.#entries.get(ts);
    if (entry === undefined) return;
    this.#entries.delete(ts);
    if (this.#byMessage.get(entry.ref.messageId) === ts) this.#byMessage.delete(entry.ref.messageId);
  }
}
