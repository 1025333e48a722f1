/**
 * The slice of Slack's Web API that bots answer through (slack.md A7): `auth.test` and
 * `chat.postMessage`, under `/api/`, so a bot's `slackApiUrl` can point at slackline (Bolt's
 * `say()` and `client.chat.postMessage`). Slack's rules: "The answer is always HTTP 200 with
 * `{"ok":true,…}` or `{"ok":false,"error":"code"}`"; "A 429 comes with `Retry-After`"; auth is
 * `Authorization: Bearer …` "or a `token` parameter"; bodies are forms ("nested JSON carried as
 * strings") or JSON. Accepted tokens are the targets' `botToken`s.
 */
import { Hono, type Context } from "hono";
import type { OutgoingConfig, TargetConfigInput } from "../config/schema.ts";
import { parseMediaType, readLimited } from "../http/body.ts";
import { TokenIndex } from "../http/tokens.ts";
import { toSlackBotId, toSlackChannelId } from "../outgoing/ids.ts";
import { noteAnswer } from "../observability/access.ts";
import { botUserIdOf, workspaceOf } from "../outgoing/relay.ts";
import { postMessages, roomForSlackChannel } from "../outgoing/replies.ts";
import { DEFAULT_API_APP_ID } from "../outgoing/slack-requests.ts";
import type { Services } from "../services.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { translateIncoming } from "../translate/incoming.ts";

interface Bot {
  readonly rule: OutgoingConfig;
  readonly target: TargetConfigInput;
}

type Args = Record<string, unknown>;
type Answer =
  | { readonly ok: true; readonly [key: string]: unknown }
  | { readonly ok: false; readonly error: string; readonly retryAfterSeconds?: number };

/** Fields Slack documents as JSON inside a form field. */
const NESTED = ["attachments", "blocks", "metadata"];
/** A Slack channel id as a bot holds it: ours (`C` + base32) or one from the config. */
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]+$/;

/** Delivery's answers in Web API words (chat.postMessage's documented errors). */
const API_ERRORS: Partial<Record<SlackErrorCode, string>> = {
  channel_is_archived: "is_archived",
  action_prohibited: "restricted_action",
  invalid_payload: "invalid_arguments",
};

export function slackApiRoutes(services: Services): Hono {
  const app = new Hono();
  const bots = new TokenIndex<Bot>(
    services.config.outgoing.flatMap((rule) =>
      rule.targets.flatMap((target) => (target.botToken ? [[target.botToken, { rule, target }] as const] : [])),
    ),
  );
  const methods: Record<string, (bot: Bot, args: Args) => Promise<Answer>> = {
    "auth.test": async (bot) => authTest(services, bot),
    "chat.postMessage": (bot, args) => postMessage(services, bot, args),
  };

  app.on(["GET", "POST"], "/api/:method", async (c) => {
    const name = c.req.param("method");
    const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (!method) return answer(c, { ok: false, error: "unknown_method" });
    const args = await readArgs(c.req.raw, services.config.limits.maxBodyBytes);
    if (!args.ok) return answer(c, args);

    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const token = bearer ?? (typeof args.value["token"] === "string" ? args.value["token"] : undefined);
    if (!token) return answer(c, { ok: false, error: "not_authed" });
    const bot = bots.find(token);
    if (!bot) return answer(c, { ok: false, error: "invalid_auth" });
    return answer(c, await method(bot, args.value), bot.rule.name);
  });
  return app;
}

function answer(c: Context, a: Answer, bot?: string): Response {
  noteAnswer(c.req.raw, { code: a.ok ? "ok" : a.error, ...(bot !== undefined && { hook: bot }) });
  if (a.ok || a.retryAfterSeconds === undefined) return c.json(a);
  c.header("Retry-After", String(Math.max(1, Math.ceil(a.retryAfterSeconds))));
  return c.json({ ok: false, error: a.error }, 429);
}

