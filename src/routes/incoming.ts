/**
 * Incoming webhooks: `POST /services/{T}/{B}/{token}` (Slack) and `POST /hooks/{token}`
 * (Mattermost). Answers exactly as Slack does (CONTRACT §3).
 */
import { Hono } from "hono";
import type { DeliveryJob } from "../delivery/deliver.ts";
import { slackError, slackOk } from "../http/answers.ts";
import { decodePayload, readLimited } from "../http/body.ts";
import { newMessageId } from "../rocketchat/ids.ts";
import type { Services } from "../services.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { translateIncoming, type Dialect } from "../translate/incoming.ts";

export function incomingRoutes(services: Services): Hono {
  const app = new Hono();
  // Built once: a hook with its own time zone translates with its own context.
  const contexts = new Map(
    services.config.incoming.map((h) => [h.name, h.timeZone ? { ...services.translate, timeZone: h.timeZone } : services.translate]),
  );
  const handle = (dialect: Dialect) => async (request: Request, token: string): Promise<Response> => {
    const hook = await services.hooks.find(token);
    if (!hook) return slackError({ code: "no_service" });

    const allowed = services.rateLimiter.take(hook.name, hook.rateLimit);
    if (!allowed.allowed) return slackError({ code: "rate_limited", retryAfterSeconds: allowed.retryAfterSeconds });

    const body = await readLimited(request, services.config.limits.maxBodyBytes);
    if (!body.ok) return slackError({ code: body.error });
    const payload = parseSlackPayload(await decodePayload(body.value, request.headers.get("content-type"), new URL(request.url).searchParams));
    if (!payload) return slackError({ code: "invalid_payload" });

    const translated = translateIncoming(payload, hook, contexts.get(hook.name)!, hook.dialect ?? dialect);
    if (!translated.ok) return slackError(translated.error);

    const { room, threadTs, messages } = translated.value;
    const withIds = messages.map((m) => ({ ...m, _id: newMessageId() }));
    const job: DeliveryJob = { id: withIds[0]!._id, source: hook.name, room, messages: withIds, acceptedAt: services.now(), ...(threadTs ? { threadTs } : {}) };
    const outcome = await services.delivery.submit(job);
    if (outcome.kind === "failed") return slackError({ code: outcome.error, ...(outcome.retryAfterSeconds ? { retryAfterSeconds: outcome.retryAfterSeconds } : {}) });
    return slackOk();
  };

  const slack = handle("slack");
  const markdown = handle("markdown");
  app.post("/services/:team/:bot/:token", (c) => slack(c.req.raw, c.req.param("token")));
  app.post("/hooks/:token", (c) => markdown(c.req.raw, c.req.param("token")));
  return app;
}
