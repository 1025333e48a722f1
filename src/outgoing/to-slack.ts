/**
 * Rocket.Chat message text → Slack mrkdwn, the way Slack delivers a message's `text` to a bot
 * (docs/slack.md §2.2–§2.3): "only `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`"; links as `<url|label>` and
 * `<url>` ("Bare URLs are autolinked by the server. When messages are retrieved, Slack rewrites
 * them to `<url>`"); mentions as `<@U…>`, `<#C…|name>`, `<!here>`, `<!channel>`. It is the inverse
 * of `src/slack/mrkdwn.ts` for what both can say, so a reply quoting the text reads the same.
 * Pure and runtime-neutral.
 */
import { PLACEHOLDER_CHARS, Placeholders } from "../text/placeholders.ts";
import { replaceEach } from "../text/replace.ts";
import { trimEndOf } from "../text/trim.ts";

/** The config's `users` / `channels` maps, read backwards. */
export interface SlackDirectory {
  /** Rocket.Chat username → Slack user id. */
  readonly userIds: ReadonlyMap<string, string>;
  /** Rocket.Chat room name → Slack channel id. */
  readonly channelIds: ReadonlyMap<string, string>;
}

/** `{ U024BE7LH: "alice" }` → `alice → U024BE7LH`; the first id listed for a name wins. */
export function reverseMap(record: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, name] of Object.entries(record)) if (!out.has(name)) out.set(name, id);
  return out;
}

export const slackDirectory = (
  users: Readonly<Record<string, string>>,
  channels: Readonly<Record<string, string>>,
): SlackDirectory => ({
  userIds: reverseMap(users),
  channelIds: reverseMap(channels),
});

const CODE = /```[\s\S]*?```|`[^`\n]+`/g;
/**
 * Rocket.Chat's `[label](url)`; the label may not span lines or hold a `[` (as in CommonMark,
 * `[a [b](url)` links only `b`; it also keeps a line of many `[` linear).
 */
const MD_LINK = /\[([^[\]\n]+)\]\(((?:https?|ftp|mailto):[^\s()]+)\)/gi;
const BARE_URL = new RegExp(`\\b(?:https?|ftp)://[^\\s<>${PLACEHOLDER_CHARS}]+`, "gi");
/** Punctuation that ends a sentence rather than the URL (Slack's autolinker drops it too). */
const URL_TAIL = ".,;:!?'\"";
/** Rocket.Chat's default username pattern `[0-9a-zA-Z-_.]+`, not ending in a dot. */
const MENTION = /(^|[^\p{L}\p{N}_@.-])@([0-9A-Za-z_.-]*[0-9A-Za-z_-])/gu;
const ROOM = /(^|[^\p{L}\p{N}_#&/])#([\p{L}\p{N}_.-]*[\p{L}\p{N}_-])/gu;
/**
 * Rocket.Chat's doubled markers; Slack has one of each (`*b*`, `_i_`, `~s~`). The inside may not
 * hold the doubled marker itself: each opener then looks no further than the next one, which
 * keeps a line of unclosed markers linear.
 */
const DOUBLED =
  /\*\*(?=\S)((?:[^*\n]|\*(?!\*))*?\S)\*\*|__(?=\S)((?:[^_\n]|_(?!_))*?\S)__|~~(?=\S)((?:[^~\n]|~(?!~))*?\S)~~/g;

export const escapeSlack = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function rocketChatToSlack(input: string, dir: SlackDirectory): string {
  if (!input) return "";
  // Placeholders hold finished Slack markup while the prose around it is escaped.
  const held = new Placeholders();

  // Code keeps its characters; Slack still escapes the three inside it.
  let text = replaceEach(Placeholders.clean(input), CODE, ([code]) => held.hold(escapeSlack(code)));
  text = replaceEach(text, MD_LINK, ([, label, url]) => held.hold(`<${escapeSlack(url!)}|${escapeSlack(label!)}>`));
  text = replaceEach(text, BARE_URL, ([match]) => {
    let url = trimEndOf(match, URL_TAIL);
    // `(https://x)`: the closing parenthesis belongs to the prose unless the URL opened one.
    if (url.endsWith(")") && !url.includes("(")) url = url.slice(0, -1);
    return held.hold(`<${escapeSlack(url)}>`) + match.slice(url.length);
  });
  text = replaceEach(text, MENTION, ([whole, before, name]) => {
    if (name === "all") return before + held.hold("<!channel>");
    if (name === "here") return before + held.hold("<!here>");
    const id = dir.userIds.get(name!);
    // An unmapped username has no Slack id to point at: it stays `@name` text.
    return id === undefined ? whole : before + held.hold(`<@${id}>`);
  });
  text = replaceEach(text, ROOM, ([whole, before, name]) => {
    const id = dir.channelIds.get(name!);
    return id === undefined ? whole : before + held.hold(`<#${id}|${escapeSlack(name!)}>`);
  });
  text = replaceEach(text, DOUBLED, ([whole, bold, italic, strike]) => {
    const marker = whole.charAt(0);
    return marker + (bold ?? italic ?? strike) + marker;
  });
  return held.restore(escapeSlack(text));
}
