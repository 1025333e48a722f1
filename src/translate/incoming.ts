/**
 * An incoming Slack/Mattermost webhook payload → the Rocket.Chat message(s) to post.
 * Pure: no I/O, the same on Node and Workers. Delivery resolves the room and the thread.
 */
import { markdownToRocketChat } from "../markdown/to-rocketchat.ts";
import type { RocketChatAttachment, RocketChatMessageDraft } from "../model/message.ts";
import { httpUrl, translateAttachment, type AttachmentOptions } from "../slack/attachments.ts";
import { MARKDOWN_BLOCKS_MAX_CHARS, MAX_BLOCKS, markdownBlockChars, renderBlocks } from "../slack/blocks.ts";
import { emojiName } from "../slack/emoji.ts";
import { fail, type SlackResult } from "../slack/errors.ts";
import { ok } from "../result.ts";
import { mrkdwnToRocketChat, slackTokensToMarkdown } from "../slack/mrkdwn.ts";
import { parseSlackAttachment, type SlackPayload } from "../slack/payload.ts";
import { fromSlackChannelId } from "../slack/ids.ts";
import type { TranslateContext } from "../model/context.ts";
import { rocketChatAttachment, rocketChatText } from "./rocketchat-payload.ts";
import { splitText } from "./split.ts";
import { boundedParts, CutCounter, maxPartsOf, StringBudget, structureBudget, textBudget, cutText } from "./bounds.ts";
import { neutraliseRoomMentions } from "../text/mentions.ts";

/**
 * How `text` and attachments are read: Slack mrkdwn (`/services/…`), Mattermost Markdown
 * (`/hooks/{token}`) or Rocket.Chat's own (`/hooks/{id}/{token}`, see rocketchat-payload.ts).
 */
export type Dialect = "slack" | "markdown" | "rocketchat";

/** The settings of a hook (or bot) the translator needs; the config's incoming hook has them. */
export interface HookSettings {
  /** The default room: `#name`, `@username` or a room id. */
  readonly channel: string;
  readonly allowChannelOverride: boolean;
  readonly allowUsernameOverride: boolean;
  readonly allowIconOverride: boolean;
  readonly username?: string | undefined;
  readonly iconUrl?: string | undefined;
  readonly iconEmoji?: string | undefined;
}

/** The translation context for one hook (or bot): its time zone and whether it may notify a room. */
export function hookContext(
  base: TranslateContext,
  hook: { readonly timeZone?: string | undefined; readonly allowMentionAll?: boolean | undefined },
): TranslateContext {
  if (hook.timeZone === undefined && hook.allowMentionAll !== false) return base;
  return {
    ...base,
    ...(hook.timeZone ? { timeZone: hook.timeZone } : {}),
    ...(hook.allowMentionAll === false ? { allowMentionAll: false } : {}),
  };
}

export interface IncomingTranslation {
  /** `#name`, `@username` or a room id. */
  readonly room: string;
  /** Slack `thread_ts` / Mattermost `root_id`, resolved to a Rocket.Chat `tmid` at delivery. */
  readonly threadTs?: string;
  /** In order; long text is split into several messages, attachments ride on the last. */
  readonly messages: RocketChatMessageDraft[];
}

/** Slack: "up to 100 attachments" (docs/slack.md §1.9). */
const MAX_ATTACHMENTS = 100;

