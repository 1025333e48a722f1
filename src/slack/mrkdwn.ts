/**
 * Slack mrkdwn → Rocket.Chat text.
 *
 * Slack's own parsing advice (docs/slack.md §2.6 (senders that do not escape: §2.8)): find every `<…>`, decide by its first character
 * whether it is a user (`@`), a channel (`#`), a special command (`!`) or a URL, split the
 * label at the first `|`, then decode the only three entities Slack escapes. Senders do not
 * escape reliably (Alertmanager, Ruby clients and winston send raw `&` and `<b>`), so a `<…>`
 * that is not a valid token stays literal text.
 *
 * Rocket.Chat reads message text with its message-parser and attachment text with marked
 * (docs/rocketchat.md §3.3, §5), so emphasis is emitted per target: `*b*` is bold in messages
 * but italic in attachments, where bold must be `**b**`.
 */
import { PLACEHOLDER_CHARS, Placeholders } from "../text/placeholders.ts";
import { replaceEach } from "../text/replace.ts";
import { trimOf } from "../text/trim.ts";
import type { TranslateContext } from "../model/context.ts";
import { formatSlackDate } from "./dates.ts";
import { slackEmojiToRocketChat } from "./emoji.ts";

export type TextTarget = "message" | "attachment";

export interface MrkdwnOptions {
  readonly target: TextTarget;
  /** false for `mrkdwn:false`, or an attachment part missing from `mrkdwn_in`: show styling literally. */
  readonly styled?: boolean;
  /** Slack's `link_names`: plain `@name` / `#chan` become mentions. */
  readonly linkNames?: boolean;
  /** Slack's `parse:"full"`: `<…>` sequences are text, names are linked (implies linkNames). */
  readonly parseFull?: boolean;
}

