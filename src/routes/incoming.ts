/**
 * Incoming webhooks: `POST /services/{T}/{B}/{token}` (Slack) and `POST /hooks/{token}`
 * (Mattermost). Answers exactly as Slack does (CONTRACT §3).
 *
 * The handler sees a request as `IncomingRequest`, not a web `Request`: the Hono routes below
 * adapt one, and on Node the server answers these two routes straight from node:http
 * (src/http/node-server.ts) with the same handler.
 */
import { Hono } from "hono";
import type { DeliveryJob } from "../delivery/deliver.ts";
import { slackError, slackOk, toResponse, type SlackAnswer } from "../http/answers.ts";
import { decodePayload, queryOf, readLimited, type BodyError } from "../http/body.ts";
import { newMessageId } from "../rocketchat/ids.ts";
import type { Services } from "../services.ts";
import type { Result } from "../slack/errors.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { translateIncoming, type Dialect } from "../translate/incoming.ts";

/** The route patterns, as the access log and metrics name them. */
export const INCOMING_ROUTES = { slack: "/services/:team/:bot/:token", markdown: "/hooks/:token" } as const satisfies Record<Dialect, string>;

export interface IncomingRequest {
  readonly dialect: Dialect;
  readonly token: string;
  readonly contentType: string | null;
  /** The query string without `?`; `""` when there is none. */
  readonly query: string;
  /** The body, refusing more than `limit` bytes. Read only for a known hook within its rate. */
  readBody(limit: number): Promise<Result<Uint8Array, BodyError>>;
}

export type IncomingHandler = (request: IncomingRequest) => Promise<SlackAnswer>;

export function incomingHandler(services: Services): IncomingHandler {
  // Built once: a hook with its own time zone translates with its own context.
  const contexts = new Map(
    services.config.incoming.map((h) => [h.name, h.timeZone ? { ...services.translate, timeZone: h.timeZone } : services.translate]),
  );
  const { maxBodyBytes } = services.config.limits;
  return async (request) => {
    const hook = services.hooks.find(request.token);
    if (!hook) return slackError({ code: "no_service" });

    const allowed = await services.rateLimiter.take(hook.name, hook.rateLimit);
    if (!allowed.allowed) return slackError({ code: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds });

    const body = await request.readBody(maxBodyBytes);
    if (!body.ok) return slackError({ code: body.error });
    const payload = parseSlackPayload(await decodePayload(body.value, request.contentType, request.query));
    if (!payload) return slackError({ code: "invalid_payload" });

    const translated = translateIncoming(payload, hook, contexts.get(hook.name)!, hook.dialect ?? request.dialect);
    if (!translated.ok) return slackError(translated.error);

    const { room, threadTs, messages } = translated.value;
    const withIds = messages.map((m) => ({ ...m, _id: newMessageId() }));
    const job: DeliveryJob = { id: withIds[0]!._id, source: hook.name, room, messages: withIds, acceptedAt: services.now(), ...(threadTs ? { threadTs } : {}) };
    const outcome = await services.delivery.submit(job);
    if (outcome.kind === "failed") return slackError({ code: outcome.error, ...(outcome.retryAfterSeconds ? { retryAfterSeconds: outcome.retryAfterSeconds } : {}) });
    return slackOk;
  };
}

export function incomingRoutes(handle: IncomingHandler): Hono {
  const app = new Hono();
  const adapt = (dialect: Dialect, raw: Request, token: string): Promise<Response> =>
    handle({
      dialect,
      token,
      contentType: raw.headers.get("content-type"),
      query: queryOf(raw.url),
      readBody: (limit) => readLimited(raw, limit),
    }).then(toResponse);
  app.post(INCOMING_ROUTES.slack, (c) => adapt("slack", c.req.raw, c.req.param("token")));
  app.post(INCOMING_ROUTES.markdown, (c) => adapt("markdown", c.req.raw, c.req.param("token")));
  return app;
}
