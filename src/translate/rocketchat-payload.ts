/**
 * Rocket.Chat's own incoming-webhook payload (`POST /hooks/{id}/{token}`), as the tools written
 * for Rocket.Chat send it: apprise `rocket://`, Ansible's rocketchat module, netdata, Symfony's
 * bridge, Uptime Kuma, Alertmanager's `rocketchat_configs` (docs/rocketchat-webhooks.md).
 *
 * Read as Rocket.Chat reads it (`text` else `msg`, `username` else `alias`, `icon_url` else
 * `avatar`, `icon_emoji` else `emoji`, `channel` else `roomId`, `tmid`), then translated by the
 * same core as Slack payloads. What differs is the dialect:
 * - text is already Rocket.Chat Markdown and passes through; only Slack's `<url|label>`,
 *   `<@U…>` and `<!here>` tokens are converted, since senders mix them in;
 * - attachments are in Rocket.Chat's shape (`collapsed`, `title_link_download`, `audio_url`,
 *   `video_url`, `message_link`, `ts`) and are repaired as Slack's are (field values made
 *   non-empty strings, bad URLs dropped, Slack's named colours as hex) instead of rejected.
 * Pure: no I/O.
 */
import * as z from "zod/mini";
import type { RocketChatAttachment } from "../model/message.ts";
import { httpUrl, linkButton, showsNothing, slackColor, validField } from "../slack/attachments.ts";
import { escapeMarkdown, slackTokensToMarkdown, type TextTarget } from "../slack/mrkdwn.ts";
import { looseFlag, looseText, parseSlackPayload, slackAttachment, type SlackPayload } from "../slack/payload.ts";
import { withLineFeeds } from "../text/newlines.ts";
import type { TranslateContext } from "../model/context.ts";

export interface RocketChatRequest {
  /** The payload under Slack's names, for the shared translator (`channel` left out). */
  readonly payload: SlackPayload;
  /** `channel` (or `roomId`): one room, several (each gets the message), or none (the hook's). */
  readonly rooms: readonly string[];
}

type Body = Record<string, unknown>;

const isBody = (v: unknown): v is Body => typeof v === "object" && v !== null && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== "";
const firstPresent = (...values: unknown[]): unknown => values.find(present);

/**
 * Rocket.Chat's sender keys under Slack's names: `alias` → `username`, `avatar` → `icon_url`,
 * `emoji` → `icon_emoji`, each only where the Slack key is absent (Rocket.Chat's precedence).
 * Also used on `/hooks/{token}`, where tools written for Rocket.Chat (netdata) send them.
 */
export function withRocketChatIdentity(body: unknown): unknown {
  if (!isBody(body) || !(present(body["alias"]) || present(body["avatar"]) || present(body["emoji"]))) return body;
  return {
    ...body,
    username: firstPresent(body["username"], body["alias"]),
    icon_url: firstPresent(body["icon_url"], body["avatar"]),
    icon_emoji: firstPresent(body["icon_emoji"], body["emoji"]),
  };
}

/** `undefined` when the body cannot be a message (not an object). */
export function parseRocketChatPayload(body: unknown): RocketChatRequest | undefined {
  if (!isBody(body)) return undefined;
  const rooms = roomList(body["channel"]) ?? roomList(body["roomId"]) ?? [];
  const named = withRocketChatIdentity(body) as Body;
  const payload = parseSlackPayload({
    ...named,
    text: firstPresent(body["text"], body["msg"]),
    thread_ts: firstPresent(body["tmid"], body["thread_ts"]),
    channel: undefined,
    // Rocket.Chat drops a non-list `attachments` (with a warning) rather than the message.
    attachments: Array.isArray(body["attachments"]) ? body["attachments"] : undefined,
    unfurl_links: firstPresent(body["unfurl_links"], body["parseUrls"]),
  });
  return payload && { payload, rooms };
}

