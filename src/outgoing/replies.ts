/**
 * A bot's answer (a synchronous reply, a `response_url` post) → Rocket.Chat messages, through the
 * same translation as an incoming webhook (docs/contract.md §3.3), in the room the event came from.
 *
 * Rocket.Chat has no ephemeral posts over REST (docs/rocketchat.md §4.5: "There is no ephemeral
 * reply"), so what Slack would show only to the invoking user goes to them as a direct message.
 * `replace_original` and `delete_original` apply to the last message a `response_url` posted
 * (src/routes/respond.ts); here a reply is always a new message.
 */
import { newJob } from "../delivery/deliver.ts";
import type { SubmitOutcome } from "../delivery/service.ts";
import { threadRootIn, type ThreadCheck } from "../state/threads.ts";
import type { RocketChatMessageDraft } from "../model/message.ts";
import type { ReplyDeps } from "./deps.ts";
import { fail, type SlackResult } from "../slack/errors.ts";
import { ok } from "../result.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { translateIncoming, type HookSettings } from "../translate/incoming.ts";
import { fromSlackChannelId, isTime } from "../slack/ids.ts";
import type { ReplyOrigin } from "../state/response-urls.ts";
import { mintTs } from "../state/ts-map.ts";
import type { SlackReply } from "./reply.ts";

/** How the answer came: Slack shows slash-command and response_url answers ephemerally by default. */
export type AnswerKind = "outgoing-webhook" | "slash-command" | "response-url";

export interface PreparedReply {
  /** A room id, `#name`, or `@username` for a direct message. */
  readonly room: string;
  readonly messages: readonly RocketChatMessageDraft[];
}

/** The reply's `channel` as a room: one of slackline's `C…` ids → the Rocket.Chat room id. */
export function roomForSlackChannel(channel: string): string {
  const c = channel.trim();
  return fromSlackChannelId(c) ?? c;
}

/**
 * The messages a reply asks for, or `undefined` when it asks for none (`{}`, an echo-only
 * `{"response_type":"in_channel"}`, a bare `delete_original`).
 */
export async function prepareReply(
  deps: ReplyDeps,
  origin: ReplyOrigin,
  reply: SlackReply,
  kind: AnswerKind,
): Promise<SlackResult<PreparedReply | undefined>> {
  // "`response_type` is `ephemeral` (the default, visible only to the invoker) or `in_channel`."
  const ephemeral =
    reply.response_type === "ephemeral" || (reply.response_type === undefined && kind !== "outgoing-webhook");
  if (ephemeral && origin.userName === "") return ok(undefined);

  const { channel, ...rest } = reply;
  // A response_url answers in the conversation the command came from: its `channel` cannot move
  // it (an ephemeral answer goes to the invoking user). A synchronous reply may redirect.
  const redirect =
    !ephemeral && channel !== undefined && kind !== "response-url" ? { channel: roomForSlackChannel(channel) } : {};
  const payload = parseSlackPayload({ ...rest, ...redirect });
  if (payload === undefined) return fail("invalid_payload");
  const hook: HookSettings = {
    channel: ephemeral ? `@${origin.userName}` : origin.rid,
    allowChannelOverride: true,
    allowUsernameOverride: true,
    allowIconOverride: true,
  };
  const ctx = deps.stores.names.context(deps.translate);
  const translated = translateIncoming(payload, hook, ctx, "slack");
  if (!translated.ok) return translated.error.code === "no_text" ? ok(undefined) : translated;

  const { room, messages } = translated.value;
  const tmid = ephemeral ? undefined : await threadOf(deps, origin, room, reply.thread_ts);
  return ok({ room, messages: tmid === undefined ? messages : messages.map((m) => ({ ...m, tmid })) });
}

/**
 * The thread to answer in: the reply's `thread_ts` when slackline minted it, else the event's
 * own thread ("in its thread when the event was in one", docs/contract.md §3.3). Slack threads have one
 * level, so answering "in the thread of" a thread reply means its root.
 */
async function threadOf(
  deps: ReplyDeps,
  origin: ReplyOrigin,
  room: string,
  threadTs: string | undefined,
): Promise<string | undefined> {
  // A root in another room would move the answer there (docs/hostile-input.md): not kept.
  const root = threadTs === undefined ? undefined : await deps.stores.ts.get(threadTs);
  const named =
    root !== undefined && (await threadRootIn(threadCheck(deps), room, threadTs!)) ? root.messageId : undefined;
  if (named !== undefined) return named === origin.messageId && origin.tmid !== undefined ? origin.tmid : named;
  return room === origin.rid ? origin.tmid : undefined;
}

/** The thread check's view of the relay's dependencies. */
const threadCheck = (deps: ReplyDeps): ThreadCheck => ({
  rocketchat: deps.rocketchat,
  rooms: deps.rooms,
  outgoing: deps.stores,
});

/** What posting gave: the delivery outcome and, unless it failed, the first message's ts. */
export type Posted =
  | { readonly outcome: Extract<SubmitOutcome, { kind: "failed" }> }
  | { readonly outcome: SubmitOutcome; readonly ts: string; readonly rid: string };

/**
 * Posts messages as one delivery job and remembers the ts of each, so a bot's later `thread_ts`
 * finds them. A job only queued (an outbox) is not stored yet: its first message's ts is minted
 * from the acceptance time, and its room is still the target as given.
 */
export async function postMessages(
  deps: ReplyDeps,
  source: string,
  room: string,
  drafts: readonly RocketChatMessageDraft[],
  threadTs?: string,
): Promise<Posted> {
  const job = newJob(source, room, drafts, deps.now(), threadTs);
  const outcome = await deps.post.submit(job);
  if (outcome.kind === "failed") return { outcome };
  const stored: ReadonlyArray<{ _id: string; rid: string; ts?: string }> =
    outcome.kind === "delivered" ? outcome.stored : [{ _id: job.id, rid: room }];
  const minted: string[] = [];
  for (const m of stored) {
    const at = isTime(m.ts) ? m.ts : new Date(job.acceptedAt);
    minted.push(await mintTs(deps.stores.ts, at, { rid: m.rid, messageId: m._id }));
  }
  return { outcome, ts: minted[0]!, rid: stored[0]!.rid };
}

/**
 * A reply as the body of the HTTP answer to Rocket.Chat's outgoing webhook, in the fields it
 * reads (docs/rocketchat.md §4.5, §1.3): `text`, `alias`, `avatar`, `emoji`, `attachments`, `tmid`,
 * and `channel` to redirect it (an ephemeral answer → `@user`). Rocket.Chat has no size check on
 * this path, so split parts are joined again.
 */
export function inlineReply(origin: ReplyOrigin, prepared: PreparedReply): Record<string, unknown> {
  const first = prepared.messages[0]!;
  const attachments = prepared.messages.flatMap((m) => m.attachments ?? []);
  const body: Record<string, unknown> = { text: prepared.messages.map((m) => m.msg).join("\n") };
  if (first.alias !== undefined) body["alias"] = first.alias;
  if (first.avatar !== undefined) body["avatar"] = first.avatar;
  if (first.emoji !== undefined) body["emoji"] = first.emoji;
  if (attachments.length > 0) body["attachments"] = attachments;
  if (first.tmid !== undefined) body["tmid"] = first.tmid;
  if (prepared.room !== origin.rid) body["channel"] = prepared.room;
  return body;
}
