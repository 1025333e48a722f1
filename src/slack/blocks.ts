/**
 * Slack Block Kit → Rocket.Chat message text plus attachments.
 *
 * Rocket.Chat drops or refuses Slack `blocks` (docs/rocketchat.md §3.5), so they are flattened into
 * text in the dialect of the target — message text is read by @rocket.chat/message-parser,
 * attachment text by marked (docs/rocketchat.md §3.3, §5) — plus attachments for what text cannot show (images,
 * link buttons). Input is untrusted JSON: any field may be missing, null or of the wrong type,
 * and nothing here throws; a block or element that cannot be rendered is skipped.
 *
 * Representation choices (docs/slack.md §4 lists the blocks):
 * - Only the first 50 blocks render: Slack rejects a message with more (`invalid_blocks`).
 * - A bare string where a text object belongs is its text, read as mrkdwn where Slack allows
 *   mrkdwn (section text and fields, context) and as plain_text elsewhere.
 * - `section` fields: Slack shows them in two columns; here each pair shares a line, split by
 *   an em-space-padded dot, and a field's own lines ("*Label*\nvalue") join with a space. A
 *   Markdown table was not chosen: it needs a header row, which fields do not have.
 * - Section accessories render below the text: an image as a link labelled by its alt text, a
 *   button with a URL as a link; interactive accessories are dropped.
 * - `context` elements share one line, two spaces apart, unstyled: wrapping text that carries
 *   its own markup in italics breaks both parsers, and Rocket.Chat has no small print.
 * - `image` blocks and video thumbnails become image attachments; `actions` link buttons
 *   become one attachment of horizontal buttons.
 * - `rich_text` lists: indent 0 is a real Markdown list; Rocket.Chat cannot nest lists, so
 *   deeper items are lines indented with no-break spaces, marked as Slack marks them
 *   (• ◦ ▪ bullets; 1. a. i. numbering).
 * - `rich_text_quote` is `> ` lines for both targets: attachments show them literally, which
 *   still reads as a quote (markdownToRocketChat does the same).
 * - `rich_text` elements: Slack puts mentions and emoji side by side (`@here🔥`); Rocket.Chat
 *   would read `@here:fire:` as one mention, so a space separates them from touching text.
 *   Text typed as `@name`/`#chan` gets a word joiner so it stays text, as in Slack.
 * - `table`: a GFM table for message text on Rocket.Chat 8.7+ (`ctx.tables`), else an aligned
 *   monospace block.
 * - `file` (remote files carry no URL) is a 📎 line naming it; `video` a ▶ link line.
 *
 * Literal text is escaped with escapeMarkdown, except inside bold/italic/strike in message text:
 * message-parser reads no backslash escapes there (`*a\*b*` shows the backslash), so a literal
 * `*_~\`` is written between two emphasis runs instead (`*a*\**b*`).
 */
import { markdownToRocketChat } from "../markdown/to-rocketchat.ts";
import type { RocketChatAction, RocketChatAttachment } from "../model/message.ts";
import { gfmTable, monospaceTable, type ColumnAlign } from "../text/table.ts";
import type { TranslateContext } from "../model/context.ts";
import { httpUrl } from "./attachments.ts";
import { formatSlackDate } from "./dates.ts";
import { emojiFromParts, slackEmojiToRocketChat } from "./emoji.ts";
import { decodeSlackEscapes, escapeMarkdown, markdownLink, mrkdwnToRocketChat, type TextTarget } from "./mrkdwn.ts";

export interface RenderedBlocks {
  text: string;
  attachments: RocketChatAttachment[];
}

export interface RenderBlocksOptions {
  /** Slack's `link_names`: plain `@name` / `#chan` in mrkdwn become mentions. */
  readonly linkNames?: boolean;
}

/** Slack: "You can include up to 50 blocks in each message" (docs/slack.md §4.1). */
export const MAX_BLOCKS = 50;
/**
 * Slack: the `text` of all `markdown` blocks in one payload is at most 12,000 characters
 * (docs/slack.md §4.1); more is `invalid_blocks`. Standard Markdown is the costliest text to
 * read (docs/hostile-input.md), so slackline refuses it as Slack does.
 */
export const MARKDOWN_BLOCKS_MAX_CHARS = 12_000;

