/**
 * Slack legacy attachments → Rocket.Chat attachments that Rocket.Chat accepts and renders.
 *
 * Rocket.Chat rejects the whole message for one bad attachment (docs/rocketchat.md §3.2): a field
 * without a truthy title and value, a URL that is not http(s), a non-string colour. It does not
 * render `footer`, `footer_icon`, `ts` or `fallback` (docs/rocketchat.md §3.3). So every attachment is repaired here
 * rather than passed through, and the parts Rocket.Chat would hide are folded into the text.
 */
import type { RocketChatAction, RocketChatAttachment, RocketChatField } from "../model/message.ts";
import type { TranslateContext } from "../model/context.ts";
import { formatTimestamp } from "./dates.ts";
import { slackEmojiToRocketChat } from "./emoji.ts";
import { decodeSlackEscapes, escapeMarkdown, mrkdwnToRocketChat } from "./mrkdwn.ts";
import type { SlackAction, SlackAttachment, SlackField } from "./payload.ts";

/** Slack's named colours as the hex Slack draws them (docs/rocketchat.md §3.3). */
const NAMED_COLORS: ReadonlyMap<string, string> = new Map([
  ["good", "#2eb886"],
  ["warning", "#daa038"],
  ["danger", "#a30200"],
]);
const HEX_COLOR = /^#?([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const HTTP_URL = /^https?:\/\/[^\s]+$/i;
/** A zero-width space: truthy for Rocket.Chat's field check, invisible on screen. */
const BLANK = "\u200b";

export interface AttachmentOptions {
  readonly linkNames: boolean;
  /** Renders `attachments[].blocks`; injected so this module does not depend on Block Kit. */
  readonly renderBlocks?: (blocks: Record<string, unknown>[]) => { text: string; attachments: RocketChatAttachment[] };
}

export const slackColor = (color: string | undefined): string | undefined => {
  if (!color) return undefined;
  const named = NAMED_COLORS.get(color.trim().toLowerCase());
  if (named) return named;
  const hex = HEX_COLOR.exec(color.trim());
  return hex ? `#${hex[1]!.toLowerCase()}` : undefined;
};

/** Only http(s) URLs pass Rocket.Chat's href check; anything else is dropped, not fatal. */
export const httpUrl = (url: string | undefined): string | undefined =>
  url !== undefined && HTTP_URL.test(url.trim()) ? url.trim() : undefined;

/**
 * One Slack attachment → zero or more Rocket.Chat attachments (blocks inside an attachment may
 * add image attachments after it). Empty when nothing in it would render.
 */
export function translateAttachment(
  att: SlackAttachment,
  ctx: TranslateContext,
  opts: AttachmentOptions,
): RocketChatAttachment[] {
  // Slack: only the parts listed in `mrkdwn_in` are styled. Without the key, Rocket.Chat (and
  // Slack's current client) style text and pretext, so both are treated as styled.
  const styledIn = (part: string): boolean => att.mrkdwn_in === undefined || att.mrkdwn_in.includes(part);
  const mrkdwn = (value: string | undefined, part: string): string =>
    value === undefined
      ? ""
      : mrkdwnToRocketChat(value, ctx, {
          target: "attachment",
          styled: styledIn(part),
          linkNames: opts.linkNames,
        }).trim();

  const out: RocketChatAttachment = {};
  const color = slackColor(att.color);
  if (color) out.color = color;

  const pretext = mrkdwn(att.pretext, "pretext");
  if (pretext) out.pretext = pretext;

  if (att.author_name) {
    out.author_name = plain(att.author_name);
    const link = httpUrl(att.author_link);
    const icon = httpUrl(att.author_icon);
    if (link) out.author_link = link;
    if (icon) out.author_icon = icon;
  }

  if (att.title) {
    out.title = plain(att.title);
    const link = httpUrl(att.title_link);
    if (link) out.title_link = link;
  }

  const extra: RocketChatAttachment[] = [];
  const textParts = [mrkdwn(att.text, "text")];
  if (att.blocks && att.blocks.length > 0 && opts.renderBlocks) {
    const rendered = opts.renderBlocks(att.blocks);
    textParts.push(rendered.text);
    extra.push(...rendered.attachments);
  }
  textParts.push(footerLine(att, ctx, opts));

  const fields = (att.fields ?? []).map((f) => field(f, ctx, styledIn("fields"), opts)).filter((f) => f !== undefined);
  if (fields.length > 0) out.fields = fields;

  const image = httpUrl(att.image_url);
  const thumb = httpUrl(att.thumb_url);
  if (image) out.image_url = image;
  if (thumb) out.thumb_url = thumb;

  const actions = (att.actions ?? []).map(linkButton).filter((a) => a !== undefined);
  if (actions.length > 0) {
    out.actions = actions;
    out.button_alignment = "horizontal";
  }

  const body = textParts.filter((p) => p !== "").join("\n\n");
  const rendersSomething =
    body || out.pretext || out.title || out.author_name || out.fields || out.image_url || out.thumb_url || out.actions;
  // `fallback` is Slack's plain-text summary: shown only when nothing else would be.
  const text = rendersSomething ? body : att.fallback ? escapeMarkdown(att.fallback, "attachment") : "";
  if (text) out.text = text;

  if (showsNothing(out)) return extra;
  return [out, ...extra];
}

