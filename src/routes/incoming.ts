/**
 * Incoming webhooks: `POST /services/{T}/{B}/{token}` (Slack), `POST /hooks/{token}`
 * (Mattermost), both answered exactly as Slack does, and `POST /hooks/{id}/{token}`
 * (Rocket.Chat's own), answered as Rocket.Chat does (docs/rocketchat-webhooks.md).
 *
 * The handler sees a request as `IncomingRequest`, not a web `Request`: the Hono routes below
 * adapt one, and on Node the server answers these routes straight from node:http
 * (src/node/server.ts) with the same handler. It answers in Slack's terms; `answerIn`
 * puts that into the route's own words.
 */
import { Hono } from "hono/tiny";
import { newJob } from "../delivery/deliver.ts";
import {
  noted,
  rocketChatAnswer,
  rollupError,
  slackError,
  slackOk,
  toResponse,
  type SlackAnswer,
} from "../http/answers.ts";
import { noteAnswer } from "../observability/access.ts";
import { decodePayload, queryOf, readLimited, type BodyError } from "../http/body.ts";
import { threadRootIn } from "../state/threads.ts";
import type { Services } from "../services.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import type { Result } from "../result.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { hookContext, translateIncoming, type Dialect } from "../translate/incoming.ts";
import {
  parseRocketChatPayload,
  withRocketChatIdentity,
  type RocketChatRequest,
} from "../translate/rocketchat-payload.ts";

/** The route patterns, as the access log and metrics name them. The token is the last segment. */
export const INCOMING_ROUTES = {
  slack: "/services/:team/:bot/:token",
  markdown: "/hooks/:token",
  rocketchat: "/hooks/:id/:token",
} as const satisfies Record<Dialect, string>;

/** A hook's Slack-style URL path (team and bot ids are free text: any hook answers on these). */
export const slackHookPath = (token: string): string => `/services/T0000000/B0000000/${token}`;

/** The handler's (Slack) answer as the route gives it: Rocket.Chat's JSON on its own route. */
export const answerIn = (dialect: Dialect, answer: SlackAnswer): SlackAnswer =>
  dialect === "rocketchat" ? rocketChatAnswer(answer) : answer;

/** The body as the route's dialect reads it; `undefined` when it cannot be a message. */
function readPayload(dialect: Dialect, body: unknown): RocketChatRequest | undefined {
  if (dialect === "rocketchat") return parseRocketChatPayload(body);
  // Tools written for Rocket.Chat also post to `/hooks/{token}` with its `alias`/`avatar`.
  const payload = parseSlackPayload(dialect === "markdown" ? withRocketChatIdentity(body) : body);
  return payload && { payload, rooms: [] };
}

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
  const contexts = new Map(services.config.incoming.map((h) => [h.name, hookContext(services.translate, h)]));
  const { maxBodyBytes } = services.config.limits;
  // Every answer names its hook for the log and metrics; the ok answers are made once per hook.
  const oks = new Map(services.config.incoming.map((h) => [h.name, noted(slackOk, h.name)]));
  const refuse = (
    hook: string | undefined,
    code: SlackErrorCode,
    reason: string,
    retryAfterSeconds?: number,
  ): SlackAnswer =>
    noted(slackError(retryAfterSeconds === undefined ? { code } : { code, retryAfterSeconds }), hook, reason);
  return async (request) => {
    const hook = services.hooks.find(request.token);
    if (!hook) return refuse(undefined, "no_service", "no hook has this token");

    const allowed = await services.rateLimiter.take(hook.name, hook.rateLimit);
    if (!allowed.allowed)
      return refuse(
        hook.name,
        "rate_limited",
        `over the hook's rate limit (${hook.rateLimit.perSecond}/s, burst ${hook.rateLimit.burst})`,
        allowed.retryAfterSeconds,
      );

    const body = await request.readBody(maxBodyBytes);
    if (!body.ok)
      return refuse(
        hook.name,
        body.error,
        body.error === "request_too_large" ? `body over ${maxBodyBytes} bytes` : "body unreadable",
      );
    const read = readPayload(request.dialect, await decodePayload(body.value, request.contentType, request.query));
    if (!read)
      return refuse(
        hook.name,
        "invalid_payload",
        `body is not a ${DIALECT_NAMES[request.dialect]} payload (Content-Type: ${request.contentType ?? "none"})`,
      );

    // Rocket.Chat's payload is read in its own dialect whatever the hook's default.
    const dialect = request.dialect === "rocketchat" ? request.dialect : (hook.dialect ?? request.dialect);
    const { payload, rooms } = read;
    // Several rooms (Rocket.Chat's `channel` list): each is checked before any is posted to.
    const translations = [];
    for (const channel of rooms.length > 0 ? rooms : [payload.channel]) {
      const translated = translateIncoming(
        channel === payload.channel ? payload : { ...payload, channel },
        hook,
        contexts.get(hook.name)!,
        dialect,
      );
      if (!translated.ok)
        return refuse(
          hook.name,
          translated.error.code,
          TRANSLATE_REASONS.get(translated.error.code) ?? translated.error.code,
          translated.error.retryAfterSeconds,
        );
      translations.push(translated.value);
    }

    for (const { room, threadTs: given, messages } of translations) {
      // A thread root elsewhere never moves the message: it goes to `room`, outside the thread.
      const threadTs = given !== undefined && (await threadRootIn(services, room, given)) ? given : undefined;
      const outcome = await services.delivery.submit(newJob(hook.name, room, messages, services.now(), threadTs));
      if (outcome.kind === "failed")
        return refuse(
          hook.name,
          outcome.error,
          `delivery: ${outcome.reason ?? outcome.error}`,
          outcome.retryAfterSeconds,
        );
    }
    return oks.get(hook.name)!;
  };
}