type Json = Record<string, unknown>;

interface Renderer {
  readonly ctx: TranslateContext;
  readonly target: TextTarget;
  readonly linkNames: boolean;
  readonly attachments: RocketChatAttachment[];
}

const record = (v: unknown): Json | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const string = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
/** Lines joined by spaces (a field beside another, a table cell, a link label). */
const oneLine = (text: string): string =>
  text.includes("\n")
    ? text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .join(" ")
    : text.trim();
const lookup = (map: Readonly<Record<string, string>>, id: string): string => (Object.hasOwn(map, id) ? map[id]! : id);

/** Characters of `text` in the `markdown` blocks of `blocks` (anything else: 0). */
export function markdownBlockChars(blocks: unknown): number {
  let n = 0;
  for (const raw of list(blocks)) {
    const block = record(raw);
    if (block?.["type"] === "markdown") n += string(block["text"])?.length ?? 0;
  }
  return n;
}

export function renderBlocks(
  blocks: Record<string, unknown>[],
  ctx: TranslateContext,
  target: TextTarget,
  opts: RenderBlocksOptions = {},
): RenderedBlocks {
  const r: Renderer = { ctx, target, linkNames: opts.linkNames === true, attachments: [] };
  const parts: string[] = [];
  for (const raw of list(blocks).slice(0, MAX_BLOCKS)) {
    const block = record(raw);
    if (block === undefined) continue;
    const before = r.attachments.length;
    try {
      const text = renderBlock(block, r);
      if (text !== "") parts.push(text);
    } catch {
      // Defence in depth for hostile input: a block that cannot render is skipped, with
      // whatever attachments it had already added.
      r.attachments.length = before;
    }
  }
  return { text: parts.join("\n\n"), attachments: r.attachments };
}

function renderBlock(block: Json, r: Renderer): string {
  switch (block.type) {
    case "header":
      return renderHeader(block, r);
    case "section":
      return renderSection(block, r);
    case "divider":
      // Rocket.Chat 8.7+ and marked draw `---` as a rule; older message-parsers show it as text.
      return r.target === "attachment" || r.ctx.tables ? "---" : "———";
    case "context":
      return renderContext(block, r);
    case "image":
      renderImageBlock(block, r);
      return "";
    case "actions":
      renderActions(block, r);
      return "";
    case "rich_text":
      return renderRichText(block, r);
    case "markdown": {
      const text = string(block.text);
      return text ? markdownToRocketChat(text, r.ctx, r.target).trim() : "";
    }
    case "table":
      return renderTable(block, r);
    case "file":
      return renderFile(block, r);
    case "video":
      return renderVideo(block, r);
    default:
      // `input`, `call` and other interactive or unknown blocks have nothing to show.
      return "";
  }
}

// ---------------------------------------------------------------------------------------------
// Text objects

interface TextObject {
  readonly text: string;
  readonly mrkdwn: boolean;
  readonly verbatim: boolean;
  readonly emoji: boolean;
}

function textObject(v: unknown, mrkdwnByDefault: boolean): TextObject | undefined {
  if (typeof v === "string") {
    return v.trim() ? { text: v, mrkdwn: mrkdwnByDefault, verbatim: false, emoji: true } : undefined;
  }
  const o = record(v);
  const text = string(o?.text);
  if (o === undefined || text === undefined || !text.trim()) return undefined;
  const mrkdwn = o.type === "mrkdwn" || (o.type !== "plain_text" && mrkdwnByDefault);
  return { text, mrkdwn, verbatim: o.verbatim === true, emoji: o.emoji !== false };
}

/** A text object as Rocket.Chat markup; `style` applies to plain_text only. */
function renderText(t: TextObject, r: Renderer, style = 0): string {
  if (t.mrkdwn) {
    // Slack: `verbatim: true` skips its preprocessing of names and links, so link_names is off.
    const linkNames = r.linkNames && !t.verbatim;
    return mrkdwnToRocketChat(t.text, r.ctx, { target: r.target, linkNames }).trim();
  }
  const w = new InlineWriter(r.target, true);
  w.literal(decodeSlackEscapes(t.text), style, t.emoji);
  return w.finish().trim();
}

