/**
 * Room-wide mentions as text: `@all` and `@here` (any case) get a word joiner after the `@`, so
 * they read the same but Rocket.Chat's parser and its server-side mention search see no mention
 * (the same joiner `mrkdwn.ts` uses for typed names without `link_names`). Applied to the final
 * message text, so every way to write one (`<!channel>`, `<!here>`, `link_names`, a Markdown
 * `@all`, a block's broadcast element, a user map naming "all") is covered at once.
 */
const ROOM_MENTION = /@(all|here)(?![\p{L}\p{N}_])/giu;
const WORD_JOINER = "\u2060";

export const neutraliseRoomMentions = (text: string): string =>
  text.includes("@") ? text.replace(ROOM_MENTION, `@${WORD_JOINER}$1`) : text;
