/** Operations: health, Prometheus metrics, and the inbox or status page at `/`. */
import { Hono } from "hono";
import { inboxPage } from "../inbox/page.ts";
import type { Services } from "../services.ts";

/** The inbox page runs no script and loads nothing but images; links leave it. */
const INBOX_CSP = "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function opsRoutes(services: Services, hookUrls: () => string[]): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/metrics", () => new Response(services.metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
  app.get("/", (c) => {
    if (services.inbox) return c.html(inboxPage(services.inbox.recent(), hookUrls()), 200, { "content-security-policy": INBOX_CSP });
    const cfg = services.config;
    return c.text(
      `slackline: ${cfg.incoming.length} incoming hook(s), ${cfg.outgoing.length} outgoing rule(s), delivering to ${withoutCredentials(cfg.rocketchat?.url)}\n`,
    );
  });
  app.get("/inbox.json", (c) => (services.inbox ? c.json(services.inbox.recent()) : c.notFound()));
  return app;
}

/** A URL as it may be shown: `user:pass@` removed. */
function withoutCredentials(url: string | undefined): string {
  if (url === undefined) return "the built-in inbox";
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, "$1");
}
