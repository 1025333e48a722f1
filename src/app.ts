/**
 * The app factory: one Hono app for both runtimes, built from injected services.
 */
import { Hono } from "hono/tiny";
import { rollupError, toResponse } from "./http/answers.ts";
import { accessLog, answerNoted } from "./observability/access.ts";
import { deliveriesRoutes } from "./routes/deliveries.ts";
import {
  answerIn,
  incomingHandler,
  incomingRoutes,
  INCOMING_ROUTES,
  slackHookPath,
  type IncomingHandler,
} from "./routes/incoming.ts";
import { opsRoutes } from "./routes/ops.ts";
import { outgoingRoutes } from "./routes/outgoing.ts";
import { respondRoutes } from "./routes/respond.ts";
import { slackApiRoutes } from "./routes/slack-api.ts";
import type { Services } from "./services.ts";
import { trimEndOf } from "./text/trim.ts";

export interface AppOptions {
  /** The base URL printed for hooks when the config has no `publicUrl` (e.g. http://127.0.0.1:3000). */
  readonly baseUrl?: string;
  /** The incoming-webhook handler, when the runtime also calls it directly (Node). */
  readonly incoming?: IncomingHandler;
}

export function createApp(services: Services, opts: AppOptions = {}): Hono {
  const { config } = services;
  const access = accessLog(services.metrics, services.logger);
  // Not strict: `/services/T/B/token/` is the same hook (Slack and Mattermost accept both).
  const app = new Hono({ strict: false });

  app.use(async function recordAccess(c, next) {
    const started = performance.now();
    await next();
    access.request(
      c.req.method,
      c.req.routePath === "/*" ? "unmatched" : c.req.routePath,
      c.res.status,
      started,
      answerNoted(c.req.raw),
    );
  });

  const base = trimEndOf(config.publicUrl ?? opts.baseUrl ?? "", "/");
  const hooks = () =>
    config.incoming.map((h) => {
      const path = slackHookPath(h.token);
      return { name: h.name, path, url: `${base}${path}` };
    });

  app.route(
    "/",
    incomingRoutes(opts.incoming ?? incomingHandler(services), (route, err) => access.unexpected(route, err)),
  );
  app.route("/", outgoingRoutes(config, services.relay));
  app.route("/", respondRoutes(services.relay, services.rocketchat, config.limits.maxBodyBytes));
  app.route(
    "/",
    slackApiRoutes({
      config,
      webApi: services.webApi,
      rateLimiter: services.rateLimiter,
      metrics: services.metrics,
      logger: services.logger,
    }),
  );
  app.route("/", opsRoutes(services, hooks));
  app.route("/", deliveriesRoutes(services));

  app.notFound((c) => c.text("not_found", 404));
  // Unexpected failures: logged, never a stack trace to the caller (Slack's rollup_error).
  app.onError((err, c) => {
    access.unexpected(c.req.routePath, err);
    return toResponse(
      c.req.routePath === INCOMING_ROUTES.rocketchat ? answerIn("rocketchat", rollupError) : rollupError,
    );
  });
  return app;
}
