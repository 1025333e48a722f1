import type { OutgoingMessageEvent } from "./event.ts";

/** One `outgoing[]` entry's matching settings (the config schema has exactly these keys). */
export interface OutgoingRule {
  name: string;
  channels: string[];
  triggerWords: string[];
  triggerMatch: "first-word" | "prefix" | "anywhere";
  caseSensitive: boolean;
  runOnEdits: boolean;
}

export type MatchFailureReason = "bot" | "self" | "edited" | "channel" | "trigger";

export interface MatchSuccess {
  matched: true;
  /** The configured word that matched, as configured (whatever case was typed); or none. */
  triggerWord: string | undefined;
  /** The text less the matched trigger word and the whitespace after it (slash-command `text`). */
  textAfterTrigger: string;
}

export type MatchResult = MatchSuccess | { matched: false; reason: MatchFailureReason };

/**
 * Whitespace as Go's `strings.Fields` (Mattermost's first word) sees it: the Unicode White_Space
 * property, NBSP, U+0085 and U+3000 included, and U+FEFF not.
 */
const LEADING_SPACE = /^\p{White_Space}+/u;
const WHITE_SPACE = /\p{White_Space}/u;

const trimLeading = (s: string): string => s.replace(LEADING_SPACE, "");

/** A loop: `/\p{White_Space}+$/` retries from every space of a long inner run (quadratic). */
function trimTrailing(s: string): string {
  let end = s.length;
  while (end > 0 && WHITE_SPACE.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/**
 * Decides whether one rule fires for one `sendMessage` event. Checks run in this order: loop guard
 * (`bot`, then the gateway's own user), edits, channel filter, trigger words.
 */
export function matchEvent(rule: OutgoingRule, event: OutgoingMessageEvent, selfUserId?: string): MatchResult {
  // "The gateway must drop `bot:true` events, or events from its own `user_id`" (docs/rocketchat.md §4.7).
  if (event.bot) return { matched: false, reason: "bot" };
  if (selfUserId && event.user_id === selfUserId) return { matched: false, reason: "self" };
  // "An edited message … is skipped unless `runOnEdits` is on" (docs/rocketchat.md §4.3).
  if (event.isEdited === true && !rule.runOnEdits) return { matched: false, reason: "edited" };
  if (rule.channels.length > 0 && !rule.channels.some((c) => channelMatches(c, event))) {
    return { matched: false, reason: "channel" };
  }
  return matchTrigger(rule, event.text);
}

/**
 * One channel-filter entry against an event. What the event can tell (docs/rocketchat.md §4.4 (room matching and DM ids: §4.2)): the
 * room id, the room name (absent for direct messages), and the sender's id and username.
 * - `#name`: the room name; like Rocket.Chat's own filter, `#<roomId>` matches too.
 * - `@user`: direct messages only (no `channel_name`). Matches the sender's username or id, or
 *   the other participant's id, which Rocket.Chat puts in the DM room id (the two user ids, sorted
 *   and concatenated). The other participant's *username* is not in the event, so `@bob` matches
 *   what bob writes in DMs, and `@<bob's user id>` matches both sides of bob's DMs.
 * - anything else: a room id.
 */
export function channelMatches(entry: string, event: OutgoingMessageEvent): boolean {
  const e = entry.trim();
  if (e.startsWith("#")) {
    const room = e.slice(1);
    return room !== "" && (room === event.channel_name || room === event.channel_id);
  }
  if (e.startsWith("@")) {
    if (event.channel_name !== undefined) return false;
    const who = e.slice(1);
    if (who === "") return false;
    return who === event.user_name || who === event.user_id || who === dmCounterpartId(event);
  }
  return e !== "" && e === event.channel_id;
}

/** The other user's id in a 1:1 DM, when the room id is Rocket.Chat's `sorted(uidA, uidB)` join. */
export function dmCounterpartId(event: OutgoingMessageEvent): string | undefined {
  const rid = event.channel_id;
  const uid = event.user_id;
  if (uid === "" || rid.length <= uid.length) return undefined;
  if (rid.startsWith(uid)) {
    const other = rid.slice(uid.length);
    if (uid <= other) return other;
  }
  if (rid.endsWith(uid)) {
    const other = rid.slice(0, rid.length - uid.length);
    if (other <= uid) return other;
  }
  return undefined;
}

function same(a: string, b: string, caseSensitive: boolean): boolean {
  return caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase();
}

/** Index of the first `word` in `text`; with case folding, compares slice by slice. */
function indexOfWord(text: string, word: string, caseSensitive: boolean): number {
  if (caseSensitive) return text.indexOf(word);
  const lw = word.toLowerCase();
  for (let i = 0; i + word.length <= text.length; i++) {
    if (text.slice(i, i + word.length).toLowerCase() === lw) return i;
  }
  return -1;
}

/**
 * Trigger words, "checked **in order** and the first hit wins" (docs/rocketchat.md §4.3); "`trigger_word` in
 * the payload is the **configured trigger**" (docs/mattermost.md §2.2). Empty words are skipped.
 * Case-sensitive, as in Slack and Rocket.Chat, unless `caseSensitive: false`.
 */
export function matchTrigger(rule: OutgoingRule, text: string): MatchResult {
  const words = rule.triggerWords.filter((w) => w !== "");
  // "If no trigger words are set, every message fires."
  if (words.length === 0) return { matched: true, triggerWord: undefined, textAfterTrigger: text };
  const cs = rule.caseSensitive;

  if (rule.triggerMatch === "first-word") {
    // "Fields split on any Unicode whitespace … and leading whitespace is skipped" (docs/mattermost.md §2.2).
    const body = trimLeading(text);
    const cut = body.search(WHITE_SPACE);
    const first = cut < 0 ? body : body.slice(0, cut);
    const rest = cut < 0 ? "" : trimLeading(body.slice(cut));
    // "An empty first word never matches."
    if (first === "") return { matched: false, reason: "trigger" };
    const hit = words.find((w) => same(first, w, cs));
    return hit === undefined
      ? { matched: false, reason: "trigger" }
      : { matched: true, triggerWord: hit, textAfterTrigger: rest };
  }

  if (rule.triggerMatch === "prefix") {
    // "The message text must **start with** the word … no word boundary" (docs/rocketchat.md §4.3).
    const hit = words.find((w) => same(text.slice(0, w.length), w, cs));
    return hit === undefined
      ? { matched: false, reason: "trigger" }
      : { matched: true, triggerWord: hit, textAfterTrigger: trimLeading(text.slice(hit.length)) };
  }

  // anywhere: "a plain case-sensitive substring anywhere in the text is enough".
  for (const w of words) {
    const i = indexOfWord(text, w, cs);
    if (i < 0) continue;
    const before = text.slice(0, i);
    const after = trimLeading(text.slice(i + w.length));
    const textAfterTrigger = after === "" ? trimTrailing(before) : before + after;
    return { matched: true, triggerWord: w, textAfterTrigger };
  }
  return { matched: false, reason: "trigger" };
}