/** Plain text for places Rocket.Chat shows unformatted: button labels, attachment titles. */
const plainLabel = (v: unknown): string | undefined => {
  const t = textObject(v, false);
  return t === undefined ? undefined : decodeSlackEscapes(t.text).trim();
};

/** A link label: message-parser reads no escapes inside `[…]`, marked does. */
const linkLabel = (label: string, target: TextTarget): string =>
  target === "attachment" ? escapeMarkdown(oneLine(label), target) : oneLine(label);

/** Literal text shown as it is, for names and titles that Slack shows unformatted. */
const plainText = (text: string, r: Renderer, emoji = true): string =>
  renderText({ text, mrkdwn: false, verbatim: true, emoji }, r);

// ---------------------------------------------------------------------------------------------
// Inline writer: literal text and finished markup with Slack's style flags

const BOLD = 1;
const ITALIC = 2;
const STRIKE = 4;
const CODE = 8;
const EMPHASIS = BOLD | ITALIC | STRIKE;

const MARKERS: Record<TextTarget, readonly [number, string][]> = {
  message: [
    [BOLD, "*"],
    [ITALIC, "_"],
    [STRIKE, "~"],
  ],
  attachment: [
    [BOLD, "**"],
    [ITALIC, "_"],
    [STRIKE, "~~"],
  ],
};

/**
 * Bare URLs (without trailing punctuation, as autolinkers read them) and emoji shortcodes (as
 * emoji.ts reads them, skin tone included) are kept whole: escaping `_` inside would break them.
 */
const LITERAL_ATOM =
  /\bhttps?:\/\/[^\s<>()[\]]*[^\s<>()[\].,;:!?*_~'"]|(?<![A-Za-z0-9]):[a-z0-9_+'-]+:(?::skin-tone-[1-6]:)?/gi;