const CODE = /```([\s\S]*?)```|`([^`\n]+)`/g;
const TOKEN = /<([^<>\n]+)>/g;
const BARE_URL = new RegExp(`\\b(?:https?|ftp)://[^\\s<>${PLACEHOLDER_CHARS}]+`, "gi");
const ENTITY = /&(amp|lt|gt);/g;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">" };
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const LINKABLE_URL = /^(?:https?|mailto|tel|ftp|sftp|ssh|irc|slack|file):/i;
const SLACK_BULLET = /^([ \t]*)[•◦▪▸‣][ \t]+/gm;
const BULLET_CHAR = /[•◦▪▸‣]/;
const BROADCAST_WORD = /(^|[^\p{L}\p{N}_@])@(here|channel|everyone|all)\b/gu;
const NAME_WORD = /(^|[^\p{L}\p{N}_@#\\/])([@#])(?=[\p{L}\p{N}_][\p{L}\p{N}_.-]*)/gu;
const WORD_JOINER = "\u2060";

/**
 * Slack's emphasis (a marker that opens after a non-word character and closes before one), or
 * else the marker alone: one scan finds both the emphasis to keep and the stray marker to escape.
 * Only `*` and `~` need it: Rocket.Chat, like Slack, leaves an intraword `_` alone.
 */
const emphasisOrStray = (marker: "*" | "~"): RegExp => {
  const m = marker === "*" ? "\\*" : marker; // `~` may not be escaped in a /u pattern
  return new RegExp(
    `(?<![\\p{L}\\p{N}\\\\${marker}])${m}([^\\s${marker}](?:[^${marker}\\n]*[^\\s${marker}])?)${m}(?![\\p{L}\\p{N}${marker}])|${m}`,
    "gu",
  );
};
const EMPHASIS_OR_STRAY = { "*": emphasisOrStray("*"), "~": emphasisOrStray("~") } as const;

/** Slack escapes exactly three characters in message text (`&amp;` `&lt;` `&gt;`); nothing else is an entity to it. */
export const decodeSlackEscapes = (text: string): string =>
  text.includes("&") ? replaceEach(text, ENTITY, (m) => ENTITIES[m[1]!]!) : text;

/**
 * Escape Markdown that Rocket.Chat would otherwise render, for text Slack shows literally.
 * marked (attachments) honours every CommonMark backslash escape. The message-parser honours
 * `\*` `\_` `\~` `` \` `` and `\#` but shows the backslash before `>`, `-` or a digit, so a
 * list or quote marker at a line start is broken with a zero-width space instead.
 */
export function escapeMarkdown(text: string, target: TextTarget): string {
  if (target === "attachment")
    return text.replace(/[\\*_~`]/g, "\\$&").replace(/^([ \t]*)([#>]|[-+] |\d+\. )/gm, "$1\\$2");
  return text
    .replace(/[*_~`]/g, "\\$&")
    .replace(/^([ \t]*)#/gm, "$1\\#")
    .replace(/^([ \t]*)(>|[-+] |\d+\. )/gm, "$1\u200b$2");
}

/**
 * A `[label](url)` link both of Rocket.Chat's renderers accept. marked reads `\]` in a label;
 * the message-parser shows the backslash, so brackets in a message label become parentheses.
 */
const URL_UNSAFE = /[ ()]/;
const BRACKET = /[[\]]/;

export function markdownLink(label: string, url: string, target: TextTarget): string {
  const safeUrl = URL_UNSAFE.test(url) ? url.replaceAll(" ", "%20").replaceAll("(", "%28").replaceAll(")", "%29") : url;
  if (!label || label === url) return safeUrl;
  const safeLabel = !BRACKET.test(label)
    ? label
    : target === "attachment"
      ? label.replace(/[[\]]/g, "\\$&")
      : label.replaceAll("[", "(").replaceAll("]", ")");
  return `[${safeLabel}](${safeUrl})`;
}

export function mrkdwnToRocketChat(input: string, ctx: TranslateContext, opts: MrkdwnOptions): string {
  if (!input) return "";
  const held = new Placeholders();
  const source = Placeholders.clean(input);

  // Each pass below runs only when its trigger character is there: most texts have no code, no
  // tokens and no URLs, and a global replace costs ~0.2 µs even when nothing matches, several
  // times an `includes` or a `test` (bench:translate).
  let prose = "";
  let last = 0;
  CODE.lastIndex = 0;
  // Whether `prose` is empty or ends a line. Kept aside: `prose.endsWith` would flatten the
  // growing string, copying it once per fence (quadratic in a text of many fences).
  let lineStart = true;
  for (let m = source.includes("`") ? CODE.exec(source) : null; m !== null; m = CODE.exec(source)) {
    const gap = source.slice(last, m.index);
    if (gap !== "") {
      prose += gap;
      lineStart = gap.endsWith("\n");
    }
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      // Rocket.Chat only reads a fence on lines of its own (docs/rocketchat.md §5.2).
      const body = trimOf(decodeSlackEscapes(m[1]), "\n");
      const before = lineStart ? "" : "\n";
      const after = last >= source.length || source[last] === "\n" ? "" : "\n";
      prose += before + held.hold("```\n" + body + "\n```") + after;
      lineStart = after !== "";
    } else {
      prose += held.hold("`" + decodeSlackEscapes(m[2]!) + "`");
      lineStart = false;
    }
  }
  prose += source.slice(last);

  const linkNames = opts.linkNames === true || opts.parseFull === true;
  if (opts.parseFull !== true && prose.includes("<"))
    prose = replaceEach(prose, TOKEN, ([whole, inner]) => {
      const markup = convertToken(inner!, ctx, opts.target);
      return markup === undefined ? whole : held.hold(markup);
    });

  // Bare URLs are autolinked by Rocket.Chat as they are; no later pass may escape inside them.
  const linked = !prose.includes("://")
    ? prose
    : replaceEach(prose, BARE_URL, ([match]) => {
        const url = trimUrl(match);
        return held.hold(decodeSlackEscapes(url)) + match.slice(url.length);
      });
  let text = decodeSlackEscapes(linked);
  if (opts.styled === false) {
    text = escapeMarkdown(text, opts.target);
  } else {
    text = normaliseEmphasis(text, opts.target);
    if (opts.target === "message" && BULLET_CHAR.test(text)) text = text.replace(SLACK_BULLET, "$1- ");
  }
  text = linkNames ? linkBroadcasts(text) : neutraliseNames(text);
  text = slackEmojiToRocketChat(text);
  return held.restore(text);
}

/**
 * A bare URL ends before trailing punctuation, and before a `)` it did not open — the rule
 * autolinkers (GFM, Rocket.Chat) use, so `(see https://x.io/a)**` keeps its `)**`.
 */
function trimUrl(url: string): string {
  // Counted once and updated while trimming: recounting per character is quadratic in a URL
  // that ends in thousands of `)` (the adversarial tests).
  let opened = 0;
  let closed = 0;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 40)
      opened++; // (
    else if (c === 41) closed++; // )
  }
  let end = url.length;
  for (;;) {
    const c = url[end - 1]!;
    if (".,;:!?*_~'\"".includes(c)) end--;
    else if (c === ")" && closed > opened) {
      end--;
      closed--;
    } else return url.slice(0, end);
  }
}

