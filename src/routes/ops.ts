/** Operations: health, Prometheus metrics, and the inbox or status page at `/`. */
import { Hono } from "hono/tiny";
import { inboxPage } from "../inbox/page.ts";
import type { Services } from "../services.ts";

export function opsRoutes(services: Services, hookUrls: () => string[]): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/metrics", () => new Response(services.metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
  app.get("/", (c) => {
    if (services.inbox) return c.html(inboxPage(services.inbox.recent(), hookUrls()));
    const cfg = services.config;
    return c.text(
      `slackline: ${cfg.incoming.length} incoming hook(s), ${cfg.outgoing.length} outgoing rule(s), delivering to ${cfg.rocketchat?.url}\n`,
    );
  });
  app.get("/inbox.json", (c) => (services.inbox ? c.json(services.inbox.recent()) : c.notFound()));
  return app;
}
