import type { OutgoingMessageEvent } from "./event.ts";
import { toSlackChannelId, toSlackTs, toSlackUserId } from "../slack/ids.ts";
import type { MatchSuccess } from "./match.ts";
import { slackSignatureHeaders } from "./signing.ts";

/** One `outgoing[].targets[]` entry. */
export interface TargetConfig {
  url: string;
  format: "outgoing-webhook" | "slash-command" | "events-api";
  token?: string;
  signingSecret?: string;
  command?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  timeoutMs?: number;
}

export interface SlackRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SlackRequestContext {
  /** Send time (epoch seconds): the signature timestamp, and the time of an edit. */
  nowSeconds: number;
  /** slash-command: the gateway's `/respond/{id}` URL for this invocation. */
  responseUrl?: string;
  triggerId: string;
  eventId: string;
  /** Defaults for `team_id` / `team_domain`; a target's own `teamId` / `teamDomain` win. */
  teamId: string;
  teamDomain: string;
  serviceId: string;
  /** The event's Slack ts when the caller minted one (`mintTs`); else derived from its time. */
  ts?: string;
  /** Slack ts of the thread root when `event.tmid` is set; `thread_ts` is omitted without it. */
  threadTs?: string;
  /** Slack ids to use instead of the derived ones (e.g. from the config's `channels`/`users`). */
  channelId?: string;
  userId?: string;
  /** events-api: the app's bot user in `authorizations` (default {@link DEFAULT_BOT_USER_ID}). */
  botUserId?: string;
  /** events-api: the room type when the caller knows it (only it can tell `group`). */
  channelType?: SlackChannelType;
}

export type SlackChannelType = "channel" | "group" | "im";

/** "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)", as Slack's own requests. */
export const SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)";
/** Used when a target sets no `apiAppId`; Slack always sends `api_app_id`. */
export const DEFAULT_API_APP_ID = "ASLACKLINE";
export const DEFAULT_BOT_USER_ID = "USLACKLINE";
/** Slack's `channel_name` for a slash command run in a direct message. */
export const DM_CHANNEL_NAME = "directmessage";

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

/**
 * The request a Slack consumer expects for one matched event, signed when the target has a
 * `signingSecret` (the signature covers exactly `body`, which must be sent unchanged).
 */
export async function buildSlackRequest(
  target: TargetConfig,
  event: OutgoingMessageEvent,
  match: MatchSuccess,
  ctx: SlackRequestContext,
): Promise<SlackRequest> {
  switch (target.format) {
    case "outgoing-webhook":
      return finish(target, FORM, outgoingWebhookBody(target, event, match, ctx), ctx.nowSeconds);
    case "slash-command":
      return finish(target, FORM, slashCommandBody(target, event, match, ctx), ctx.nowSeconds);
    case "events-api":
      return finish(target, JSON_TYPE, eventCallbackBody(target, event, ctx), ctx.nowSeconds);
  }
}

async function finish(
  target: TargetConfig,
  contentType: string,
  body: string,
  nowSeconds: number,
): Promise<SlackRequest> {
  const headers: Record<string, string> = {
    "Content-Type": contentType,
    "User-Agent": SLACK_USER_AGENT,
    Accept: "application/json,*/*",
  };
  if (target.signingSecret) {
    Object.assign(headers, await slackSignatureHeaders(target.signingSecret, nowSeconds, body));
  }
  return { url: target.url, headers, body };
}

function teamOf(target: TargetConfig, ctx: SlackRequestContext): { id: string; domain: string } {
  return { id: target.teamId ?? ctx.teamId, domain: target.teamDomain ?? ctx.teamDomain };
}

/** The event's Slack ts: the minted one, else its time, else the send time. */
function messageTs(event: OutgoingMessageEvent, ctx: SlackRequestContext): string {
  if (ctx.ts !== undefined) return ctx.ts;
  const nowSeconds = ctx.nowSeconds;
  if (event.timestamp !== undefined) {
    const ms = Date.parse(event.timestamp);
    if (Number.isFinite(ms)) return toSlackTs(new Date(ms));
  }
  return toSlackTs(new Date(Math.floor(nowSeconds) * 1000));
}

const channelIdOf = (e: OutgoingMessageEvent, ctx: SlackRequestContext): string =>
  ctx.channelId ?? toSlackChannelId(e.channel_id);
const userIdOf = (e: OutgoingMessageEvent, ctx: SlackRequestContext): string => ctx.userId ?? toSlackUserId(e.user_id);
/** Rocket.Chat sends no `channel_name` for DMs; Slack says `directmessage` there. */
const channelNameOf = (e: OutgoingMessageEvent): string => e.channel_name ?? DM_CHANNEL_NAME;

/**
 * Slack's channel type from what the event tells: no `channel_name` → a direct message (`im`);
 * otherwise `channel`. Rocket.Chat's body does not say whether a named room is private, so
 * `group` comes only from `ctx.channelType`.
 */
export function channelTypeOf(event: OutgoingMessageEvent): SlackChannelType {
  return event.channel_name === undefined ? "im" : "channel";
}

function form(fields: Array<[string, string | undefined]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of fields) if (v !== undefined) params.append(k, v);
  // URLSearchParams serialises as application/x-www-form-urlencoded: spaces become `+`, as Slack's.
  return params.toString();
}

/**
 * Legacy outgoing webhook, keys in the order of Slack's example:
 * `token, team_id, team_domain, service_id, channel_id, channel_name, thread_ts, timestamp,
 * user_id, user_name, text, trigger_word`. `text` is the whole message, trigger word included;
 * `thread_ts` "appears only when the message is in a thread"; `trigger_word` is empty when no
 * words are set.
 */
