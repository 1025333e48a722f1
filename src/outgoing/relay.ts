/**
 * One matched Rocket.Chat event → every target of its rule, concurrently, each under its own
 * timeout; then each target's reply → Rocket.Chat, as soon as it comes. A slow, failing,
 * redirecting or babbling bot costs only its own outcome: nothing here throws.
 */
import type { OutgoingConfig, TargetConfigInput } from "../config/schema.ts";
import type { UpstreamResponse } from "../http/upstream.ts";
import type { RelayDeps } from "./deps.ts";
import type { OutgoingMessageEvent } from "./event.ts";
import { isTime, toSlackChannelId, toSlackUserId } from "../slack/ids.ts";
import { mintTs } from "../state/ts-map.ts";
import type { MatchSuccess } from "./match.ts";
import {
  inlineReply,
  postMessages,
  prepareReply,
  type AnswerKind,
  type Posted,
  type PreparedReply,
} from "./replies.ts";
import type { ReplyOrigin } from "../state/response-urls.ts";
import { parseSlackReply, type SlackReply } from "./reply.ts";
import type { RocketChatMessageDraft } from "../model/message.ts";
import type { SlackResult } from "../slack/errors.ts";
import { buildSlackRequest, newEventId, newTriggerId, type SlackRequestContext } from "./slack-requests.ts";
import { rocketChatToSlack, type SlackDirectory } from "./to-slack.ts";

export type TargetOutcome =
  /** The bot answered and its reply was posted (or is queued). */
  | "replied"
  /** The bot answered without anything to post (or, for events, its body does not count). */
  | "no_reply"
  /** The reply goes back inline in the answer to Rocket.Chat. */
  | "inline"
  | "timeout"
  | "network_error"
  | "redirect"
  | "http_error"
  | "invalid_reply"
  | "reply_failed";

export interface TargetResult {
  readonly format: TargetConfigInput["format"];
  readonly outcome: TargetOutcome;
  /** With `inline`: the body for Rocket.Chat. */
  readonly inline?: Record<string, unknown>;
}

export interface RelayInput {
  readonly rule: OutgoingConfig;
  readonly event: OutgoingMessageEvent;
  readonly match: MatchSuccess;
  readonly directory: SlackDirectory;
  /** Where `/respond/{id}` is reachable: `publicUrl`, else the request's origin. */
  readonly baseUrl: string;
  /** Answer the reply inline instead of posting it (no REST credentials, one target). */
  readonly inline: boolean;
  /** The Events API `event_id`: the same for a replay of the same event (src/outgoing/seen.ts). */
  readonly eventId?: string;
}

/** Bot replies are messages: 1 MiB is plenty, and a bot cannot make slackline buffer more. */
const MAX_REPLY_BYTES = 1024 * 1024;

/** The relay, over the dependencies it was built with: what the routes and the Web API call. */
export interface Relay {
  readonly deps: RelayDeps;
  /** One matched event → every target of its rule (see relayEvent). */
  relayEvent(input: RelayInput): Promise<TargetResult[]>;
  /** A bot's answer → the messages it asks for (see prepareReply). */
  prepareReply(
    origin: ReplyOrigin,
    reply: SlackReply,
    kind: AnswerKind,
  ): Promise<SlackResult<PreparedReply | undefined>>;
  /** Messages → one delivery job, each message's ts remembered (see postMessages). */
  postMessages(
    source: string,
    room: string,
    drafts: readonly RocketChatMessageDraft[],
    threadTs?: string,
  ): Promise<Posted>;
}

export function createRelay(deps: RelayDeps): Relay {
  return {
    deps,
    relayEvent: (input) => relayEvent(deps, input),
    prepareReply: (origin, reply, kind) => prepareReply(deps, origin, reply, kind),
    postMessages: (source, room, drafts, threadTs) => postMessages(deps, source, room, drafts, threadTs),
  };
}

