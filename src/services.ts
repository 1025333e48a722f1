/**
 * The services the app runs on, built once per process (Node) or isolate (Workers) from a
 * validated config. Runtime entries inject what differs: the HTTP client and durable stores.
 */
import type { Config, IncomingHook } from "./config/schema.ts";
import { Deliverer, type ThreadLookup } from "./delivery/deliver.ts";
import { DirectDelivery, type DeliveryService } from "./delivery/service.ts";
import type { Upstream } from "./http/upstream.ts";
import { RateLimiter, type Limiter } from "./http/rate-limit.ts";
import { TokenIndex } from "./http/tokens.ts";
import { Inbox } from "./inbox/inbox.ts";
import type { Logger } from "./observability/log.ts";
import { Metrics } from "./observability/metrics.ts";
import { MemoryTsStore, threadLookup, type TsStore } from "./outgoing/ids.ts";
import { NameDirectory } from "./outgoing/names.ts";
import { MemoryResponseUrlStore, type ResponseUrlStore } from "./outgoing/response-urls.ts";
import { RocketChatClient, type RocketChatApi } from "./rocketchat/client.ts";
import { RoomResolver } from "./rocketchat/rooms.ts";
import type { TranslateContext } from "./translate/context.ts";

export interface Services {
  readonly config: Config;
  readonly translate: TranslateContext;
  readonly hooks: TokenIndex<IncomingHook>;
  readonly rocketchat: RocketChatApi;
  readonly deliverer: Deliverer;
  readonly delivery: DeliveryService;
  /** Present when messages go to the built-in inbox instead of a Rocket.Chat server. */
  readonly inbox: Inbox | undefined;
  /** Hook (and bot) rate limits: per process by default; shared by every isolate on Workers. */
  readonly rateLimiter: Limiter;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly upstream: Upstream;
  readonly now: () => number;
  readonly outgoing: OutgoingStores;
}

/** State of the outgoing relay (Rocket.Chat → Slack-style bots). */
export interface OutgoingStores {
  /** Slack ts ↔ Rocket.Chat message; also answers delivery's `thread_ts` lookups. */
  readonly ts: TsStore;
  /** `response_url` state (`/respond/{id}`). */
  readonly responseUrls: ResponseUrlStore;
  /** Names behind the Slack ids handed to bots (per process). */
  readonly names: NameDirectory;
}

export interface ServiceOptions {
  readonly upstream: Upstream;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Defaults to the ts store's lookup. */
  readonly threads?: ThreadLookup;
  /** Durable stores for the outgoing relay; in memory by default. */
  readonly tsStore?: TsStore;
  readonly responseUrls?: ResponseUrlStore;
  /** Where rate limits are counted; in this process by default. */
  readonly rateLimiter?: Limiter;
  /** Swap in durable delivery (an outbox); defaults to one attempt while the sender waits. */
  readonly delivery?: (deliverer: Deliverer, metrics: Metrics) => DeliveryService;
}

/** `users`/`channels` come from JSON: look ids up without reaching Object.prototype. */
const lookupTable = (record: Record<string, string>): Record<string, string> => Object.assign(Object.create(null) as Record<string, string>, record);

export function buildServices(config: Config, opts: ServiceOptions): Services {
  const now = opts.now ?? Date.now;
  const metrics = new Metrics();
  const inbox = config.rocketchat ? undefined : new Inbox(200, now);
  const rocketchat: RocketChatApi =
    inbox ??
    new RocketChatClient({
      url: config.rocketchat!.url,
      userId: config.rocketchat!.userId,
      authToken: config.rocketchat!.authToken,
      timeoutMs: config.rocketchat!.timeoutMs,
      upstream: opts.upstream,
      now,
    });
  const tsStore = opts.tsStore ?? new MemoryTsStore({ now });
  const threads = opts.threads ?? threadLookup(tsStore);
  const deliverer = new Deliverer(rocketchat, new RoomResolver(rocketchat, { now }), threads);
  return {
    config,
    translate: {
      users: lookupTable(config.users),
      channels: lookupTable(config.channels),
      timeZone: config.timeZone,
      maxMessageSize: config.rocketchat?.maxMessageSize ?? 5000,
      tables: config.rocketchat?.tables ?? true,
    },
    hooks: new TokenIndex(config.incoming.map((h) => [h.token, h] as const)),
    rocketchat,
    deliverer,
    delivery: opts.delivery?.(deliverer, metrics) ?? new DirectDelivery(deliverer, metrics, opts.logger, now),
    inbox,
    rateLimiter: opts.rateLimiter ?? new RateLimiter(now),
    metrics,
    logger: opts.logger,
    upstream: opts.upstream,
    now,
    outgoing: {
      ts: tsStore,
      responseUrls: opts.responseUrls ?? new MemoryResponseUrlStore({ now }),
      names: new NameDirectory(),
    },
  };
}
