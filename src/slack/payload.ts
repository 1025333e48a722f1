/**
 * The Slack (and Mattermost) incoming-webhook payload as real senders send it.
 *
 * Lenient by design (docs/slack.md §1.3): `""`, `null` and a missing key mean the same; numbers
 * stand where strings are documented (Grafana's field values, apprise's float `ts`); unknown
 * keys are ignored. Only a top-level shape that cannot be a message is `invalid_payload`.
 */
import * as z from "zod/mini";

/** A string, a number or a boolean as a non-empty string; anything else as absent. */
const text = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): string | undefined => {
      if (typeof v === "string") return v === "" ? undefined : v;
      if (typeof v === "number" && Number.isFinite(v)) return String(v);
      if (typeof v === "boolean") return String(v);
      return undefined;
    }),
  ),
);

/** Slack sends booleans as `true`, `1`, `"true"` (winston, slack-notify, Mattermost's SlackCompatibleBool). */
const flag = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): boolean | undefined => {
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v !== 0;
      if (typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (s === "true" || s === "1" || s === "yes") return true;
        if (s === "false" || s === "0" || s === "no" || s === "") return false;
      }
      return undefined;
    }),
  ),
);

/** Objects only; everything else (including `null` items, slack-go's `"blocks":null`) is dropped. */
const objects = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): Record<string, unknown>[] | undefined =>
      Array.isArray(v)
        ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x))
        : undefined,
    ),
  ),
);

const stringList = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): string[] | undefined =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined,
    ),
  ),
);

export const slackField = z.object({ title: text, value: text, short: flag });
export type SlackField = z.infer<typeof slackField>;

export const slackAction = z.object({
  type: text,
  text: z.optional(z.unknown()),
  url: text,
  name: text,
  value: text,
  style: text,
});
export type SlackAction = z.infer<typeof slackAction>;

export const slackAttachment = z.object({
  fallback: text,
  color: text,
  pretext: text,
  author_name: text,
  author_link: text,
  author_icon: text,
  title: text,
  title_link: text,
  text: text,
  fields: z.optional(
    z.pipe(
      objects,
      z.transform((items) => items?.map((f) => slackField.parse(f))),
    ),
  ),
  image_url: text,
  thumb_url: text,
  footer: text,
  footer_icon: text,
  ts: text,
  mrkdwn_in: stringList,
  actions: z.optional(
    z.pipe(
      objects,
      z.transform((items) => items?.map((a) => slackAction.parse(a))),
    ),
  ),
  blocks: objects,
});
export type SlackAttachment = z.infer<typeof slackAttachment>;

export const slackPayload = z.object({
  text: text,
  blocks: objects,
  attachments: z.optional(
    z.pipe(
      z.unknown(),
      z.transform((v, ctx): Record<string, unknown>[] | undefined => {
        if (v === undefined || v === null || v === "") return undefined;
        if (!Array.isArray(v)) {
          ctx.issues.push({ code: "custom", message: "attachments must be an array", input: v });
          return z.NEVER;
        }
        return v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x));
      }),
    ),
  ),
  thread_ts: text,
  reply_broadcast: flag,
  username: text,
  icon_url: text,
  icon_emoji: text,
  channel: text,
  mrkdwn: flag,
  link_names: flag,
  parse: text,
  unfurl_links: flag,
  unfurl_media: flag,
  // Mattermost extras (docs/mattermost.md §1.3).
  props: z.optional(
    z.pipe(
      z.unknown(),
      z.transform((v) =>
        typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined,
      ),
    ),
  ),
  root_id: text,
  type: text,
});
export type SlackPayload = z.infer<typeof slackPayload> & {
  /** `blocks` was given but is not a list of objects (Slack: 400 `invalid_blocks`). */
  readonly blocksInvalid?: true;
};

/** `blocks` that are neither absent (`null`, `""`) nor a list of objects (`null` items are skipped). */
const blocksAreInvalid = (v: unknown): boolean =>
  v !== undefined &&
  v !== null &&
  v !== "" &&
  (!Array.isArray(v) || v.some((x) => x !== null && (typeof x !== "object" || Array.isArray(x))));

/**
 * Validate a decoded JSON body. A top-level value that is not an object, or `attachments`
 * that is not a list, cannot be a message.
 */
export function parseSlackPayload(body: unknown): SlackPayload | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const parsed = slackPayload.safeParse(body);
  if (!parsed.success) return undefined;
  const blocks = (body as Record<string, unknown>)["blocks"];
  return blocksAreInvalid(blocks) ? { ...parsed.data, blocksInvalid: true } : parsed.data;
}

/** The lenient readers, for other dialects of the same payload (Rocket.Chat's own). */
export { flag as looseFlag, text as looseText };

export const parseSlackAttachment = (raw: Record<string, unknown>): SlackAttachment => slackAttachment.parse(raw);