export async function relayEvent(deps: RelayDeps, input: RelayInput): Promise<TargetResult[]> {
  const { rule, event, directory } = input;
  const nowSeconds = deps.now() / 1000;
  const origin: ReplyOrigin = {
    source: rule.name,
    rid: event.channel_id,
    messageId: event.message_id,
    userName: event.user_name,
    ...(event.tmid !== undefined ? { tmid: event.tmid } : {}),
  };

  const sentAt = isTime(event.timestamp) ? event.timestamp : new Date(Math.floor(nowSeconds) * 1000);
  const ts = await mintTs(deps.stores.ts, sentAt, { rid: event.channel_id, messageId: event.message_id });
  const threadTs = event.tmid === undefined ? undefined : await rootTs(deps, event.tmid);
  // Ids from the config's maps when it has them, so the bot's answer maps back the same way.
  const userId = directory.userIds.get(event.user_name) ?? toSlackUserId(event.user_id);
  const mapped = event.channel_name === undefined ? undefined : directory.channelIds.get(event.channel_name);
  const channelId = mapped ?? toSlackChannelId(event.channel_id);
  deps.stores.names.learnUser(userId, event.user_name);
  if (event.channel_name !== undefined) deps.stores.names.learnChannel(channelId, event.channel_name);

  const { workspace } = deps;
  const request: TargetRequest = {
    origin,
    // Bots get the text as Slack would send it; matching was done on Rocket.Chat's.
    event: { ...event, text: rocketChatToSlack(event.text, directory) },
    match: { ...input.match, textAfterTrigger: rocketChatToSlack(input.match.textAfterTrigger, directory) },
    ctx: {
      nowSeconds,
      ts,
      triggerId: newTriggerId(nowSeconds),
      eventId: input.eventId ?? newEventId(),
      teamId: workspace.teamId,
      teamDomain: workspace.teamDomain,
      serviceId: rule.name,
      channelId,
      userId,
      botUserId: workspace.botUserId,
      ...(threadTs !== undefined ? { threadTs } : {}),
    },
    baseUrl: input.baseUrl,
    inline: input.inline,
  };
  return Promise.all(rule.targets.map((target, index) => callTarget(deps, request, target, index)));
}

interface TargetRequest {
  readonly origin: ReplyOrigin;
  readonly event: OutgoingMessageEvent;
  readonly match: MatchSuccess;
  readonly ctx: SlackRequestContext;
  readonly baseUrl: string;
  readonly inline: boolean;
}

async function callTarget(
  deps: RelayDeps,
  req: TargetRequest,
  target: TargetConfigInput,
  index: number,
): Promise<TargetResult> {
  const result = (outcome: TargetOutcome, reason?: string, inline?: Record<string, unknown>): TargetResult => {
    deps.metrics.relayed.inc({ format: target.format, outcome });
    if (reason !== undefined) {
      // The rule, the target's index and its origin only: paths and bodies may hold secrets.
      const where = { rule: req.origin.source, target: index, origin: new URL(target.url).origin };
      deps.logger.warn("outgoing target failed", { ...where, outcome, reason });
    }
    return inline === undefined ? { format: target.format, outcome } : { format: target.format, outcome, inline };
  };
  try {
    const responseUrl =
      target.format === "slash-command"
        ? `${req.baseUrl}/respond/${await deps.stores.responseUrls.create(req.origin)}`
        : undefined;
    const ctx = responseUrl === undefined ? req.ctx : { ...req.ctx, responseUrl };
    const request = await buildSlackRequest(target, req.event, req.match, ctx);
    let res: UpstreamResponse;
    try {
      res = await deps.upstream(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        // Slack's clients treat a redirect as a failure (docs/slack.md §1.7); so does the relay.
        redirect: "manual",
        timeoutMs: target.timeoutMs,
      });
    } catch (e) {
      return result(isTimeout(e) ? "timeout" : "network_error", errorText(e));
    }
    if (res.status >= 300 && res.status < 400) {
      await res.discard();
      return result("redirect", `HTTP ${res.status}`);
    }
    const body = await res.bytes(MAX_REPLY_BYTES);
    if (!body.ok) return result("invalid_reply", body.error);
    const text = new TextDecoder().decode(body.value);
    const parsed = parseSlackReply({ status: res.status, contentType: res.header("content-type"), body: text });
    if (parsed.kind === "error") {
      if (parsed.reason === "status") return result("http_error", `HTTP ${parsed.status}`);
      return result("invalid_reply", parsed.reason);
    }
    // Events API: "Apps must return a 2xx within 3 seconds"; the body means nothing to Slack.
    if (parsed.kind === "none" || target.format === "events-api") return result("no_reply");

    const prepared = await prepareReply(deps, req.origin, parsed.reply, target.format);
    if (!prepared.ok) return result("reply_failed", prepared.error.code);
    if (prepared.value === undefined) return result("no_reply");
    if (req.inline) return result("inline", undefined, inlineReply(req.origin, prepared.value));
    const { outcome } = await postMessages(deps, req.origin.source, prepared.value.room, prepared.value.messages);
    return outcome.kind === "failed" ? result("reply_failed", outcome.error) : result("replied");
  } catch (e) {
    return result("reply_failed", errorText(e));
  }
}

/**
 * The thread root's ts: the one slackline minted, else minted now from the root's own time
 * (`chat.getMessage`); `undefined` when Rocket.Chat cannot tell.
 */
async function rootTs(deps: RelayDeps, tmid: string): Promise<string | undefined> {
  const store = deps.stores.ts;
  const known = await store.tsFor(tmid);
  if (known !== undefined) return known;
  const root = await deps.rocketchat.getMessage(tmid);
  if (!root.ok || root.value === undefined || !isTime(root.value.ts)) return undefined;
  return mintTs(store, root.value.ts, { rid: root.value.rid, messageId: tmid });
}

const isTimeout = (e: unknown): boolean => e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  return `${e.name}: ${e.message}${typeof code === "string" ? ` (${code})` : ""}`;
}
