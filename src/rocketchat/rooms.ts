/**
 * Room resolution with a cache: `#name` → rooms.info?roomName, `@user` → im.create,
 * anything else → a room id, then a name (Rocket.Chat's own order for a bare value, docs/rocketchat.md §1.3).
 */
import type { RocketChatApi, RocketChatResult } from "./client.ts";
import { dropOldest } from "../bounded-map.ts";

interface Entry {
  readonly result: RocketChatResult<string>;
  readonly expires: number;
}

export interface RoomResolverOptions {
  readonly ttlMs?: number;
  /** Failures are cached briefly so a flood to a missing room does not flood Rocket.Chat. */
  readonly negativeTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export class RoomResolver {
  readonly #api: RocketChatApi;
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<RocketChatResult<string>>>();
  readonly #ttl: number;
  readonly #negativeTtl: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(api: RocketChatApi, opts: RoomResolverOptions = {}) {
    this.#api = api;
    this.#ttl = opts.ttlMs ?? 5 * 60_000;
    this.#negativeTtl = opts.negativeTtlMs ?? 10_000;
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The room id for a target, or why there is none. */
  resolve(target: string): Promise<RocketChatResult<string>> {
    const hit = this.#cache.get(target);
    if (hit && hit.expires > this.#now()) return Promise.resolve(hit.result);
    const pending = this.#inflight.get(target);
    if (pending) return pending;
    const lookup = this.#lookup(target).then((result) => {
      this.#inflight.delete(target);
      // Only definite answers are cached; a timeout must not pin a room as missing.
      const definite = result.ok || result.failure.kind === "not_found" || result.failure.kind === "archived";
      if (definite) {
        dropOldest(this.#cache, this.#max - 1);
        this.#cache.set(target, { result, expires: this.#now() + (result.ok ? this.#ttl : this.#negativeTtl) });
      }
      return result;
    });
    this.#inflight.set(target, lookup);
    return lookup;
  }

  /** Forget a room, e.g. after Rocket.Chat said it no longer exists. */
  invalidate(target: string): void {
    this.#cache.delete(target);
  }

  async #lookup(target: string): Promise<RocketChatResult<string>> {
    const id = (r: RocketChatResult<{ _id: string }>): RocketChatResult<string> =>
      r.ok ? { ok: true, value: r.value._id } : r;
    if (target.startsWith("@")) return id(await this.#api.createDirect(target.slice(1)));
    if (target.startsWith("#")) return id(await this.#api.roomInfo({ roomName: target.slice(1) }));
    const byId = await this.#api.roomInfo({ roomId: target });
    if (byId.ok || byId.failure.kind !== "not_found") return id(byId);
    return id(await this.#api.roomInfo({ roomName: target }));
  }
}
