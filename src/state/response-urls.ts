/**
 * `response_url` state: "It may be used up to 5 times within 30 minutes of the invocation"
 * (docs/slack.md §7.3). The id in the URL is the only secret, so it is unguessable: 144 random bits,
 * base64url.
 */
import { dropOldest } from "../bounded-map.ts";

/** Where an event came from: all a later answer needs. Plain data (it is stored for response_url). */
export interface ReplyOrigin {
  /** The outgoing rule's name (delivery source, logs). */
  readonly source: string;
  /** The event's room id. */
  readonly rid: string;
  /** The event's own message id. */
  readonly messageId: string;
  /** The thread root's message id, when the event was a thread reply. */
  readonly tmid?: string;
  /** The invoking user's Rocket.Chat username: ephemeral answers go to them. */
  readonly userName: string;
}

export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const RESPONSE_URL_MAX_USES = 5;

export type ResponseUrlUse = ReplyOrigin | "expired" | "used" | "unknown";

/** Small and async, so a durable store (Workers) can stand behind it. */
export interface ResponseUrlStore {
  create(origin: ReplyOrigin): Promise<string>;
  /** Counts one use and answers the origin, or why there is none. */
  use(id: string): Promise<ResponseUrlUse>;
}

export function newResponseUrlId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export interface MemoryResponseUrlStoreOptions {
  readonly now?: () => number;
  /** Most live entries; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
}

/**
 * Per process (per isolate on Workers). Expired entries are kept for one more TTL so that a late
 * call hears `expired` rather than `unknown`, then swept.
 */
export class MemoryResponseUrlStore implements ResponseUrlStore {
  readonly #entries = new Map<string, { origin: ReplyOrigin; createdAt: number; uses: number }>();
  readonly #now: () => number;
  readonly #max: number;

  constructor(opts: MemoryResponseUrlStoreOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = Math.max(1, opts.maxEntries ?? 10_000);
  }

  async create(origin: ReplyOrigin): Promise<string> {
    this.#sweep();
    const id = newResponseUrlId();
    this.#entries.set(id, { origin: structuredClone(origin), createdAt: this.#now(), uses: 0 });
    dropOldest(this.#entries, this.#max);
    return id;
  }

  async use(id: string): Promise<ResponseUrlUse> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return "unknown";
    if (this.#now() - entry.createdAt >= RESPONSE_URL_TTL_MS) return "expired";
    if (entry.uses >= RESPONSE_URL_MAX_USES) return "used";
    entry.uses++;
    return structuredClone(entry.origin);
  }

  /** Entries are created in time order, so the oldest are first. */
  #sweep(): void {
    const cutoff = this.#now() - 2 * RESPONSE_URL_TTL_MS;
    for (const [id, entry] of this.#entries) {
      if (entry.createdAt > cutoff) break;
      this.#entries.delete(id);
    }
  }
}
