/**
 * The inbox page (`GET /` without a `rocketchat` section): the last messages rendered the way
 * Rocket.Chat shows them, oldest first with the newest in view. Message text follows Rocket.Chat's
 * message-parser dialect (`*b*` bold, a newline starts a paragraph, `@name` and `#room` mentions,
 * `:name:` emoji); attachment text follows its marked renderer. Everything from the sender is
 * escaped.
 *
 * The page works under a strict Content-Security-Policy (no inline script or style): its script
 * (src/inbox/script.ts, served as /inbox.js) shows local times, filters by hook, clears, sends a
 * pasted payload to a hook and keeps the list up to date without reloading (README: Quick start).
 */
import { Marked, type Tokens } from "marked";
import type { RocketChatAttachment } from "../model/message.ts";
import type { EmojiLookup } from "./emoji.ts";
import type { InboxMessage } from "./inbox.ts";

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const safeUrl = (url: string | undefined): string | undefined =>
  url && /^https?:\/\//i.test(url) ? escapeHtml(url) : undefined;

/**
 * Links in rendered text: only http(s) and mailto become links; any other scheme (`javascript:`,
 * `data:`, …) shows as its text. Used by every Marked instance of this page.
 */
const safeLinks = {
  link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Link): string {
    const label = this.parser.parseInline(token.tokens);
    const href = token.href.trim();
    if (!/^(?:https?:\/\/|mailto:)/i.test(href)) return label;
    const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
    return `<a href="${escapeHtml(href)}"${title}>${label}</a>`;
  },
};

