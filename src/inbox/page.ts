/**
 * The inbox page (`GET /` in demo mode): the last messages rendered the way Rocket.Chat shows
 * them. Message text follows Rocket.Chat's message-parser dialect (`*b*` bold, a newline starts
 * a paragraph, `@name` and `#room` mentions); attachment text follows its marked renderer
 * (rocketchat.md §3.3, §5). Everything from the sender is escaped.
 */
import { Marked, type Tokens } from "marked";
import type { RocketChatAttachment } from "../rocketchat/types.ts";
import type { InboxMessage } from "./inbox.ts";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const safeUrl = (url: string | undefined): string | undefined => (url && /^https?:\/\//i.test(url) ? escapeHtml(url) : undefined);

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

/** Rocket.Chat's message text: single `*` is bold, and a line break is a new paragraph. */
const messageMarkdown = new Marked({ gfm: true, breaks: true, async: false }).use({
  extensions: [mention],
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
    body.push(`<div class="author">${icon ? `<img src="${icon}" alt="">` : ""}${link ? `<a href="${link}">${name}</a>` : name}</div>`);
  }
  if (a.title) {
    const link = safeUrl(a.title_link);
    body.push(`<div class="title">${link ? `<a href="${link}">${escapeHtml(a.title)}</a>` : escapeHtml(a.title)}</div>`);
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
  const color = a.color && /^#[0-9a-f]{3,8}$/i.test(a.color) ? a.color : "#e1e5e8";
  parts.push(
    `<div class="attachment" style="border-left-color:${color}">${thumb ? `<img class="thumb" src="${thumb}" alt="">` : ""}${body.join("")}</div>`,
  );
  return parts.join("");
}

function messageHtml(m: InboxMessage): string {
  const avatar = safeUrl(m.avatar);
  const who = escapeHtml(m.alias ?? "slackline");
  const icon = avatar ? `<img class="avatar" src="${avatar}" alt="">` : m.emoji ? `<span class="avatar emoji">${escapeHtml(m.emoji)}</span>` : `<span class="avatar">🤖</span>`;
  const thread = m.tmid ? `<span class="thread">in thread ${escapeHtml(m.tmid)}</span>` : "";
  return (
    `<article class="message">${icon}<div class="content"><header><strong>${who}</strong> <span class="tag">BOT</span> ` +
    `<span class="room">${escapeHtml(m.roomName)}</span> <time>${escapeHtml(m.ts)}</time>${thread}</header>` +
    `${m.msg ? `<div class="msg">${render(messageMarkdown, m.msg)}</div>` : ""}${(m.attachments ?? []).map(attachmentHtml).join("")}</div></article>`
  );
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#fff;color:#2f343d}
main{max-width:860px;margin:0 auto;padding:16px}h1{font-size:18px}code{background:#f2f3f5;padding:1px 4px;border-radius:3px}
pre{background:#f2f3f5;padding:8px;border-radius:4px;overflow:auto}.hook{background:#f7f8fa;padding:8px;border-radius:4px;word-break:break-all}
.message{display:flex;gap:10px;padding:10px 0;border-bottom:1px solid #eee}.avatar{width:36px;height:36px;border-radius:4px;flex:none;font-size:26px;text-align:center;overflow:hidden}
.avatar.emoji{font-size:10px;line-height:36px;background:#f2f3f5}
.content{flex:1;min-width:0}.tag{font-size:10px;background:#e1e5e8;border-radius:2px;padding:0 3px}.room,time,.thread{color:#9ea2a8;font-size:12px;margin-left:6px}
.msg p{margin:2px 0}.mention{background:#fff6d6;color:#8a6d00;border-radius:3px;padding:0 2px}blockquote{border-left:3px solid #e1e5e8;margin:4px 0;padding-left:8px;color:#6c727a}
.attachment{border-left:4px solid #e1e5e8;padding:4px 10px;margin:6px 0;overflow:hidden}.attachment .thumb{float:right;max-width:80px;max-height:80px}
.title{font-weight:600}.fields{display:flex;flex-wrap:wrap}.field{width:100%;margin:4px 0}.field.short{width:50%}.field-title{font-weight:600}
.image{max-width:360px;max-height:240px;display:block;margin-top:6px}.pretext p{margin:2px 0}.author img{width:16px;height:16px;vertical-align:middle;margin-right:4px}
.actions{margin-top:6px}.button{display:inline-block;border:1px solid #cbced1;border-radius:4px;padding:2px 10px;margin-right:6px;text-decoration:none;color:#1d74f5}
table{border-collapse:collapse}td,th{border:1px solid #e1e5e8;padding:2px 6px}`;

export function inboxPage(messages: InboxMessage[], hookUrls: string[]): string {
  const hooks = hookUrls.map((u) => `<div class="hook"><code>${escapeHtml(u)}</code></div>`).join("");
  const list = messages.length ? messages.map(messageHtml).join("") : "<p>No messages yet. Send one:</p>";
  const example = hookUrls[0]
    ? `<pre>curl -X POST -H 'Content-Type: application/json' \\\n  -d '{"text":"Hello from *slackline* &lt;https://example.com|a link&gt;"}' \\\n  ${escapeHtml(hookUrls[0])}</pre>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="10"><title>slackline inbox</title><style>${STYLE}</style></head><body><main>
<h1>slackline inbox</h1><p>Messages delivered to the built-in inbox, newest first, shown as Rocket.Chat renders them. Hook URL${hookUrls.length > 1 ? "s" : ""}:</p>${hooks}${messages.length ? "" : example}${list}</main></body></html>`;
}
