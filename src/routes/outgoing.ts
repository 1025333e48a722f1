/**
 * `POST /outgoing/{name}`: the URL given to a Rocket.Chat outgoing webhook (docs/contract.md §3.3).
 * Rocket.Chat retries any answer but 2xx, 410 and 500, and treats an empty 200 body as a
 * failure (docs/rocketchat.md §4.5–§4.6), so every case it should not retry is a 200 with JSON.
 */
import { Hono } from "hono/tiny";
import { decodePayload, queryOf, readLimited } from "../http/body.ts";
import { secretEquals } from "../http/tokens.ts";
import { parseOutgoingEvent } from "../outgoing/event.ts";
import { matchEvent } from "../outgoing/match.ts";
import type { Relay } from "../outgoing/relay.ts";
import { eventIdFor, eventKey } from "../outgoing/event.ts";
import { slackDirectory } from "../outgoing/to-slack.ts";
import type { Config } from "../config/schema.ts";
import { trimEndOf } from "../text/trim.ts";

export function outgoingRoutes(config: Config, relay: Relay): Hono {
  const app = new Hono();
  const rules = new Map(config.outgoing.map((rule) => [rule.name, rule]));
  const directory = slackDirectory(config.users, config.channels);

  app.post("/outgoing/:name", async (c) => {
    const rule = rules.get(c.req.param("name"));
    if (!rule) return c.json({ ok: false, error: "no_service" }, 404);

    const body = await readLimited(c.req.raw, config.limits.maxBodyBytes);
    if (!body.ok) return c.json({ ok: false, error: body.error }, body.error === "request_too_large" ? 413 : 400);
    const query = queryOf(c.req.url);
    const parsed = parseOutgoingEvent(await decodePayload(body.value, c.req.header("content-type") ?? null, query));
    if (parsed.kind === "invalid") return c.json({ ok: false, error: "invalid_payload" }, 400);

    // "`token`: sent in the body; it is the only authenticity signal" (docs/rocketchat.md §4.1).
    const token = parsed.kind === "message" ? parsed.event.token : parsed.token;
    if (!secretEquals(token, rule.rocketchatToken)) return c.json({ ok: false, error: "invalid_token" }, 403);
    // Room and user events carry no message (docs/rocketchat.md §4.4): nothing a Slack bot would be sent.
    if (parsed.kind === "other") return c.json({ ok: true, matched: false, reason: "event" });

    const match = matchEvent(rule, parsed.event, config.rocketchat?.userId);
    if (!match.matched) return c.json({ ok: true, matched: false, reason: match.reason });

    // A replayed event (Rocket.Chat's retry, or anyone's) reaches no bot a second time.
    const key = eventKey(rule.name, parsed.event);
    if (!(await relay.deps.stores.seen.firstSight(key))) return c.json({ ok: true, matched: true, duplicate: true });

    // Without REST credentials slackline cannot post as a bot, but Rocket.Chat posts what the
    // answer to its webhook holds: one target's reply goes back inline. With several targets
    // only one answer is possible, so their replies go to the built-in inbox as usual.
    const inline = config.rocketchat === undefined && rule.targets.length === 1;
    const baseUrl = trimEndOf(config.publicUrl ?? new URL(c.req.url).origin, "/");
    const results = await relay.relayEvent({
      rule,
      event: parsed.event,
      match,
      directory,
      baseUrl,
      inline,
      eventId: await eventIdFor(key),
    });
    const reply = results.find((r) => r.inline !== undefined)?.inline;
    if (reply) return c.json(reply);
    return c.json({ ok: true, matched: true, targets: results.map(({ format, outcome }) => ({ format, outcome })) });
  });
  return app;
}