const mention = {
  name: "mention",
  level: "inline" as const,
  start: (src: string) => src.search(/[@#][\p{L}\p{N}_]/u),
  tokenizer(src: string) {
    const m = /^([@#])([\p{L}\p{N}_][\p{L}\p{N}_.-]*)/u.exec(src);
    return m ? { type: "mention", raw: m[0], text: m[0] } : undefined;
  },
  renderer: (token: Tokens.Generic) => `<span class="mention">${escapeHtml(String(token["text"]))}</span>`,
};

/** Set for the length of one (synchronous) render: emoji names → Unicode, when a table is loaded. */
let emojiLookup: EmojiLookup | undefined;

const emojiHtml = (name: string): string | undefined => {
  const char = emojiLookup?.(name);
  return char === undefined ? undefined : `<span class="emoji" title=":${escapeHtml(name)}:">${char}</span>`;
};

/** `:name:` as Rocket.Chat shows it: the emoji, or the text as written when the name is unknown. */
const emoji = {
  name: "emoji",
  level: "inline" as const,
  start: (src: string) => src.search(/:[\w+-]+:/),
  tokenizer(src: string) {
    const m = /^:([\w+-]+):/.exec(src);
    return m && emojiHtml(m[1]!) !== undefined ? { type: "emoji", raw: m[0], text: m[1]! } : undefined;
  },
  renderer: (token: Tokens.Generic) => emojiHtml(String(token["text"])) ?? escapeHtml(String(token.raw)),
};

/** Rocket.Chat's message text: single `*` is bold, and a line break is a new paragraph. */
const messageMarkdown = new Marked({ gfm: true, breaks: true, async: false }).use({
  extensions: [mention, emoji],
  renderer: {
    ...safeLinks,
    em(token) {
      const inner = this.parser.parseInline(token.tokens);
      return token.raw.startsWith("*") ? `<strong>${inner}</strong>` : `<em>${inner}</em>`;
    },
    html: (token) => escapeHtml(token.text),
    image: (token) => {
      const src = safeUrl(token.href);
      return src ? `<img src="${src}" alt="${escapeHtml(token.text)}">` : escapeHtml(token.raw);
    },
  },
});

/** Attachment text: plain marked (GFM) after HTML-escaping, as Rocket.Chat's web client does. */
const attachmentMarkdown = new Marked({ gfm: true, breaks: true, async: false }).use({
  extensions: [emoji],
  renderer: { ...safeLinks, html: (token) => escapeHtml(token.text) },
});

const render = (md: Marked, text: string): string => md.parse(text) as string;

function attachmentHtml(a: RocketChatAttachment): string {
  const parts: string[] = [];
  if (a.pretext) parts.push(`<div class="pretext">${render(attachmentMarkdown, a.pretext)}</div>`);
  const body: string[] = [];
  if (a.author_name) {
    const icon = safeUrl(a.author_icon);
    const link = safeUrl(a.author_link);
    const name = escapeHtml(a.author_name);
    body.push(
      `<div class="author">${icon ? `<img src="${icon}" alt="">` : ""}${link ? `<a href="${link}">${name}</a>` : name}</div>`,
    );
  }
  if (a.title) {
    const link = safeUrl(a.title_link);
    body.push(
      `<div class="title">${link ? `<a href="${link}">${escapeHtml(a.title)}</a>` : escapeHtml(a.title)}</div>`,
    );
  }
  if (a.text) body.push(`<div class="text">${render(attachmentMarkdown, a.text)}</div>`);
  if (a.fields?.length) {
    const fields = a.fields.map(
      (f) =>
        `<div class="field${f.short ? " short" : ""}"><div class="field-title">${attachmentMarkdown.parseInline(f.title)}</div>` +
        `<div class="field-value">${attachmentMarkdown.parseInline(f.value)}</div></div>`,
    );
    body.push(`<div class="fields">${fields.join("")}</div>`);
  }
  const image = safeUrl(a.image_url);
  if (image) body.push(`<img class="image" src="${image}" alt="">`);
  if (a.actions?.length) {
    const buttons = a.actions.map((b) => `<a class="button" href="${safeUrl(b.url) ?? "#"}">${escapeHtml(b.text)}</a>`);
    body.push(`<div class="actions">${buttons.join("")}</div>`);
  }
  const thumb = safeUrl(a.thumb_url);
  // The colour is applied by the page's script (a style attribute needs 'unsafe-inline').
  const color = a.color && /^#[0-9a-f]{3,8}$/i.test(a.color) ? a.color : "#e1e5e8";
  parts.push(
    `<div class="attachment" data-color="${color}">${thumb ? `<img class="thumb" src="${thumb}" alt="">` : ""}${body.join("")}</div>`,
  );
  return parts.join("");
}

/** In Rocket.Chat a `>` quotes its own line only; marked would carry the quote on to the next. */
const quoteLinesOnly = (text: string): string =>
  text.includes(">") ? text.replace(/^(>.*)\n(?!>)/gm, "$1\n\n") : text;

/** "2026-12-03 06:05:01 UTC": shown until the page's script puts the reader's local time. */
const utc = (iso: string): string => iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");

/** Rocket.Chat's avatar for a name without one: its first letter. */
const initial = (name: string): string => (/\p{L}|\p{N}/u.exec(name)?.[0] ?? "?").toUpperCase();

function messageHtml(m: InboxMessage): string {
  const avatar = safeUrl(m.avatar);
  const who = escapeHtml(m.alias ?? "slackline");
  const emojiName = m.emoji?.replace(/^:|:$/g, "");
  const emojiChar = emojiName ? emojiLookup?.(emojiName) : undefined;
  const icon = avatar
    ? `<img class="avatar" src="${avatar}" alt="">`
    : m.emoji
      ? emojiChar
        ? `<span class="avatar emoji-avatar" title="${escapeHtml(m.emoji)}">${emojiChar}</span>`
        : `<span class="avatar emoji">${escapeHtml(m.emoji)}</span>`
      : `<span class="avatar initial">${escapeHtml(initial(m.alias ?? "slackline"))}</span>`;
  const thread = m.tmid ? `<span class="thread">in thread ${escapeHtml(m.tmid)}</span>` : "";
  const hook = m.hook ? ` data-hook="${escapeHtml(m.hook)}"` : "";
  return (
    `<article class="message" data-id="${escapeHtml(m._id)}"${hook}>${icon}<div class="content"><header><strong>${who}</strong> <span class="tag">BOT</span> ` +
    `<span class="room">${escapeHtml(m.roomName)}</span>${m.hook ? ` <span class="via">via ${escapeHtml(m.hook)}</span>` : ""} ` +
    `<time datetime="${escapeHtml(m.ts)}" title="${escapeHtml(m.ts)}">${escapeHtml(utc(m.ts))}</time>${thread}</header>` +
    `${m.msg ? `<div class="msg">${render(messageMarkdown, quoteLinesOnly(m.msg))}</div>` : ""}${(m.attachments ?? []).map(attachmentHtml).join("")}</div></article>`
  );
}

/** The message list, oldest first, as the page and its live updates show it. */
export function messagesHtml(messages: readonly InboxMessage[], emoji?: EmojiLookup): string {
  emojiLookup = emoji;
  try {
    return messages.map(messageHtml).join("");
  } finally {
    emojiLookup = undefined;
  }
}

/** A hook the page can send to: its name, URL and path (with its token: the page is the demo's). */
export interface InboxHook {
  readonly name: string;
  readonly url: string;
  readonly path: string;
}

/** The page's interactive parts (Node: src/node/inbox-extras.ts), already rendered. */
export interface InboxControls {
  /** In the top bar: the hook filter and the Clear button. */
  readonly header: string;
  /** Below the list: the form that sends a pasted payload. */
  readonly composer: string;
}

export function inboxPage(
  messages: readonly InboxMessage[],
  hooks: readonly InboxHook[],
  revision: number,
  emoji?: EmojiLookup,
  controls?: InboxControls,
): string {
  const urls = hooks
    .map((h) => `<li><strong>${escapeHtml(h.name)}</strong>: <code>${escapeHtml(h.url)}</code></li>`)
    .join("");
  const curl = hooks[0]
    ? `<pre>curl -X POST -H 'Content-Type: application/json' \\\n  -d '{"text":"Hello from *slackline* :wave: &lt;https://example.com|a link&gt;"}' \\\n  ${escapeHtml(hooks[0].url)}</pre>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>slackline inbox</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/inbox.css">${controls ? `<script src="/inbox.js" defer></script>` : ""}</head>
<body data-revision="${revision}"><header class="bar"><h1>slackline inbox</h1>${controls?.header ?? ""}</header>
<main id="list" aria-live="polite">${messagesHtml(messages, emoji)}</main>
<section id="empty"${messages.length ? " hidden" : ""}><p>No messages yet. What is sent to these hooks shows here as Rocket.Chat would show it:</p><ul>${urls}</ul>${curl}</section>
${controls?.composer ?? ""}</body></html>`;
}

export const INBOX_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#fff;color:#2f343d;display:flex;flex-direction:column;height:100vh}
.bar{display:flex;gap:16px;align-items:center;padding:8px 16px;border-bottom:1px solid #e1e5e8}.bar h1{font-size:16px;margin:0;flex:1}
#list{flex:1;overflow:auto;padding:0 16px}#empty{padding:0 16px;overflow:auto}[hidden]{display:none!important}
.composer{border-top:1px solid #e1e5e8;padding:8px 16px;background:#f7f8fa}.composer textarea{width:100%;box-sizing:border-box;font:12px/1.4 ui-monospace,monospace;margin:4px 0}
.composer .row{display:flex;gap:8px;align-items:center}output{font:12px ui-monospace,monospace;color:#2a7d2e}output.error{color:#d40c1a}
button{border:1px solid #cbced1;border-radius:4px;background:#fff;padding:3px 12px;cursor:pointer}button[type=submit]{background:#1d74f5;border-color:#1d74f5;color:#fff}
code{background:#f2f3f5;padding:1px 4px;border-radius:3px;word-break:break-all}pre{background:#f2f3f5;padding:8px;border-radius:4px;overflow:auto}
.message{display:flex;gap:10px;padding:10px 0;border-bottom:1px solid #eee}.avatar{width:36px;height:36px;border-radius:4px;flex:none;font-size:26px;text-align:center;overflow:hidden}
.avatar.initial{background:#1d74f5;color:#fff;font:600 18px/36px system-ui,sans-serif}.avatar.emoji{font-size:10px;line-height:36px;background:#f2f3f5}.emoji-avatar{line-height:36px}.emoji{font-size:1.25em;line-height:1}
.content{flex:1;min-width:0}.tag{font-size:10px;background:#e1e5e8;border-radius:2px;padding:0 3px}.room,.via,time,.thread{color:#9ea2a8;font-size:12px;margin-left:6px}
.msg p{margin:2px 0}.mention{background:#fff6d6;color:#8a6d00;border-radius:3px;padding:0 2px}blockquote{border-left:3px solid #e1e5e8;margin:4px 0;padding-left:8px;color:#6c727a}
.attachment{border-left:4px solid #e1e5e8;padding:4px 10px;margin:6px 0;overflow:hidden}.attachment .thumb{float:right;max-width:80px;max-height:80px}
.title{font-weight:600}.fields{display:flex;flex-wrap:wrap}.field{width:100%;margin:4px 0}.field.short{width:50%}.field-title{font-weight:600}
.image{max-width:360px;max-height:240px;display:block;margin-top:6px}.pretext p,.attachment .text p{margin:2px 0}.author img{width:16px;height:16px;vertical-align:middle;margin-right:4px}
.actions{margin-top:6px}.button{display:inline-block;border:1px solid #cbced1;border-radius:4px;padding:2px 10px;margin-right:6px;text-decoration:none;color:#1d74f5}
table{border-collapse:collapse}td,th{border:1px solid #e1e5e8;padding:2px 6px}
`;