/** One `<…>` token → Rocket.Chat markup, or undefined when it is not a Slack token. */
function convertToken(inner: string, ctx: TranslateContext, target: TextTarget): string | undefined {
  const bar = inner.indexOf("|");
  const head = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : decodeSlackEscapes(inner.slice(bar + 1));
  switch (head[0]) {
    case "@": {
      const id = head.slice(1);
      // A configured mapping always applies, whatever the key looks like (a Mattermost user id).
      const mapped = Object.hasOwn(ctx.users, id) ? ctx.users[id] : undefined;
      if (mapped !== undefined) return "@" + mapped;
      if (/^[UWB][A-Z0-9]+$/.test(id)) return "@" + (stripSigil(label, "@") ?? id);
      // Slack's old name form, `<@alice>` / `<@alice|alice>`: the name is the username.
      return /^[\p{L}\p{N}._-]+$/u.test(id) ? "@" + id : undefined;
    }
    case "#": {
      const id = head.slice(1);
      if (!/^[CGD][A-Z0-9]+$/.test(id)) return undefined;
      return "#" + ((Object.hasOwn(ctx.channels, id) ? ctx.channels[id] : undefined) ?? stripSigil(label, "#") ?? id);
    }
    case "!":
      return convertCommand(head.slice(1), label, ctx, target);
    default: {
      const url = decodeSlackEscapes(head);
      if (!URL_SCHEME.test(url) || /\s/.test(url)) return undefined;
      if (!LINKABLE_URL.test(url)) return label || url;
      return markdownLink(label, url, target);
    }
  }
}

const stripSigil = (label: string, sigil: string): string | undefined => {
  const name = label.startsWith(sigil) ? label.slice(1) : label;
  return name === "" ? undefined : name;
};

function convertCommand(command: string, label: string, ctx: TranslateContext, target: TextTarget): string | undefined {
  const [name = "", ...args] = command.split("^");
  switch (name) {
    case "here":
      return "@here";
    case "channel":
    case "everyone":
    case "group":
      return "@all";
    case "subteam":
      return label ? (label.startsWith("@") ? label : "@" + label) : args[0] ? "@" + args[0] : undefined;
    case "date": {
      const [epoch, format = "", link] = args;
      const formatted =
        epoch && /^-?\d+$/.test(epoch) ? formatSlackDate(Number(epoch), format, ctx.timeZone, ctx.now()) : undefined;
      const shown = formatted ?? label;
      if (!shown) return undefined;
      return link && LINKABLE_URL.test(link) ? markdownLink(shown, link, target) : shown;
    }
    default:
      // Slack: an unknown `<!foo|label>` shows its label.
      return label || undefined;
  }
}

/**
 * Keep the emphasis Slack would render and escape the markers it would not, since Rocket.Chat
 * bolds even inside words (`5*3*2`, docs/rocketchat.md §5.2). In attachments `*b*` becomes `**b**`.
 */
function normaliseEmphasis(text: string, target: TextTarget): string {
  let out = text;
  for (const marker of ["*", "~"] as const) {
    if (!out.includes(marker)) continue;
    const kept = target === "attachment" ? marker + marker : marker;
    const escaped = "\\" + marker;
    out = replaceEach(out, EMPHASIS_OR_STRAY[marker], ([, inner]) =>
      inner === undefined ? escaped : kept + inner + kept,
    );
  }
  return out;
}

/** `link_names`: Slack's `@channel` / `@everyone` are Rocket.Chat's `@all`. */
const linkBroadcasts = (text: string): string =>
  text.includes("@")
    ? replaceEach(text, BROADCAST_WORD, ([, before, word]) => before! + (word === "here" ? "@here" : "@all"))
    : text;

/**
 * Without `link_names`, Slack shows a typed `@name` or `#chan` as plain text, whereas
 * Rocket.Chat would mention (and for `@here`/`@all` refuse a bot without `mention-all`).
 * A word joiner after the sigil keeps the text as it reads and stops the parser.
 */
const neutraliseNames = (text: string): string =>
  text.includes("@") || text.includes("#") ? text.replace(NAME_WORD, `$1$2${WORD_JOINER}`) : text;

/**
 * Only the `<…>` tokens, for Markdown input (Mattermost converts Slack links and mentions the
 * same way before rendering its Markdown, docs/mattermost.md §1.5). Entities are left to Markdown.
 */
export function slackTokensToMarkdown(input: string, ctx: TranslateContext, target: TextTarget = "message"): string {
  if (!input.includes("<")) return input;
  return replaceEach(input, TOKEN, ([whole, inner]) => convertToken(inner!, ctx, target) ?? whole);
}