/** Query, then form or JSON body; a form's nested JSON fields decoded. */
async function readArgs(request: Request, limit: number): Promise<{ ok: true; value: Args } | { ok: false; error: string }> {
  const body = await readLimited(request, limit);
  if (!body.ok) return { ok: false, error: body.error === "request_too_large" ? body.error : "invalid_form_data" };
  const args: Args = Object.fromEntries(new URL(request.url).searchParams);
  const text = new TextDecoder().decode(body.value).trim();
  if (text === "") return { ok: true, value: args };
  const media = parseMediaType(request.headers.get("content-type"));
  const form = media.type === "application/x-www-form-urlencoded";
  if (media.type === "application/json" || (!form && text.startsWith("{"))) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, error: "invalid_json" };
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, error: "invalid_json" };
    Object.assign(args, json);
  } else if (form) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(text)));
  } else {
    return { ok: false, error: "invalid_form_data" };
  }
  for (const key of NESTED) {
    const v = args[key];
    if (typeof v !== "string") continue;
    try {
      args[key] = JSON.parse(v);
    } catch {
      return { ok: false, error: key === "blocks" ? "invalid_blocks_format" : "invalid_arguments" };
    }
  }
  return { ok: true, value: args };
}

function authTest(services: Services, { rule, target }: Bot): Answer {
  const workspace = workspaceOf(services);
  return {
    ok: true,
    url: workspace.url,
    team: target.teamDomain ?? workspace.teamDomain,
    user: "slackline",
    team_id: target.teamId ?? workspace.teamId,
    user_id: botUserIdOf(services),
    bot_id: toSlackBotId(rule.name),
    app_id: target.apiAppId ?? DEFAULT_API_APP_ID,
    is_enterprise_install: false,
  };
}

/**
 * `chat.postMessage` → the same translation as an incoming webhook, then delivery. `channel` is
 * one of slackline's `C…` ids, a config-mapped Slack id, a user id slackline knows (a direct
 * message), `#name`, or a Rocket.Chat room id. The answer's `ts` is the stored message's, and is
 * remembered, so a later `thread_ts` with it threads under that message.
 */
async function postMessage(services: Services, { rule }: Bot, args: Args): Promise<Answer> {
  const channel = typeof args["channel"] === "string" ? args["channel"].trim() : "";
  if (channel === "") return { ok: false, error: "channel_not_found" };
  const ctx = services.outgoing.names.context(services.translate);
  const user = Object.hasOwn(ctx.users, channel) ? ctx.users[channel] : undefined;
  const room = user !== undefined ? `@${user}` : roomForSlackChannel(channel);

  const payload = parseSlackPayload({ ...args, channel: room });
  if (!payload) return { ok: false, error: "invalid_arguments" };
  const hook = { channel: room, allowChannelOverride: true, allowUsernameOverride: true, allowIconOverride: true };
  const translated = translateIncoming(payload, hook, ctx, "slack");
  if (!translated.ok) return { ok: false, error: API_ERRORS[translated.error.code] ?? translated.error.code };

  const { room: target, messages, threadTs } = translated.value;
  const posted = await postMessages(services, rule.name, target, messages, threadTs);
  if (!("ts" in posted)) {
    const { error, retryAfterSeconds } = posted.outcome;
    if (retryAfterSeconds !== undefined) return { ok: false, error: "ratelimited", retryAfterSeconds };
    return { ok: false, error: API_ERRORS[error] ?? error };
  }
  const { ts, rid } = posted;
  const message: Record<string, unknown> = {
    type: "message",
    subtype: "bot_message",
    text: payload.text ?? "",
    bot_id: toSlackBotId(rule.name),
  };
  if (payload.username !== undefined) message["username"] = payload.username;
  if (payload.attachments !== undefined) message["attachments"] = payload.attachments;
  if (payload.blocks !== undefined) message["blocks"] = payload.blocks;
  message["ts"] = ts;
  if (threadTs !== undefined) message["thread_ts"] = threadTs;
  return { ok: true, channel: SLACK_CHANNEL_ID.test(channel) ? channel : toSlackChannelId(rid), ts, message };
}