function outgoingWebhookBody(
  target: TargetConfig,
  event: OutgoingMessageEvent,
  match: MatchSuccess,
  ctx: SlackRequestContext,
): string {
  const team = teamOf(target, ctx);
  return form([
    ["token", target.token],
    ["team_id", team.id],
    ["team_domain", team.domain],
    ["service_id", ctx.serviceId],
    ["channel_id", channelIdOf(event, ctx)],
    ["channel_name", channelNameOf(event)],
    ["thread_ts", event.tmid !== undefined ? ctx.threadTs : undefined],
    ["timestamp", messageTs(event, ctx)],
    ["user_id", userIdOf(event, ctx)],
    ["user_name", event.user_name],
    ["text", event.text],
    ["trigger_word", match.triggerWord ?? ""],
  ]);
}

/**
 * The command name: the target's `command` (a leading `/` added if missing); else the trigger word
 * as a command (`!deploy` → `/deploy`); else `/slackline`.
 */
export function commandOf(target: TargetConfig, match: MatchSuccess): string {
  if (target.command !== undefined && target.command !== "") {
    return target.command.startsWith("/") ? target.command : "/" + target.command;
  }
  const word = (match.triggerWord ?? "").replace(/^[^\p{L}\p{N}]+/u, "");
  return "/" + (word === "" ? "slackline" : word);
}

/**
 * Slash command, keys in the order of Slack's example (without the enterprise fields):
 * `token, team_id, team_domain, channel_id, channel_name, user_id, user_name, command, text,
 * api_app_id, is_enterprise_install, response_url, trigger_id`. `text` is what follows the trigger.
 */
function slashCommandBody(
  target: TargetConfig,
  event: OutgoingMessageEvent,
  match: MatchSuccess,
  ctx: SlackRequestContext,
): string {
  const team = teamOf(target, ctx);
  return form([
    ["token", target.token],
    ["team_id", team.id],
    ["team_domain", team.domain],
    ["channel_id", channelIdOf(event, ctx)],
    ["channel_name", channelNameOf(event)],
    ["user_id", userIdOf(event, ctx)],
    ["user_name", event.user_name],
    ["command", commandOf(target, match)],
    ["text", match.textAfterTrigger],
    ["api_app_id", target.apiAppId ?? DEFAULT_API_APP_ID],
    ["is_enterprise_install", "false"],
    ["response_url", ctx.responseUrl],
    ["trigger_id", ctx.triggerId],
  ]);
}

/**
 * Events API `event_callback` (docs/slack.md §9.2). A new message is a plain `message` event. An edit
 * (`isEdited`, with `runOnEdits`) is Slack's `message_changed`: the edited message under
 * `message` with its original `ts`, a new `ts`/`event_ts` at the send time, and no
 * `previous_message` (Rocket.Chat does not send the old text); so Slack apps do not take an edit
 * for a new message.
 */
function eventCallbackBody(target: TargetConfig, event: OutgoingMessageEvent, ctx: SlackRequestContext): string {
  const team = teamOf(target, ctx);
  const channel = channelIdOf(event, ctx);
  const channelType = ctx.channelType ?? channelTypeOf(event);
  const user = userIdOf(event, ctx);
  const ts = messageTs(event, ctx);
  const threadTs = event.tmid !== undefined ? ctx.threadTs : undefined;

  let inner: Record<string, unknown>;
  let eventTime: number;
  if (event.isEdited === true) {
    const editTs = toSlackTs(new Date(Math.floor(ctx.nowSeconds) * 1000));
    eventTime = Math.floor(ctx.nowSeconds);
    inner = {
      type: "message",
      subtype: "message_changed",
      hidden: true,
      channel,
      channel_type: channelType,
      message: {
        type: "message",
        user,
        text: event.text,
        ts,
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
        edited: { user, ts: editTs },
        team: team.id,
      },
      ts: editTs,
      event_ts: editTs,
    };
  } else {
    eventTime = Math.floor(Number(ts.split(".")[0]));
    inner = {
      type: "message",
      channel,
      channel_type: channelType,
      user,
      text: event.text,
      ts,
      event_ts: ts,
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      team: team.id,
    };
  }

  const body: Record<string, unknown> = {};
  if (target.token !== undefined) body["token"] = target.token;
  Object.assign(body, {
    team_id: team.id,
    api_app_id: target.apiAppId ?? DEFAULT_API_APP_ID,
    type: "event_callback",
    event_id: ctx.eventId,
    event_time: eventTime,
    is_ext_shared_channel: false,
    context_team_id: team.id,
    authorizations: [
      {
        enterprise_id: null,
        team_id: team.id,
        user_id: ctx.botUserId ?? DEFAULT_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    event: inner,
  });
  return JSON.stringify(body);
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomChars(n: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let out = "";
  // 256 % 36 bias is irrelevant for opaque ids.
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** A fresh Events API `event_id`, shaped like Slack's (`Ev` + uppercase alphanumerics). */
export const newEventId = (): string => "Ev" + randomChars(11, ID_CHARS);

/** A fresh `trigger_id`, shaped like Slack's (`<digits>.<digits>.<hex>`). */
export function newTriggerId(nowSeconds: number): string {
  const hex = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${Math.floor(nowSeconds)}.${randomChars(9, "0123456789")}.${hex}`;
}

/** A fresh `url_verification` challenge. */
export const newChallenge = (): string =>
  randomChars(48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
