/** An emoji name as Rocket.Chat writes it (`tada`, no colons) → its Unicode characters. */
export type EmojiLookup = (name: string) => string | undefined;
