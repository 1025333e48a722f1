/**
 * The Worker's handler (`src/worker.ts` exports it): the same app as `src/node/main.ts`
 * (`createApp` + `buildServices`), with the platform's pieces injected: `fetch` as the HTTP
 * client (`#upstream` picks it under the `workerd` condition), the `STATE` Durable Object for
 * the relay's stores, a `ROOMS` object per room as the outbox (workers/delivery.ts), and a
 * `LIMITS` object per hook for rate limits (workers/limits.ts), and `METRICS` summing every
 * isolate's and room's metrics for `GET /metrics` (workers/metrics.ts).
 *
 * Config: `SLACKLINE_CONFIG` (a secret holding the JSON), validated once per isolate by the same
 * `loadConfig`, `${NAME}` taken from the Worker's other vars and secrets. A bad config answers
 * 500 and logs one line naming every problem; no config is demo mode (the built-in inbox, per
 * isolate), with the hook `/services/T0000000/B0000000/slackline-demo-hook`.
 */
import type { Hono } from "hono";
import { upstream } from "#upstream";
import { createApp } from "../app.ts";
import { slackHookPath } from "../routes/incoming.ts";
import { loadConfig } from "../config/load.ts";
import { demoConfigJson } from "../config/source.ts";
import { parseLogLevel } from "../observability/log.ts";
import { buildServices, type ServiceOptions, type Services } from "../services.ts";
import { RoomDelivery, roomSetup } from "./delivery.ts";
import { stringVars, workerLogger, type WorkerEnv } from "./env.ts";
import { DurableLimiter } from "./limits.ts";
import { hub, MetricsPusher, PUSH_EVERY_MS } from "./metrics.ts";
import { DurableResponseUrlStore, DurableSeenEvents, DurableTsStore, DurableUploadStore } from "./stores.ts";
import { dropOldest } from "../bounded-map.ts";

/** Demo mode's hook token: public, and it only reaches the in-memory inbox. */
export const DEMO_HOOK_TOKEN = "slackline-demo-hook";

type Gateway =
  | { readonly ok: true; readonly services: Services; readonly pusher: MetricsPusher | undefined; app?: Hono }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Configs kept per isolate (tests use several; a deployment has one). */
const MAX_GATEWAYS = 8;

const TEXT_PLAIN = { "content-type": "text/plain; charset=utf-8" };
const PROMETHEUS = { "content-type": "text/plain; version=0.0.4; charset=utf-8" };
const INVALID_CONFIG = "slackline: SLACKLINE_CONFIG is invalid; the Worker's logs name the problems";

export interface WorkerOptions {
  /** How often this isolate pushes its metrics to the METRICS object (tests push at once). */
  readonly metricsPushMs?: number;
}

function build(env: WorkerEnv, vars: Record<string, string>, opts: WorkerOptions): Gateway {
  const logger = workerLogger(parseLogLevel(env.LOG_LEVEL));
  const text = env.SLACKLINE_CONFIG?.trim() || undefined;
  const loaded = loadConfig(text ?? demoConfigJson(DEMO_HOOK_TOKEN), vars);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const { config } = loaded;
  if (text === undefined) {
    logger.warn("no SLACKLINE_CONFIG: demo mode, messages go to the built-in inbox of each isolate", {
      hook: slackHookPath(DEMO_HOOK_TOKEN),
    });
  }
  const { STATE: state, ROOMS: rooms, LIMITS: limits } = env;
  if (!state) logger.warn("no STATE binding: response_url, thread state and pending uploads are kept per isolate");
  if (config.rocketchat && !rooms) logger.warn("no ROOMS binding: what Rocket.Chat does not confirm is answered 503");
  if (!limits) logger.warn("no LIMITS binding: rate limits are counted per isolate");
  const stores: Pick<ServiceOptions, "tsStore" | "responseUrls" | "seenEvents" | "uploads"> = state
    ? {
        tsStore: new DurableTsStore(state),
        responseUrls: new DurableResponseUrlStore(state),
        seenEvents: new DurableSeenEvents(state),
        uploads: new DurableUploadStore(state),
      }
    : {};
  const setup = roomSetup(config, env.LOG_LEVEL);
  // With METRICS the room objects' own counts are summed in; without, this isolate counts what it submitted.
  const countHere = !env.METRICS;
  const delivery: Pick<ServiceOptions, "delivery"> =
    setup && rooms
      ? {
          delivery: (_deliverer, metrics) =>
            new RoomDelivery({
              rooms,
              setup,
              metrics,
              logger,
              count: countHere,
              ...(env.METRICS ? { metricsHub: env.METRICS } : {}),
            }),
        }
      : {};
  const limiter: Pick<ServiceOptions, "rateLimiter"> = limits
    ? { rateLimiter: new DurableLimiter(limits, logger) }
    : {};
  const services = buildServices(config, { upstream, logger, ...stores, ...delivery, ...limiter });
  const pushEvery = opts.metricsPushMs ?? PUSH_EVERY_MS;
  const pusher = env.METRICS
    ? new MetricsPusher(env.METRICS, services.metrics, `isolate:${crypto.randomUUID()}`, pushEvery)
    : undefined;
  return { ok: true, services, pusher };
}
/** The Worker's handlers, with their own per-isolate cache (the default export is one). */
export function createWorker(opts: WorkerOptions = {}) {
  const gateways = new Map<string, Gateway>();

  /** Validated once per isolate and config: the key is every string var plus the bindings present. */
  const gatewayFor = (env: WorkerEnv): Gateway => {
    const vars = stringVars(env);
    const key = JSON.stringify([vars, !!env.STATE, !!env.ROOMS, !!env.LIMITS, !!env.METRICS]);
    let gateway = gateways.get(key);
    if (!gateway) {
      gateway = build(env, vars, opts);
      dropOldest(gateways, MAX_GATEWAYS - 1);
      gateways.set(key, gateway);
    }
    if (!gateway.ok) console.error(`slackline: SLACKLINE_CONFIG is invalid: ${gateway.problems.join("; ")}`);
    return gateway;
  };

  return {
    async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
      try {
        const gateway = gatewayFor(env);
        if (!gateway.ok) return new Response(INVALID_CONFIG, { status: 500, headers: TEXT_PLAIN });
        const { pusher } = gateway;
        if (pusher && env.METRICS && request.method === "GET" && new URL(request.url).pathname === "/metrics") {
          await pusher.maybePush(true);
          return new Response(await hub(env.METRICS).render(Date.now()), { headers: PROMETHEUS });
        }
        gateway.app ??= createApp(gateway.services, { baseUrl: new URL(request.url).origin });
        const res = await gateway.app.fetch(request, env, ctx);
        if (pusher) ctx.waitUntil(pusher.maybePush());
        return res;
      } catch (e) {
        // Never a stack trace to the caller; the log has the error's name and message.
        const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        console.error(`slackline: unhandled error: ${error}`);
        return new Response("rollup_error", { status: 500, headers: TEXT_PLAIN });
      }
    },
  } satisfies ExportedHandler<WorkerEnv>;
}
