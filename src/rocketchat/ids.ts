/**
 * Message ids in Rocket.Chat's own shape: 17 characters from Meteor's Random alphabet.
 * slackline picks the `_id` when it accepts a message, so every retry carries the same one
 * and Rocket.Chat stores it once (rocketchat.md §2.4).
 */
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const LENGTH = 17;

export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(LENGTH));
  let id = "";
  // 256 % 55 skews a few letters by under 1 %: harmless for uniqueness at 17 characters.
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

/** Rocket.Chat ids are 17+ characters of the Meteor alphabet, never Slack's `seconds.micro`. */
export const looksLikeMessageId = (value: string): boolean => /^[A-Za-z0-9]{17,24}$/.test(value);