/** Characters message-parser reads as markup even inside emphasis, where no escape works. */
const EMPHASIS_BREAKER = /[*_~`]/g;
/** Slack shows a typed `@name`/`#chan` in literal text as text; a word joiner keeps it so. */
const SIGIL = /(^|[^\p{L}\p{N}_@#\\/])([@#])(?=[\p{L}\p{N}_])/gu;
const LINK_SHAPE = /\]\(/g;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/**
 * message-parser runs a mention or shortcode into what touches it: `@here:fire:Nov` is the
 * mention "here:fire", `@alice.` the user "alice.", `:fire:Nov` no emoji. Slack's rich_text
 * often puts such elements side by side, so a space keeps them apart.
 */
const TOUCHING = /[\p{L}\p{N}_:@#.-]/u;
const WORD_JOINER = "\u2060";
const ZERO_WIDTH_SPACE = "\u200b";

/**
 * Writes a run of inline pieces, each with Slack's style flags, opening and closing emphasis
 * only where the style changes. Both parsers need the markers next to non-space characters, so
 * spaces at a style change go outside them.
 */
class InlineWriter {
  readonly #target: TextTarget;
  // Appended pieces are joined once at the end: reading back the last character of a string
  // built by `+=` would flatten it every time, which is quadratic.
  readonly #out: string[] = [];
  #last = "";
  #open = 0;
  #space = "";
  #lineStart: boolean;
  /** The last marker closed was `_`, which message-parser only reads before a non-word. */
  #closedUnderscore = false;
  /** The last piece was a mention or shortcode. */
  #standalone = false;

  constructor(target: TextTarget, lineStart: boolean) {
    this.#target = target;
    this.#lineStart = lineStart;
  }

  /** Literal text: escaped, with bare URLs and (when `emoji`) shortcodes kept as they are. */
  literal(text: string, style: number, emoji = true): void {
    const lines = text.includes("\n") ? text.split("\n") : [text];
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) this.newline();
      const line = lines[i]!;
      if (style & CODE) {
        this.code(line, style);
        continue;
      }
      let last = 0;
      // Both a URL and a shortcode hold a colon: most text skips the scan.
      const atoms = line.includes(":") ? line.matchAll(LITERAL_ATOM) : [];
      for (const m of atoms) {
        this.#chunk(line.slice(last, m.index), style);
        const atom = m[0];
        if (!atom.startsWith(":")) this.markup(atom, style);
        else if (emoji) this.markup(slackEmojiToRocketChat(atom), style);
        else this.#chunk(atom, style);
        last = m.index + atom.length;
      }
      this.#chunk(line.slice(last), style);
    }
  }

  /** Inline code: no escapes inside; a backtick cannot be, so it is written between spans. */
  code(text: string, style: number): void {
    const want = style & EMPHASIS;
    const pieces = text.split("`");
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) this.#write("\\`", this.#target === "message" ? 0 : want);
      const piece = pieces[i]!;
      if (piece.trim() === "") this.#space += piece;
      else this.#write("`" + piece + "`", want);
    }
  }

  /** Finished markup (a link, an emoji) with the emphasis of `style`. */
  markup(text: string, style: number): void {
    if (text !== "") this.#write(text, style & EMPHASIS);
  }

  /** A mention or emoji shortcode, kept apart from what touches it (see TOUCHING). */
  standalone(text: string, style: number): void {
    if (text !== "") this.#write(text, style & EMPHASIS, true);
  }

  newline(): void {
    this.#closeAll();
    this.#space = "";
    this.#closedUnderscore = false;
    this.#standalone = false;
    this.#append("\n");
    this.#lineStart = true;
  }

  finish(): string {
    this.#closeAll();
    this.#space = "";
    return this.#out.join("");
  }

  #chunk(text: string, style: number): void {
    if (text === "") return;
    const want = style & EMPHASIS;
    let t = text.includes("](") ? text.replace(LINK_SHAPE, "]" + WORD_JOINER + "(") : text;
    if (this.#target === "message" && (t.includes("@") || t.includes("#"))) {
      t = t.replace(SIGIL, "$1$2" + WORD_JOINER);
    }
    if (want === 0 || this.#target === "attachment") {
      this.#write(this.#escape(t), want);
      return;
    }
    let last = 0;
    for (const m of t.matchAll(EMPHASIS_BREAKER)) {
      if (m.index > last) this.#write(t.slice(last, m.index), want);
      this.#write("\\" + m[0], 0);
      last = m.index + 1;
    }
    if (last < t.length) this.#write(t.slice(last), want);
  }

  /** escapeMarkdown, whose line-start rules apply only where this text really starts a line. */
  #escape(text: string): string {
    if (this.#lineStart) return escapeMarkdown(text, this.#target);
    // A leading non-space character stops escapeMarkdown's `^…` rules from matching here.
    return escapeMarkdown("\u0000" + text, this.#target).slice(1);
  }

  #write(content: string, want: number, standalone = false): void {
    const core = content.trim();
    if (core === "") {
      this.#space += content;
      return;
    }
    let piece: string;
    if (want === 0) {
      this.#closeAll();
      piece = this.#space + content;
      this.#space = "";
    } else {
      if (this.#open !== want) this.#closeAll();
      piece = this.#space + content.slice(0, content.length - content.trimStart().length);
      if (this.#open === 0) piece += this.#markers(want).join("");
      piece += core;
      this.#open = want;
      this.#space = content.slice(content.trimEnd().length);
    }
    const first = piece.charAt(0);
    const touching = (standalone && TOUCHING.test(this.#last)) || (this.#standalone && TOUCHING.test(first));
    if (touching && first.trim() !== "") piece = " " + piece;
    // message-parser reads `_x_` as italic only with a non-word character on either side.
    const intraword = this.#closedUnderscore
      ? WORD_CHAR.test(piece.charAt(0))
      : piece.startsWith("_") && WORD_CHAR.test(this.#last);
    if (intraword) this.#append(ZERO_WIDTH_SPACE);
    this.#closedUnderscore = false;
    this.#standalone = standalone;
    this.#append(piece);
    this.#lineStart = false;
  }

  #append(text: string): void {
    this.#out.push(text);
    this.#last = text.charAt(text.length - 1);
  }

  /** The markers for the emphasis bits in `want`, outermost first. */
  #markers(want: number): string[] {
    const out: string[] = [];
    for (const [bit, marker] of MARKERS[this.#target]) if (want & bit) out.push(marker);
    return out;
  }

  #closeAll(): void {
    if (this.#open === 0) return;
    const markers = this.#markers(this.#open);
    this.#append(markers.reverse().join(""));
    // After reverse() the outermost marker is last.
    this.#closedUnderscore = markers[markers.length - 1] === "_";
    this.#open = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// header, section, context

function renderHeader(block: Json, r: Renderer): string {
  const t = textObject(block.text, false);
  return t === undefined ? "" : renderText({ ...t, mrkdwn: false }, r, BOLD);
}

/**
 * Between the two fields that share a line: wide enough to read as two columns. The outer
 * spaces are ASCII because message-parser reads `1.0\u2003*b*` as one link-like word and then
 * misses the bold.
 */
const FIELD_SEPARATOR = " \u2003·\u2003 ";

function renderSection(block: Json, r: Renderer): string {
  const out: string[] = [];
  const text = textObject(block.text, true);
  if (text !== undefined) out.push(renderText(text, r));
  const accessory = renderAccessory(record(block.accessory), r);
  if (accessory !== "") out.push(accessory);
  const fields = renderFields(list(block.fields), r);
  if (fields !== "") out.push(fields);
  return out.filter((p) => p !== "").join("\n");
}

function renderFields(raw: readonly unknown[], r: Renderer): string {
  const lines: string[] = [];
  let pending: string | undefined;
  for (const f of raw) {
    const t = textObject(f, true);
    if (t === undefined) continue;
    const text = renderText(t, r);
    if (text === "") continue;
    if (text.includes("```")) {
      // A code block cannot share a line: it stands alone.
      if (pending !== undefined) lines.push(pending);
      lines.push(text);
      pending = undefined;
      continue;
    }
    const line = oneLine(text);
    if (pending === undefined) pending = line;
    else {
      lines.push(pending + FIELD_SEPARATOR + line);
      pending = undefined;
    }
  }
  if (pending !== undefined) lines.push(pending);
  return lines.join("\n");
}

function renderAccessory(acc: Json | undefined, r: Renderer): string {
  if (acc === undefined) return "";
  if (acc.type === "image") {
    const url = httpUrl(string(acc.image_url));
    if (url === undefined) return "";
    return markdownLink(linkLabel(decodeSlackEscapes(string(acc.alt_text)?.trim() ?? ""), r.target), url, r.target);
  }
  if (acc.type === "button") {
    const url = httpUrl(string(acc.url));
    const label = plainLabel(acc.text);
    return url === undefined ? "" : markdownLink(linkLabel(label ?? "", r.target), url, r.target);
  }
  // overflow, selects, date pickers, checkboxes…: interactive, nothing to show.
  return "";
}

function renderContext(block: Json, r: Renderer): string {
  const parts: string[] = [];
  for (const raw of list(block.elements)) {
    const el = record(raw);
    if (el?.type === "image") {
      const alt = string(el.alt_text)?.trim();
      if (alt) parts.push(plainText(alt, r));
      continue;
    }
    const t = textObject(raw, true);
    if (t !== undefined) parts.push(renderText(t, r));
  }
  return parts.filter((p) => p !== "").join("  ");
}

// ---------------------------------------------------------------------------------------------
// image, actions, file, video

function renderImageBlock(block: Json, r: Renderer): void {
  const url = httpUrl(string(block.image_url)) ?? httpUrl(string(record(block.slack_file)?.url));
  if (url === undefined) return;
  // Rocket.Chat shows an attachment title above the image; the alt text stands in for a title.
  const title = plainLabel(block.title) || decodeSlackEscapes(string(block.alt_text)?.trim() ?? "");
  r.attachments.push(title ? { title: slackEmojiToRocketChat(title), image_url: url } : { image_url: url });
}

function renderActions(block: Json, r: Renderer): void {
  const actions: RocketChatAction[] = [];
  for (const raw of list(block.elements)) {
    const el = record(raw);
    if (el?.type !== "button") continue;
    const url = httpUrl(string(el.url));
    const text = plainLabel(el.text);
    if (url !== undefined && text) actions.push({ type: "button", text, url });
  }
  if (actions.length > 0) r.attachments.push({ actions, button_alignment: "horizontal" });
}

function renderFile(block: Json, r: Renderer): string {
  const file = record(block.file);
  const name = string(file?.title)?.trim() || string(file?.name)?.trim() || string(block.external_id)?.trim();
  if (!name) return "";
  const url = httpUrl(string(file?.permalink)) ?? httpUrl(string(file?.url_private));
  const label = url === undefined ? plainText(name, r, false) : markdownLink(linkLabel(name, r.target), url, r.target);
  return `📎 ${label}`;
}

function renderVideo(block: Json, r: Renderer): string {
  const title = plainLabel(block.title) || string(block.alt_text)?.trim() || "";
  const url = httpUrl(string(block.title_url)) ?? httpUrl(string(block.video_url));
  const lines: string[] = [];
  if (url !== undefined) lines.push("▶ " + markdownLink(linkLabel(title, r.target), url, r.target));
  else if (title) lines.push("▶ " + plainText(title, r));
  const description = textObject(block.description, false);
  if (description !== undefined) lines.push(renderText(description, r));
  const thumb = httpUrl(string(block.thumbnail_url));
  if (thumb !== undefined) r.attachments.push({ image_url: thumb });
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// rich_text

function renderRichText(block: Json, r: Renderer): string {
  const out: string[] = [];
  for (const raw of list(block.elements)) {
    const el = record(raw);
    let text = "";
    switch (el?.type) {
      case "rich_text_section":
        text = inline(list(el.elements), r, true);
        break;
      case "rich_text_list":
        text = renderList(el, r);
        break;
      case "rich_text_preformatted":
        text = renderPreformatted(el, r.ctx);
        break;
      case "rich_text_quote":
        text = renderQuote(el, r);
        break;
    }
    text = trimNewlines(text);
    if (text !== "") out.push(text);
  }
  return out.join("\n");
}

function trimNewlines(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 10) start++;
  while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 32)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const styleBits = (v: unknown): number => {
  const s = record(v);
  if (s === undefined) return 0;
  return (
    (s.bold === true ? BOLD : 0) |
    (s.italic === true ? ITALIC : 0) |
    (s.strike === true ? STRIKE : 0) |
    (s.code === true ? CODE : 0)
  );
};

const SCHEME = /^(?:https?|mailto|tel):/i;

/** rich_text inline elements → markup. */
function inline(elements: readonly unknown[], r: Renderer, lineStart: boolean): string {
  const w = new InlineWriter(r.target, lineStart);
  const { ctx } = r;
  for (const raw of elements) {
    const el = record(raw);
    if (el === undefined) continue;
    const style = styleBits(el.style);
    switch (el.type) {
      case "text": {
        const text = string(el.text);
        if (text) w.literal(text, style);
        break;
      }
      case "link": {
        const url = string(el.url)?.trim();
        const text = string(el.text) ?? "";
        if (url && SCHEME.test(url) && !/\s/.test(url)) {
          w.markup(markdownLink(linkLabel(text.trim(), r.target), url, r.target), style);
        } else if (text || url) {
          w.literal(text || url || "", style & ~CODE);
        }
        break;
      }
      case "user":
        mention(w, "@", string(el.user_id), ctx.users, style);
        break;
      case "channel":
        mention(w, "#", string(el.channel_id), ctx.channels, style);
        break;
      case "usergroup":
        mention(w, "@", string(el.usergroup_id), {}, style);
        break;
      case "team": {
        const id = string(el.team_id);
        if (id) w.literal(id, style);
        break;
      }
      case "broadcast":
        w.standalone(broadcast(el.range), style);
        break;
      case "emoji": {
        const e = emoji(el);
        if (e.startsWith(":")) w.standalone(e, style);
        else w.markup(e, style);
        break;
      }
      case "date": {
        const shown = dateText(el, ctx);
        const url = httpUrl(string(el.url));
        if (!shown) break;
        if (url !== undefined) w.markup(markdownLink(linkLabel(shown, r.target), url, r.target), style);
        else w.literal(shown, style);
        break;
      }
      case "color": {
        const value = string(el.value);
        if (value) w.code(value, style);
        break;
      }
    }
  }
  return w.finish();
}

/** Slack ids are short upper-case words; anything else is shown as text, never as markup. */
const SLACK_ID = /^[\w.-]{1,80}$/;

function mention(
  w: InlineWriter,
  sigil: string,
  id: string | undefined,
  names: Readonly<Record<string, string>>,
  style: number,
): void {
  if (!id) return;
  if (Object.hasOwn(names, id)) w.standalone(sigil + names[id], style);
  else if (SLACK_ID.test(id)) w.standalone(sigil + id, style);
  else w.literal(sigil + id, style & ~CODE);
}

/** Slack's `@here` is Rocket.Chat's; `@channel` and `@everyone` are Rocket.Chat's `@all`. */
const broadcast = (range: unknown): string =>
  range === "here" ? "@here" : range === "channel" || range === "everyone" ? "@all" : "";

const EMOJI_NAME = /^[a-z0-9_+'-]{1,100}$/i;

function emoji(el: Json): string {
  const name = string(el.name)?.trim();
  const tone = el.skin_tone;
  if (name && EMOJI_NAME.test(name)) return emojiFromParts(name, typeof tone === "number" ? tone : undefined);
  // Only a code point sequence such as "1f44b-1f3fd".
  const unicode = string(el.unicode);
  if (unicode === undefined || !/^[0-9a-f]{1,6}(?:-[0-9a-f]{1,6}){0,9}$/i.test(unicode)) return "";
  const points = unicode.split("-").map((h) => Number.parseInt(h, 16));
  return points.every((p) => p <= 0x10ffff) ? String.fromCodePoint(...points) : "";
}

const EPOCH = /^\s*-?\d{1,15}(?:\.\d+)?\s*$/;

function dateText(el: Json, ctx: TranslateContext): string {
  const raw = el.timestamp;
  const ts = typeof raw === "number" ? raw : typeof raw === "string" && EPOCH.test(raw) ? Number(raw) : Number.NaN;
  const format = string(el.format) ?? "";
  const formatted = Number.isFinite(ts) && format ? formatSlackDate(ts, format, ctx.timeZone, ctx.now()) : undefined;
  return formatted || string(el.fallback)?.trim() || "";
}

/** Slack marks nested levels • ◦ ▪ and numbers them 1. a. i., cycling. */
const BULLETS = ["•", "◦", "▪"] as const;
/** Rocket.Chat cannot nest lists: a level is four no-break spaces, which it keeps. */
const INDENT = "\u00a0".repeat(4);
const MAX_INDENT = 8;

function renderList(el: Json, r: Renderer): string {
  const ordered = el.style === "ordered";
  const indent = Math.min(integer(el.indent), MAX_INDENT);
  const offset = integer(el.offset);
  const pad = INDENT.repeat(indent);
  const lines: string[] = [];
  let n = offset;
  for (const raw of list(el.elements)) {
    const item = record(raw);
    if (item === undefined) continue;
    n++;
    const marker = ordered ? orderedMarker(n, indent) : indent === 0 ? "-" : BULLETS[indent % 3]!;
    const content = trimNewlines(inline(list(item.elements), r, false));
    // Continuation lines stay under the item's text.
    lines.push(`${pad}${marker} ${content.replaceAll("\n", "\n" + pad + INDENT)}`);
  }
  return lines.join("\n");
}

/** A non-negative whole number from untrusted JSON, else 0. */
const integer = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0);

function orderedMarker(n: number, indent: number): string {
  switch (indent % 3) {
    case 1:
      return alphabetic(n) + ".";
    case 2:
      return roman(n) + ".";
    default:
      return `${n}.`;
  }
}

function alphabetic(n: number): string {
  let s = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return s;
}

const ROMAN: readonly [number, string][] = [
  [1000, "m"],
  [900, "cm"],
  [500, "d"],
  [400, "cd"],
  [100, "c"],
  [90, "xc"],
  [50, "l"],
  [40, "xl"],
  [10, "x"],
  [9, "ix"],
  [5, "v"],
  [4, "iv"],
  [1, "i"],
];

function roman(n: number): string {
  if (n >= 4000) return String(n);
  let s = "";
  let k = n;
  for (const [value, digits] of ROMAN) {
    while (k >= value) {
      s += digits;
      k -= value;
    }
  }
  return s;
}

/** message-parser gives up on a whole code block when any line holds three backticks. */
const TRIPLE_BACKTICK = /```/g;
const BROKEN_BACKTICKS = "``" + ZERO_WIDTH_SPACE + "`";

function renderPreformatted(el: Json, ctx: TranslateContext): string {
  const body = trimNewlines(plainInline(list(el.elements), ctx));
  if (body.trim() === "") return "";
  const language = string(el.language);
  const info = language && /^[\w+#.-]{1,30}$/.test(language) ? language : "";
  // Rocket.Chat reads a fence only on lines of its own (docs/rocketchat.md §5.2).
  return "```" + info + "\n" + body.replace(TRIPLE_BACKTICK, BROKEN_BACKTICKS) + "\n```";
}

function renderQuote(el: Json, r: Renderer): string {
  const text = trimNewlines(inline(list(el.elements), r, true));
  if (text === "") return "";
  return text
    .split("\n")
    .map((line) => (line === "" ? ">" : "> " + line))
    .join("\n");
}

/** rich_text inline elements as plain text, for code blocks and monospace tables. */
function plainInline(elements: readonly unknown[], ctx: TranslateContext): string {
  let out = "";
  for (const raw of elements) {
    const el = record(raw);
    if (el === undefined) continue;
    switch (el.type) {
      case "text":
        out += string(el.text) ?? "";
        break;
      case "link": {
        const url = string(el.url) ?? "";
        const text = string(el.text) ?? "";
        out += text && text !== url ? (url ? `${text} (${url})` : text) : url;
        break;
      }
      case "user": {
        const id = string(el.user_id);
        if (id) out += "@" + lookup(ctx.users, id);
        break;
      }
      case "channel": {
        const id = string(el.channel_id);
        if (id) out += "#" + lookup(ctx.channels, id);
        break;
      }
      case "usergroup":
        out += "@" + (string(el.usergroup_id) ?? "");
        break;
      case "team":
        out += string(el.team_id) ?? "";
        break;
      case "broadcast":
        out += typeof el.range === "string" ? "@" + el.range : "";
        break;
      case "emoji": {
        const name = string(el.name);
        out += name ? `:${name}:` : emoji(el);
        break;
      }
      case "date":
        out += dateText(el, ctx);
        break;
      case "color":
        out += string(el.value) ?? "";
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// table

const COLUMN_ALIGN: ReadonlyMap<string, ColumnAlign> = new Map([
  ["left", "left"],
  ["center", "center"],
  ["right", "right"],
]);

function renderTable(block: Json, r: Renderer): string {
  const rows = list(block.rows).map((row) => list(row));
  const width = rows.reduce((w, row) => Math.max(w, row.length), 0);
  if (width === 0) return "";
  const settings = list(block.column_settings).map((s) => record(s));
  const align = Array.from({ length: width }, (_, i) => COLUMN_ALIGN.get(string(settings[i]?.align) ?? ""));
  if (r.ctx.tables && r.target === "message")
    return gfmTable(
      rows.map((row) => Array.from({ length: width }, (_, i) => markupCell(row[i], r))),
      align,
    );
  const cells = rows.map((row) => Array.from({ length: width }, (_, i) => plainCell(row[i], r)));
  const lines = monospaceTable(cells, align);
  return "```\n" + lines.join("\n").replace(TRIPLE_BACKTICK, BROKEN_BACKTICKS) + "\n```";
}

function markupCell(cell: unknown, r: Renderer): string {
  const c = record(cell);
  let text = "";
  if (typeof cell === "string") text = literalText(cell, r);
  else if (c?.type === "rich_text") text = renderRichText(c, r);
  else if (c !== undefined && typeof c.text === "string") text = literalText(c.text, r);
  // A GFM cell is one line, and `|` ends it.
  return oneLine(text).replaceAll("|", "\\|");
}

function plainCell(cell: unknown, r: Renderer): string {
  const c = record(cell);
  let text = "";
  if (typeof cell === "string") text = cell;
  else if (c?.type === "rich_text") {
    text = list(c.elements)
      .map((e) => plainInline(list(record(e)?.elements), r.ctx))
      .join(" ");
  } else if (c !== undefined && typeof c.text === "string") text = c.text;
  return oneLine(text);
}

/** Literal text (a raw_text cell), escaped like any other. */
function literalText(text: string, r: Renderer): string {
  const w = new InlineWriter(r.target, false);
  w.literal(text, 0);
  return w.finish();
}
