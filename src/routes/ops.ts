/** Operations: health, Prometheus metrics, and the inbox or status page at `/`. */
import { loadEmoji } from "#emoji";
import { Hono } from "hono";
import { INBOX_CSS, inboxPage, messagesHtml, type InboxHook } from "../inbox/page.ts";
import { INBOX_JS } from "../inbox/script.ts";
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
  app.get("/metrics", () => new Response(services.metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
  const { inbox } = services;
  app.get("/", async (c) => {
    if (inbox) {
      c.header("content-security-policy", INBOX_CSP);
      return c.html(inboxPage(inbox.all(), hooks(), inbox.revision, await loadEmoji()));
    }
    const cfg = services.config;
    return c.text(
      `slackline: ${cfg.incoming.length} incoming hook(s), ${cfg.outgoing.length} outgoing rule(s), delivering to ${cfg.rocketchat?.url}\n`,
    );
  });
  app.get("/inbox.json", (c) => (inbox ? c.json(inbox.recent()) : c.notFound()));
  if (!inbox) return app;
  app.get("/inbox.css", () => new Response(INBOX_CSS, { headers: { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" } }));
  app.get("/inbox.js", () => new Response(INBOX_JS, { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" } }));
  // The list as the page shows it, when it changed since the page's revision.
  app.get("/inbox/messages", async (c) => {
    const since = Number(c.req.query("since"));
    if (since === inbox.revision) return c.json({ revision: inbox.revision });
    return c.json({ revision: inbox.revision, html: messagesHtml(inbox.all(), await loadEmoji()) });
  });
  // A header no cross-site form can send: only the page's own script clears the inbox.
  app.post("/inbox/clear", (c) => {
    if (c.req.header("x-slackline-inbox") !== "clear") return c.text("missing x-slackline-inbox: clear", 400);
    inbox.clear();
    return c.body(null, 204);
  });
  return app;
}
