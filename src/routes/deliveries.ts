/**
 * The delivery admin view: `GET /deliveries` (pending jobs, dead letters, recent deliveries) and
 * `POST /deliveries/{id}/retry` for a dead letter. Bearer `admin.token`; without one configured
 * the routes do not exist (404). Ids, rooms, sources, counts and errors only: no message text.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import { bearerToken } from "../http/answers.ts";
import { secretEquals } from "../http/tokens.ts";
import type { Services } from "../services.ts";

export function deliveriesRoutes(services: Services): Hono {
  const app = new Hono();
  const token = services.config.admin?.token;

  /** "404 when no admin token is configured, 401 otherwise." */
  const denied = (c: Context): Response | undefined => {
    if (token === undefined) return c.text("not_found", 404);
    const presented = bearerToken(c.req.header("authorization")) ?? "";
    if (secretEquals(presented, token)) return undefined;
    return c.json({ error: "unauthorized" }, 401, { "www-authenticate": 'Bearer realm="slackline"' });
  };

  app.get("/deliveries", async (c) => {
    const refused = denied(c);
    if (refused) return refused;
    const view = await services.delivery.view?.();
    c.header("cache-control", "no-store");
    return c.json(view ?? { counts: { pending: 0, dead: 0 }, pending: [], dead: [], recent: [] });
  });

  app.post("/deliveries/:id/retry", async (c) => {
    const refused = denied(c);
    if (refused) return refused;
    const outcome = (await services.delivery.retry?.(c.req.param("id"))) ?? { kind: "not_found" as const };
    switch (outcome.kind) {
      case "retried":
        return c.json({ retried: outcome.record });
      case "not_dead":
        return c.json({ error: "not_a_dead_letter", delivery: outcome.record }, 409);
      case "not_found":
        return c.json({ error: "not_found" }, 404);
    }
  });
  return app;
}