export function translateIncoming(
  payload: SlackPayload,
  hook: HookSettings,
  ctx: TranslateContext,
  dialect: Dialect,
): SlackResult<IncomingTranslation> {
  const room = targetRoom(payload.channel, hook, ctx);
  if (room === undefined) return fail("action_prohibited");

  const allAttachments = payload.attachments ?? attachmentsFromProps(payload.props) ?? [];
  if (allAttachments.length > MAX_ATTACHMENTS) return fail("too_many_attachments");
  if (payload.blocksInvalid || (payload.blocks?.length ?? 0) > MAX_BLOCKS) return fail("invalid_blocks");
  const markdownChars = allAttachments.reduce(
    (n, a) => n + markdownBlockChars((a as { blocks?: unknown }).blocks),
    markdownBlockChars(payload.blocks),
  );
  if (markdownChars > MARKDOWN_BLOCKS_MAX_CHARS) return fail("invalid_blocks");

  // Bounded work: what lies past the budgets is not translated, and is counted for the note.
  const cut = new CutCounter();
  const budget = new StringBudget(structureBudget(ctx), cut);
  const payloadBlocks = payload.blocks?.length ? budget.list(payload.blocks) : undefined;
  const rawAttachments = budget.list(allAttachments);
  const payloadText =
    payload.text === undefined ? undefined : cutText(payload.text, textBudget(payload.text, ctx, dialect), cut);

  const linkNames = payload.link_names === true;
  const blocks = payloadBlocks?.length ? renderBlocks(payloadBlocks, ctx, "message", { linkNames }) : undefined;
  const blocksRender = blocks !== undefined && (blocks.text.trim() !== "" || blocks.attachments.length > 0);

  // Slack: when blocks are present, `text` is only the notification fallback.
  const rendered = blocksRender ? blocks.text.trim() : messageText(payloadText, payload, ctx, dialect, linkNames);
  const text = ctx.allowMentionAll === false ? neutraliseRoomMentions(rendered) : rendered;

  const attachments: RocketChatAttachment[] = blocksRender ? [...blocks.attachments] : [];
  const attachmentOptions: AttachmentOptions = {
    linkNames,
    renderBlocks: (b) => renderBlocks(b.slice(0, MAX_BLOCKS), ctx, "attachment", { linkNames }),
  };
  for (const raw of rawAttachments) {
    const translated =
      dialect === "rocketchat"
        ? rocketChatAttachment(raw, ctx)
        : translateAttachment(parseSlackAttachment(raw), ctx, attachmentOptions);
    for (const one of translated) attachments.push(one);
  }
  if (text === "" && attachments.length === 0 && cut.chars === 0) return fail("no_text");
  const fitted = attachments.some((a) => tooLong(a, ctx.maxMessageSize))
    ? attachments.flatMap((a) => fitAttachment(a, ctx.maxMessageSize))
    : attachments;

  const identity = senderIdentity(payload, hook);
  const parts = boundedParts(text, ctx.maxMessageSize, maxPartsOf(ctx), cut);
  const threadTs = payload.thread_ts ?? payload.root_id;
  const messages = parts.map((msg, i): RocketChatMessageDraft => {
    const m: RocketChatMessageDraft = { msg };
    if (identity.alias !== undefined) m.alias = identity.alias;
    if (identity.avatar !== undefined) m.avatar = identity.avatar;
    if (identity.emoji !== undefined) m.emoji = identity.emoji;
    m.groupable = false;
    if (i === parts.length - 1 && fitted.length > 0) m.attachments = fitted;
    if (threadTs !== undefined && payload.reply_broadcast === true) m.tshow = true;
    if (payload.unfurl_links !== undefined) m.parseUrls = payload.unfurl_links;
    return m;
  });
  return ok(threadTs === undefined ? { room, messages } : { room, threadTs, messages });
}

function messageText(
  text: string | undefined,
  payload: SlackPayload,
  ctx: TranslateContext,
  dialect: Dialect,
  linkNames: boolean,
): string {
  if (text === undefined) return "";
  if (dialect === "rocketchat") return rocketChatText(text, ctx, "message");
  if (dialect === "markdown") return markdownToRocketChat(slackTokensToMarkdown(text, ctx), ctx, "message").trim();
  return mrkdwnToRocketChat(text, ctx, {
    target: "message",
    styled: payload.mrkdwn !== false,
    linkNames,
    parseFull: payload.parse === "full",
  }).trim();
}