/** Plain Slack text (titles, author names) with its entities decoded, shown literally. */
const plain = (value: string): string => slackEmojiToRocketChat(decodeSlackEscapes(value));

/**
 * Rocket.Chat requires a truthy title and value on every field and renders both as Markdown;
 * the value must be a string for the web client (docs/rocketchat.md §3.2–§3.3).
 */
function field(
  f: SlackField,
  ctx: TranslateContext,
  styled: boolean,
  opts: AttachmentOptions,
): RocketChatField | undefined {
  const title = f.title?.trim() ? escapeMarkdown(plain(f.title), "attachment") : "";
  const value = f.value?.trim()
    ? mrkdwnToRocketChat(f.value, ctx, { target: "attachment", styled, linkNames: opts.linkNames })
    : "";
  return validField(title, value, f.short);
}

/**
 * A field Rocket.Chat accepts: a truthy title and value (an empty one becomes an invisible
 * blank), or none at all when both are empty.
 */
export function validField(title: string, value: string, short: boolean | undefined): RocketChatField | undefined {
  if (!title && !value) return undefined;
  const out: RocketChatField = { title: title || BLANK, value: value || BLANK };
  if (short !== undefined) out.short = short;
  return out;
}

/** An attachment with nothing to show (at most a colour bar): left out of the message. */
export const showsNothing = (attachment: RocketChatAttachment): boolean => {
  const keys = Object.keys(attachment);
  return keys.length === 0 || (keys.length === 1 && attachment.color !== undefined);
};

/** Legacy buttons with a URL become Rocket.Chat link buttons; interactive ones cannot work here. */
export function linkButton(a: SlackAction): RocketChatAction | undefined {
  const url = httpUrl(a.url);
  if (!url) return undefined;
  const label =
    typeof a.text === "string"
      ? a.text
      : typeof a.text === "object" && a.text !== null && "text" in a.text
        ? String((a.text as { text: unknown }).text)
        : a.name;
  if (!label) return undefined;
  return { type: "button", text: plain(label), url };
}

/** `footer · time`, italic and small as Slack shows it, with the footer icon when there is one. */
function footerLine(att: SlackAttachment, ctx: TranslateContext, opts: AttachmentOptions): string {
  const footer = att.footer
    ? mrkdwnToRocketChat(att.footer, ctx, { target: "attachment", linkNames: opts.linkNames }).trim()
    : "";
  const time = formatTimestamp(att.ts, ctx.timeZone);
  const line = [footer, time].filter(Boolean).join(" · ");
  if (!line) return "";
  const icon = footer ? httpUrl(att.footer_icon) : undefined;
  return (icon ? `![](${icon}) ` : "") + `_${line}_`;
}
