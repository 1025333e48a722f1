/**
 * Slack-shaped ids for Rocket.Chat ids, without state: a Slack id letter plus the RFC 4648 base32
 * (uppercase, no padding) of the UTF-8 Rocket.Chat id. The alphabet `A–Z2–7` keeps the result
 * within the `[A-Z0-9]` that Slack ids use, and decoding is exact, so any id handed to a bot comes
 * back as the same Rocket.Chat id. Real Slack ids (`C024BE7LR`: `0` is not base32) and Rocket.Chat
 * room ids (mixed case, `GENERAL`) do not decode, so callers can fall back to using them as given.
 * Slack `ts` values hold no id, so they are kept in a {@link TsStore}.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

const encoder = new TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF in the id instead of stripping it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** RFC 4648 §6 base32, uppercase, without `=` padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Strict inverse of {@link base32Encode}: only the uppercase alphabet, no padding, a length an
 * unpadded encoding can have, and zero bits in the unused tail (so each byte string has exactly
 * one encoding). Anything else → undefined.
 */
export function base32Decode(text: string): Uint8Array | undefined {
  // Unpadded lengths mod 8 are 0, 2, 4, 5 or 7 (1, 2, 3, 4, 0 bytes in the last group).
  if ([1, 3, 6].includes(text.length % 8)) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    const v = VALUE.get(c);
    if (v === undefined) return undefined;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

function encodeId(prefix: string, id: string): string {
  return prefix + base32Encode(encoder.encode(id));
}

function decodeId(prefix: string, id: string): string | undefined {
  if (!id.startsWith(prefix)) return undefined;
  const bytes = base32Decode(id.slice(prefix.length));
  if (bytes === undefined) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined; // not UTF-8: not one of ours
  }
}

/**
 * `C` + base32(rid). Used for every room type (Slack would use `D` for DMs and `G` for old private
 * channels; the channel type is told separately by `channel_type` / `channel_name`).
 * The id is only reversible for well-formed strings: a lone surrogate is encoded as U+FFFD.
 */
export const toSlackChannelId = (rid: string): string => encodeId("C", rid);
/** The rid behind a {@link toSlackChannelId} id; undefined for any other id (use it as given). */
export const fromSlackChannelId = (id: string): string | undefined => decodeId("C", id);

/** `U` + base32(Rocket.Chat user id). */
export const toSlackUserId = (uid: string): string => encodeId("U", uid);
export const fromSlackUserId = (id: string): string | undefined => decodeId("U", id);

/** `T` + base32(a workspace key, for example the Rocket.Chat server's host name). */
export const toSlackTeamId = (key: string): string => encodeId("T", key);
export const fromSlackTeamId = (id: string): string | undefined => decodeId("T", id);

/** `B` + base32(a bot key, for example the outgoing rule's name). */
export const toSlackBotId = (key: string): string => encodeId("B", key);

/**
 * Slack `ts` for a Rocket.Chat message time: `"<epoch seconds>.<6 digits>"`. Rocket.Chat times
 * have millisecond precision, so the 6 digits are `milliseconds * 1000 + seq`; `seq` (0–999,
 * default 0) tells apart messages of one room in the same millisecond when the caller knows of a
 * clash. Deterministic, so an edit (which keeps its creation `timestamp`) gets its message's ts.
 * The reverse, ts → Rocket.Chat message id, needs a store ({@link TsStore}): a ts holds no id.
 */
export function toSlackTs(date: Date | string, seq = 0): string {
  const ms = (typeof date === "string" ? new Date(date) : date).getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`toSlackTs: invalid date ${String(date)}`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 999) {
    throw new RangeError(`toSlackTs: seq must be an integer in 0..999, got ${seq}`);
  }
  const seconds = Math.floor(ms / 1000);
  const micros = (ms - seconds * 1000) * 1000 + seq;
  return `${seconds}.${String(micros).padStart(6, "0")}`;
}

/** Whether a Rocket.Chat time (ISO 8601) can be turned into a ts. */
export const isTime = (value: string | undefined): value is string =>
  value !== undefined && Number.isFinite(Date.parse(value));
