/**
 * The app factory: one Hono app for both runtimes, built from injected services.
 */
import { Hono } from "hono";
import { deliveriesRoutes } from "./routes/deliveries.ts";
import { incomingRoutes } from "./routes/incoming.ts";
import { opsRoutes } from "./routes/ops.ts";
import { outgoingRoutes } from "./routes/outgoing.ts";
import { respondRoutes } from "./routes/respond.ts";
import { slackApiRoutes } from "./routes/slack-api.ts";
import type { Services } from "./services.ts";

export interface AppOptions {
  /** The base URL printed for hooks when the config has no `publicUrl` (e.g. http://127.0.0.1:3000). */
  readonly baseUrl?: string;
}

export function createApp(services: Services, opts: AppOptions = {}): Hono {
  const { metrics, logger, config } = services;
  // Not strict: `/services/T/B/token/` is the same hook (Slack and Mattermost accept both).
  const app = new Hono({ strict: false });

  // One line and one metric per request, by route pattern: paths carry hook tokens.
  app.use(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ route, status: String(c.res.status) });
    metrics.requestSeconds.observe(seconds, { route });
    logger.info(`${c.req.method} ${route} ${c.res.status} ${(seconds * 1000).toFixed(1)}ms`);
  });

  const base = (config.publicUrl ?? opts.baseUrl ?? "").replace(/\/+$/, "");
  const hookUrls = () => config.incoming.map((h) => `${base}/services/T0000000/B0000000/${h.token}`);

  app.route("/", incomingRoutes(services));
  app.route("/", outgoingRoutes(services));
  app.route("/", respondRoutes(services));
  app.route("/", slackApiRoutes(services));
  app.route("/", opsRoutes(services, hookUrls));
  app.route("/", deliveriesRoutes(services));

  app.notFound((c) => c.text("not_found", 404));
  // Unexpected failures: logged here, never a stack trace to the caller (Slack's rollup_error).
  app.onError((err, c) => {
    logger.error("unhandled error", { route: c.req.routePath, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return c.text("rollup_error", 500);
  });
  return app;
}
