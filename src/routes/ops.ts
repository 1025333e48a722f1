/** Operations: health, Prometheus metrics, and the inbox or status page at `/`. */
import { inboxExtras, loadEmoji } from "#inbox-extras";
import { Hono } from "hono/tiny";
import { INBOX_CSS, inboxPage, type InboxHook } from "../inbox/page.ts";
import { where } from "../config/summary.ts";
import type { Services } from "../services.ts";

/**
 * The inbox page's policy: its own script, style and requests only; images from anywhere a
 * message links them (http(s)).
 */
export const INBOX_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function opsRoutes(services: Services, hooks: () => InboxHook[]): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/metrics",
    () =>
      new Response(services.metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      }),
  );
  const { inbox } = services;
  app.get("/", async (c) => {
    if (inbox) {
      c.header("content-security-policy", INBOX_CSP);
      const list = hooks();
      return c.html(inboxPage(inbox.all(), list, inbox.revision, await loadEmoji(), inboxExtras?.controls(list)));
    }
    const cfg = services.config;
    return c.text(
      `slackline: ${cfg.incoming.length} incoming hook(s), ${cfg.outgoing.length} outgoing rule(s), delivering to ${cfg.rocketchat ? where(cfg.rocketchat.url, true) : "the built-in inbox"}\n`,
    );
  });
  app.get("/inbox.json", (c) => (inbox ? c.json(inbox.recent()) : c.notFound()));
  if (!inbox) return app;
  app.get(
    "/inbox.css",
    () =>
      new Response(INBOX_CSS, { headers: { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" } }),
  );
  inboxExtras?.routes(app, inbox);
  return app;
}
