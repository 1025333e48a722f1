import * as z from "zod/mini";
import { CutCounter, cutText } from "../translate/bounds.ts";

/**
 * The body Rocket.Chat POSTs to an outgoing webhook URL (docs/rocketchat.md §4.4). Lenient on purpose:
 * unknown keys are dropped, `null` counts as missing, and every field but `token` may be absent,
 * because "in current code (about 7.7 and later) the body [of room and user events] is only
 * `{"token":"…","bot":false}`" (RC issue #36348).
 */

/** `null` → absent, so `"channel_name": null` and a missing key mean the same. */
const optionalString = z.pipe(
  z.transform((v: unknown) => (v === null ? undefined : v)),
  z.optional(z.string()),
);

/** A marker that may come as a boolean, an object (`bot: {i: "…"}`) or a string. */
const isTruthyMarker = (v: unknown): boolean =>
  typeof v === "boolean" ? v : v !== undefined && v !== null && v !== "false" && v !== 0 && v !== "";

/** "`bot` is `true` when the source message has a `bot` marker"; missing → `false`. */
const botFlag = z.pipe(z.transform(isTruthyMarker), z.boolean());

/** `isEdited` "appear[s] only when [it] appl[ies]". */
const optionalFlag = z.pipe(
  z.transform((v: unknown) => (v === undefined || v === null ? undefined : isTruthyMarker(v))),
  z.optional(z.boolean()),
);

const isEpochMs = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= 8.64e15;

export const rocketChatOutgoingEvent = z.object({
  token: z.string(),
  bot: botFlag,
  trigger_word: optionalString,
  channel_id: optionalString,
  /** "`channel_name` is absent for DMs, which have no room name." */
  channel_name: optionalString,
  message_id: optionalString,
  /** ISO 8601 ("Dates are serialised as ISO strings"); epoch milliseconds are accepted too. */
  timestamp: z.pipe(
    z.transform((v: unknown) => (v === null ? undefined : isEpochMs(v) ? new Date(v).toISOString() : v)),
    z.optional(z.string()),
  ),
  user_id: optionalString,
  user_name: optionalString,
  text: optionalString,
  siteUrl: optionalString,
  alias: optionalString,
  isEdited: optionalFlag,
  /** The thread root's message id when the message is a thread reply. */
  tmid: optionalString,
});

export type RocketChatOutgoingEvent = z.infer<typeof rocketChatOutgoingEvent>;

/**
 * A message's `text` is read up to Slack's own limit for a message (longer ones are truncated
 * there too): Rocket.Chat caps messages at `Message_MaxAllowedSize` (5,000 by default), but an
 * admin may raise it, and the trigger matching and translation of 1 MB of text cost hundreds
 * of milliseconds (docs/hostile-input.md).
 */
const MAX_EVENT_TEXT = 40_000;

/** A `sendMessage` event: the fields a Slack-style request cannot do without are present. */
export type OutgoingMessageEvent = RocketChatOutgoingEvent & {
  channel_id: string;
  message_id: string;
  user_id: string;
  user_name: string;
  text: string;
};

export type ParsedOutgoingEvent =
  | { kind: "message"; event: OutgoingMessageEvent }
  | { kind: "other"; token: string }
  | { kind: "invalid" };

/**
 * Classifies a decoded JSON body. `message`: a `sendMessage` (or `fileUploaded`) event with room,
 * message and user ids (`text` and `user_name` default to `""`). `other`: anything else that
 * carries a token (room/user events, either shape), so the route can still check the token and
 * answer 200. `invalid`: not an object, or no string `token`.
 */
export function parseOutgoingEvent(body: unknown): ParsedOutgoingEvent {
  const parsed = rocketChatOutgoingEvent.safeParse(body);
  if (!parsed.success) {
    // A bad optional field must not hide a valid token: fall back to the token alone.
    if (typeof body === "object" && body !== null && !Array.isArray(body)) {
      const token = (body as Record<string, unknown>)["token"];
      if (typeof token === "string") return { kind: "other", token };
    }
    return { kind: "invalid" };
  }
  // Keys given as `null` come out as `undefined`: drop them so "absent" has one form.
  const e = Object.fromEntries(
    Object.entries(parsed.data).filter(([, v]) => v !== undefined),
  ) as RocketChatOutgoingEvent;
  if (e.channel_id && e.message_id && e.user_id) {
    const event: OutgoingMessageEvent = {
      ...e,
      channel_id: e.channel_id,
      message_id: e.message_id,
      user_id: e.user_id,
      user_name: e.user_name ?? "",
      text: cutText(e.text ?? "", MAX_EVENT_TEXT, new CutCounter()),
    };
    return { kind: "message", event };
  }
  return { kind: "other", token: e.token };
}

// Replays (src/state/seen.ts): one key, and one Events API `event_id`, per event.

/**
 * What makes an event the same event: its rule, its message (id and creation time, which a
 * replay repeats) and, for an edit, the edited text.
 */
export const eventKey = (rule: string, event: OutgoingMessageEvent): string =>
  JSON.stringify([
    rule,
    event.message_id,
    event.timestamp ?? null,
    event.isEdited === true ? (event.text ?? "") : null,
  ]);

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A Slack-shaped `event_id` (`Ev` + 11 uppercase alphanumerics) derived from the event's key. */
export async function eventIdFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  let id = "Ev";
  for (let i = 0; i < 11; i++) id += ID_CHARS[digest[i]! % ID_CHARS.length];
  return id;
}