/**
 * The room to post in. A locked hook may still name its own room (Mattermost does the same);
 * any other override is refused (`undefined` → 403 action_prohibited).
 */
function targetRoom(channel: string | undefined, hook: HookSettings, ctx: TranslateContext): string | undefined {
  const requested = channel?.trim();
  if (!requested) return hook.channel;
  // A Slack channel id the config maps to a Rocket.Chat room name.
  const key = requested.replace(/^#/, "");
  let target = requested;
  if (Object.hasOwn(ctx.channels, key)) target = `#${ctx.channels[key]}`;
  // Slack sends a DM to a user id as `channel`; the config may know that user's name.
  else if (SLACK_USER_ID.test(key) && Object.hasOwn(ctx.users, key)) target = `@${ctx.users[key]}`;
  else if (SLACK_CHANNEL_ID.test(key)) {
    // An id slackline minted for a Rocket.Chat room (outgoing events) is that room; any other
    // Slack channel id means nothing here, and Slack's own app webhooks ignore `channel` too.
    const rid = fromSlackChannelId(key);
    if (rid === undefined) return hook.channel;
    target = rid;
  }
  if (sameRoom(target, hook.channel)) return hook.channel;
  return hook.allowChannelOverride ? target : undefined;
}

const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;
const SLACK_USER_ID = /^[UW][A-Z0-9]{8,}$/;

const sameRoom = (a: string, b: string): boolean =>
  a.replace(/^#/, "").toLowerCase() === b.replace(/^#/, "").toLowerCase();

/**
 * Rocket.Chat refuses an attachment text over `Message_MaxAllowedSize` on `chat.postMessage`
 * (docs/rocketchat.md §2.3): a longer one continues in attachments of the same colour below it.
 */
const tooLong = (attachment: RocketChatAttachment, max: number): boolean => (attachment.text?.length ?? 0) > max;

function fitAttachment(attachment: RocketChatAttachment, max: number): RocketChatAttachment[] {
  if (attachment.text === undefined || !tooLong(attachment, max)) return [attachment];
  const [first, ...rest] = splitText(attachment.text, max);
  const continuation = (text: string): RocketChatAttachment =>
    attachment.color ? { color: attachment.color, text } : { text };
  return [{ ...attachment, text: first! }, ...rest.map(continuation)];
}

/** Mattermost clients also send their attachments inside `props` (docs/mattermost.md §1.3). */
function attachmentsFromProps(props: Record<string, unknown> | undefined): Record<string, unknown>[] | undefined {
  const list = props?.["attachments"];
  if (!Array.isArray(list)) return undefined;
  return list.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x));
}

/**
 * Slack's `username` / `icon_url` / `icon_emoji` → Rocket.Chat's `alias` / `avatar` / `emoji`,
 * each allowed or not by the hook. Rocket.Chat shows `avatar` over `emoji` (docs/rocketchat.md §1.3),
 * so a sender's emoji must also replace the hook's default avatar.
 */
function senderIdentity(
  payload: SlackPayload,
  hook: HookSettings,
): Pick<RocketChatMessageDraft, "alias" | "avatar" | "emoji"> {
  const out: Pick<RocketChatMessageDraft, "alias" | "avatar" | "emoji"> = {};
  const alias = (hook.allowUsernameOverride ? payload.username?.trim() : undefined) || hook.username;
  if (alias) out.alias = alias;

  const senderAvatar = hook.allowIconOverride ? httpUrl(payload.icon_url) : undefined;
  const senderEmoji = hook.allowIconOverride && payload.icon_emoji?.trim() ? payload.icon_emoji.trim() : undefined;
  if (senderAvatar) out.avatar = senderAvatar;
  else if (senderEmoji) out.emoji = emojiName(senderEmoji);
  else if (hook.iconUrl) out.avatar = hook.iconUrl;
  else if (hook.iconEmoji) out.emoji = emojiName(hook.iconEmoji);
  return out;
}
