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
import { MemoryTsStore, threadLookup, type TsStore } from "./state/ts-map.ts";
import { NameDirectory } from "./state/names.ts";
import { MemoryResponseUrlStore, type ResponseUrlStore } from "./state/response-urls.ts";
import { MemorySeenEvents, type SeenEvents } from "./state/seen.ts";
import { RocketChatClient, type RocketChatApi } from "./rocketchat/client.ts";
import { RoomResolver } from "./rocketchat/rooms.ts";
import type { TranslateContext } from "./model/context.ts";
import { workspaceOf, type OutgoingStores } from "./outgoing/deps.ts";
import { createRelay, type Relay } from "./outgoing/relay.ts";
import type { WebApiDeps } from "./webapi/methods.ts";
import { MemoryUploadStore, type UploadStore } from "./webapi/files.ts";

export type { OutgoingStores };

export interface Services {
  readonly config: Config;
  readonly translate: TranslateContext;
  readonly hooks: TokenIndex<IncomingHook>;
  readonly rocketchat: RocketChatApi;
  /** Room names → ids (cached); the deliverer's own, shared so both see one cache. */
  readonly rooms: RoomResolver;
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
  /** The outgoing relay over exactly what it uses: what `/outgoing` and `/respond` call. */
  readonly relay: Relay;
  /** What the Slack Web API (`/api/{method}`) runs on. */
  readonly webApi: WebApiDeps;
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
  readonly seenEvents?: SeenEvents;
  /** Files between `files.getUploadURLExternal` and `files.completeUploadExternal`; in memory by default. */
  readonly uploads?: UploadStore;
  /** Where rate limits are counted; in this process by default. */
  readonly rateLimiter?: Limiter;
  /** Swap in durable delivery (an outbox); defaults to one attempt while the sender waits. */
  readonly delivery?: (deliverer: Deliverer, metrics: Metrics, rocketchat: RocketChatApi) => DeliveryService;
}

/** With the inbox, each job's hook is noted before delivery, so the inbox page can filter by it. */
function inboxSources(delivery: DeliveryService, inbox: Inbox | undefined): DeliveryService {
  if (!inbox) return delivery;
  return new Proxy(delivery, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === "submit")
        return (job: Parameters<DeliveryService["submit"]>[0]) => {
          inbox.noteSource(
            job.messages.map((m) => m._id),
            job.source,
          );
          return target.submit(job);
        };
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `users`/`channels` come from JSON: look ids up without reaching Object.prototype. */
const lookupTable = (record: Record<string, string>): Record<string, string> =>
  Object.assign(Object.create(null) as Record<string, string>, record);

/** `GET /api/v1/me` as the delivery policy's probe (the demo inbox has none). */
export const probeOf = (api: RocketChatApi) => (api.me ? () => api.me!() : undefined);

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
  const rooms = new RoomResolver(rocketchat, { now });
  const deliverer = new Deliverer(rocketchat, rooms, threads);
  const translate: TranslateContext = {
    users: lookupTable(config.users),
    channels: lookupTable(config.channels),
    timeZone: config.timeZone,
    maxMessageSize: config.rocketchat?.maxMessageSize ?? 5000,
    tables: config.rocketchat?.tables ?? true,
    now,
    maxParts: config.limits.maxParts,
  };
  const delivery = inboxSources(
    opts.delivery?.(deliverer, metrics, rocketchat) ??
      // No probe: without a line to hold there is nothing to resume; each request tries.
      new DirectDelivery({ deliverer, metrics, logger: opts.logger, settings: config.delivery, now }),
    inbox,
  );
  const outgoing: OutgoingStores = {
    ts: tsStore,
    responseUrls: opts.responseUrls ?? new MemoryResponseUrlStore({ now }),
    names: new NameDirectory(),
    seen: opts.seenEvents ?? new MemorySeenEvents({ now }),
  };
  const relay = createRelay({
    upstream: opts.upstream,
    stores: outgoing,
    post: delivery,
    rocketchat,
    rooms,
    translate,
    now,
    metrics,
    logger: opts.logger,
    workspace: workspaceOf(config),
  });
  return {
    config,
    translate,
    hooks: new TokenIndex(config.incoming.map((h) => [h.token, h] as const)),
    rocketchat,
    rooms,
    deliverer,
    delivery,
    inbox,
    rateLimiter: opts.rateLimiter ?? new RateLimiter(now),
    metrics,
    logger: opts.logger,
    upstream: opts.upstream,
    now,
    outgoing,
    relay,
    webApi: {
      relay,
      rocketchat,
      server: config.rocketchat && { url: config.rocketchat.url, userId: config.rocketchat.userId },
      uploads: opts.uploads ?? new MemoryUploadStore({ now }),
    },
  };
}