const DIALECT_NAMES: Readonly<Record<Dialect, string>> = {
  slack: "Slack",
  markdown: "Mattermost",
  rocketchat: "Rocket.Chat",
};

/** Why the translation refused a payload, in the words of the hook's settings. */
const TRANSLATE_REASONS: ReadonlyMap<SlackErrorCode, string> = new Map([
  [
    "action_prohibited",
    "the payload names a channel and the hook does not allow a channel override (allowChannelOverride)",
  ],
  ["no_text", "nothing to show: no text, and no blocks or attachments that render"],
  ["too_many_attachments", "more than 100 attachments"],
  ["invalid_blocks", "blocks are not a list of objects, or more than 50"],
]);

/** What the adapter does with a failure nobody expected (a bug): log it, with the route. */
export type Unexpected = (route: string, err: unknown) => void;

/**
 * One incoming request, served the same way by both adapters (node:http on Node, the Hono route
 * everywhere): the handler's answer, Slack's `rollup_error` for a failure nobody expected (never
 * a stack trace), in the route's dialect. `sent` goes on the wire; `noted` (the Slack answer, with
 * its hook and reason) goes to the access log and metrics. The adapters differ only in reading
 * and writing bytes.
 */
export async function serveIncoming(
  handle: IncomingHandler,
  request: IncomingRequest,
  unexpected: Unexpected,
): Promise<{ readonly sent: SlackAnswer; readonly noted: SlackAnswer }> {
  let noted: SlackAnswer;
  try {
    noted = await handle(request);
  } catch (err) {
    unexpected(INCOMING_ROUTES[request.dialect], err);
    noted = rollupError;
  }
  return { sent: answerIn(request.dialect, noted), noted };
}

export function incomingRoutes(handle: IncomingHandler, unexpected: Unexpected): Hono {
  const app = new Hono();
  const adapt = async (dialect: Dialect, raw: Request, token: string): Promise<Response> => {
    const request = {
      dialect,
      token,
      contentType: raw.headers.get("content-type"),
      query: queryOf(raw.url),
      readBody: (limit: number) => readLimited(raw, limit),
    };
    const { sent, noted } = await serveIncoming(handle, request, unexpected);
    noteAnswer(raw, noted);
    return toResponse(sent);
  };
  app.post(INCOMING_ROUTES.slack, (c) => adapt("slack", c.req.raw, c.req.param("token")));
  app.post(INCOMING_ROUTES.markdown, (c) => adapt("markdown", c.req.raw, c.req.param("token")));
  app.post(INCOMING_ROUTES.rocketchat, (c) => adapt("rocketchat", c.req.raw, c.req.param("token")));
  return app;
}