/** A room or a list of rooms, trimmed and without repeats; `undefined` when none is named. */
function roomList(value: unknown): string[] | undefined {
  const list = (Array.isArray(value) ? value : [value])
    .filter((v): v is string => typeof v === "string")
    .map((v) => v.trim());
  const rooms = [...new Set(list.filter((v) => v !== ""))];
  return rooms.length > 0 ? rooms : undefined;
}

/** Message or attachment text: Rocket.Chat Markdown as sent, Slack's `<…>` tokens converted. */
export function rocketChatText(text: string | undefined, ctx: TranslateContext, target: TextTarget): string {
  if (text === undefined) return "";
  return slackTokensToMarkdown(withLineFeeds(text), ctx, target).trim();
}

/** `ts` as Rocket.Chat takes it: a string or a number. */
const timestamp = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): string | number | undefined => {
      if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
      return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
    }),
  ),
);

/** Slack's attachment keys (same names, same leniency) plus Rocket.Chat's own. */
const rocketChatAttachmentSchema = z.extend(slackAttachment, {
  msg: looseText,
  title_link_download: looseFlag,
  collapsed: looseFlag,
  audio_url: looseText,
  audio_type: looseText,
  video_url: looseText,
  video_type: looseText,
  message_link: looseText,
  ts: timestamp,
  button_alignment: looseText,
});

/** Slack's named colours as hex; a CSS colour name (`red`) is kept, Rocket.Chat draws it. */
const attachmentColor = (color: string | undefined): string | undefined =>
  slackColor(color) ??
  (color !== undefined && /^[a-z]{3,20}$/i.test(color.trim()) ? color.trim().toLowerCase() : undefined);

/**
 * One attachment in Rocket.Chat's shape → one Rocket.Chat accepts and shows, or none when
 * nothing in it would render.
 */
export function rocketChatAttachment(raw: Record<string, unknown>, ctx: TranslateContext): RocketChatAttachment[] {
  const att = rocketChatAttachmentSchema.parse(raw);
  const markdown = (value: string | undefined): string => rocketChatText(value, ctx, "attachment");
  const out: RocketChatAttachment = {};

  const color = attachmentColor(att.color);
  if (color) out.color = color;
  const pretext = markdown(att.pretext);
  if (pretext) out.pretext = pretext;

  if (att.author_name?.trim()) {
    out.author_name = att.author_name.trim();
    const link = httpUrl(att.author_link);
    const icon = httpUrl(att.author_icon);
    if (link) out.author_link = link;
    if (icon) out.author_icon = icon;
  }
  if (att.title?.trim()) {
    out.title = att.title.trim();
    const link = httpUrl(att.title_link);
    if (link) {
      out.title_link = link;
      if (att.title_link_download !== undefined) out.title_link_download = att.title_link_download;
    }
  }

  // Rocket.Chat reads an attachment's `msg` as its text.
  const text = markdown(att.text ?? att.msg);
  if (text) out.text = text;

  const fields = (att.fields ?? [])
    .map((f) => validField(markdown(f.title), markdown(f.value), f.short))
    .filter((f) => f !== undefined);
  if (fields.length > 0) out.fields = fields;

  const media = {
    image_url: att.image_url,
    thumb_url: att.thumb_url,
    audio_url: att.audio_url,
    video_url: att.video_url,
    message_link: att.message_link,
  };
  for (const [key, value] of Object.entries(media) as Array<[keyof typeof media, string | undefined]>) {
    const url = httpUrl(value);
    if (url) out[key] = url;
  }
  if (out.audio_url && att.audio_type) out.audio_type = att.audio_type;
  if (out.video_url && att.video_type) out.video_type = att.video_type;

  const actions = (att.actions ?? []).map(linkButton).filter((a) => a !== undefined);
  if (actions.length > 0) {
    out.actions = actions;
    out.button_alignment = att.button_alignment === "vertical" ? "vertical" : "horizontal";
  }

  if (showsNothing(out) && att.fallback) out.text = escapeMarkdown(att.fallback, "attachment");
  if (showsNothing(out)) return [];
  if (att.ts !== undefined) out.ts = att.ts;
  if (att.collapsed !== undefined) out.collapsed = att.collapsed;
  return [out];
}
