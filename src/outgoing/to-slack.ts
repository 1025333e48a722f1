/**
 * Rocket.Chat message text → Slack mrkdwn, the way Slack delivers a message's `text` to a bot
 * (slack.md A4): "only `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`"; links as `<url|label>` and
 * `<url>` ("Bare URLs are autolinked by the server. When messages are retrieved, Slack rewrites
 * them to `<url>`"); mentions as `<@U…>`, `<#C…|name>`, `<!here>`, `<!channel>`. It is the inverse
 * of `src/slack/mrkdwn.ts` for what both can say, so a reply quoting the text reads the same.
 * Pure and runtime-neutral.
 */

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
): SlackDirectory => ({ userIds: reverseMap(users), channelIds: reverseMap(channels) });

// Private-use placeholders hold finished Slack markup while the prose around it is escaped.
const PH_OPEN = "\uE000";
const PH_CLOSE = "\uE001";
const PH_ANY = /[\uE000\uE001]/g;
const PH_RESTORE = /\uE000(\d+)\uE001/g;

const CODE = /```[\s\S]*?```|`[^`\n]+`/g;
/** Rocket.Chat's `[label](url)`; the label may not span lines. */
const MD_LINK = /\[([^\]\n]+)\]\(((?:https?|ftp|mailto):[^\s()]+)\)/gi;
const BARE_URL = /\b(?:https?|ftp):\/\/[^\s<>\uE000\uE001]+/gi;
/** Punctuation that ends a sentence rather than the URL (Slack's autolinker drops it too). */
const URL_TAIL = /[.,;:!?'"]+$/;
/** Rocket.Chat's default username pattern `[0-9a-zA-Z-_.]+`, not ending in a dot. */
const MENTION = /(^|[^\p{L}\p{N}_@.-])@([0-9A-Za-z_.-]*[0-9A-Za-z_-])/gu;
const ROOM = /(^|[^\p{L}\p{N}_#&/])#([\p{L}\p{N}_.-]*[\p{L}\p{N}_-])/gu;
/** Rocket.Chat's doubled markers; Slack has one of each (`*b*`, `_i_`, `~s~`). */
const DOUBLED = /(\*\*|__|~~)(?=\S)([^\n]*?\S)\1/g;

export const escapeSlack = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function rocketChatToSlack(input: string, dir: SlackDirectory): string {
  if (!input) return "";
  const pieces: string[] = [];
  const hold = (markup: string): string => `${PH_OPEN}${pieces.push(markup) - 1}${PH_CLOSE}`;

  let text = input.replace(PH_ANY, "\uFFFD");
  // Code keeps its characters; Slack still escapes the three inside it.
  text = text.replace(CODE, (code) => hold(escapeSlack(code)));
  text = text.replace(MD_LINK, (_, label: string, url: string) =>
    hold(`<${escapeSlack(url)}|${escapeSlack(label)}>`),
  );
  text = text.replace(BARE_URL, (match) => {
    let url = match.replace(URL_TAIL, "");
    // `(https://x)`: the closing parenthesis belongs to the prose unless the URL opened one.
    if (url.endsWith(")") && !url.includes("(")) url = url.slice(0, -1);
    return hold(`<${escapeSlack(url)}>`) + match.slice(url.length);
  });
  text = text.replace(MENTION, (whole, before: string, name: string) => {
    if (name === "all") return before + hold("<!channel>");
    if (name === "here") return before + hold("<!here>");
    const id = dir.userIds.get(name);
    // An unmapped username has no Slack id to point at: it stays `@name` text.
    return id === undefined ? whole : before + hold(`<@${id}>`);
  });
  text = text.replace(ROOM, (whole, before: string, name: string) => {
    const id = dir.channelIds.get(name);
    return id === undefined ? whole : before + hold(`<#${id}|${escapeSlack(name)}>`);
  });
  text = text.replace(DOUBLED, (_, marker: string, inner: string) => `${marker[0]}${inner}${marker[0]}`);
  return escapeSlack(text).replace(PH_RESTORE, (_, i: string) => pieces[Number(i)]!);
}
