import * as z from "zod/mini";
import { trimEndOf } from "../text/trim.ts";

/**
 * A Slack-style consumer's answer to an outgoing webhook, slash command or event delivery, read
 * into one normalized shape. Translation to Rocket.Chat is the translator's job, not this module's.
 */

/** `""`, `null`, a wrong type and a missing key all mean "absent"; numbers are taken as text. */
const text = z.pipe(
  z.transform((v: unknown) => (typeof v === "number" && Number.isFinite(v) ? String(v) : v === "" ? undefined : v)),
  z.catch(z.optional(z.string()), undefined),
);

/** Arrays pass through for the translator; a JSON array in a string is decoded; `[]` → absent. */
const list = z.pipe(
  z.transform((v: unknown) => {
    if (typeof v === "string") {
      try {
        v = JSON.parse(v);
      } catch {
        return undefined;
      }
    }
    return Array.isArray(v) && v.length > 0 ? v : undefined;
  }),
  z.catch(z.optional(z.array(z.unknown())), undefined),
);

const flag = z.pipe(
  z.transform((v: unknown) => (v === "true" || v === 1 ? true : v === "false" || v === 0 ? false : v)),
  z.catch(z.optional(z.boolean()), undefined),
);

/** Only Slack's two values; anything else (Mattermost's `comment`, a typo) is dropped. */
const responseType = z.catch(z.optional(z.enum(["in_channel", "ephemeral"])), undefined);

export const slackReply = z.object({
  text,
  attachments: list,
  blocks: list,
  username: text,
  icon_url: text,
  icon_emoji: text,
  response_type: responseType,
  /** Slack ts strings; apprise-style float ts are turned into strings. */
  thread_ts: text,
  replace_original: flag,
  delete_original: flag,
  channel: text,
});

export type SlackReply = z.infer<typeof slackReply>;

export type SlackReplyErrorReason = "status" | "invalid_json" | "not_object" | "html" | "binary";

export type SlackReplyResult =
  /** `source` says whether the body was JSON or plain text (Slack shows plain text ephemerally). */
  | { kind: "reply"; reply: SlackReply; source: "json" | "text" }
  | { kind: "none" }
  | { kind: "error"; reason: SlackReplyErrorReason; status?: number };

export interface ConsumerResponse {
  status: number;
  contentType?: string | null;
  body: string;
}

/** The content types Rocket.Chat parses as JSON (docs/rocketchat.md §4.5), plus any `+json`. */
function declaresJson(contentType: string | null | undefined): boolean {
  const media = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    media === "application/json" ||
    media.endsWith("+json") ||
    media === "text/javascript" ||
    media === "application/javascript" ||
    media === "application/x-javascript"
  );
}

// Control characters other than tab, line feed and carriage return: not a text reply.
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const HTML_DOCUMENT = /^<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;

/** Whether a normalized reply asks for anything to happen. */
function hasContent(r: SlackReply): boolean {
  return (
    r.text !== undefined ||
    r.attachments !== undefined ||
    r.blocks !== undefined ||
    r.delete_original === true ||
    // "`{"response_type":"in_channel"}` on its own only echoes the command."
    r.response_type === "in_channel"
  );
}

function dropUndefined(r: SlackReply): SlackReply {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as SlackReply;
}

/** A reply already decoded to an object (a `response_url` form's `payload`, say). */
export function replyFromObject(value: object): SlackReplyResult {
  const reply = dropUndefined(slackReply.parse(value));
  return hasContent(reply) ? { kind: "reply", reply, source: "json" } : { kind: "none" };
}

/**
 * Reads a consumer's reply:
 * - a status outside 2xx → `error` with the status ("Any non-200 response shows an error");
 * - an empty body, or JSON with nothing to post (`{}`, `{"text":""}`) → `none` ("An empty body or
 *   empty `text` means no reply");
 * - JSON is parsed whatever the content type (errbot "replies with `Content-Type: text/html`");
 * - other text → `{ text }` ("plain text, shown ephemerally" for slash commands), except bodies
 *   that cannot be a message: JSON-typed or JSON-looking (`{…`, `[…`) bodies that are not a
 *   JSON object, HTML documents (an error or login page) and binary data → `error`.
 */
export function parseSlackReply(res: ConsumerResponse): SlackReplyResult {
  if (res.status < 200 || res.status > 299) {
    return { kind: "error", reason: "status", status: res.status };
  }
  const body = res.body.replace(/^\ufeff/, "");
  const trimmed = body.trim();
  if (trimmed === "") return { kind: "none" };

  const jsonTyped = declaresJson(res.contentType);
  let parsed: unknown;
  let isJson = false;
  try {
    parsed = JSON.parse(trimmed);
    isJson = true;
  } catch {
    isJson = false;
  }

  if (isJson && typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    return replyFromObject(parsed);
  }
  // Declared JSON, or looks like JSON (`{…`, `[…`), but is no object: not a reply.
  if (jsonTyped || /^[[{]/.test(trimmed)) {
    return { kind: "error", reason: isJson ? "not_object" : "invalid_json" };
  }
  if (HTML_DOCUMENT.test(trimmed)) return { kind: "error", reason: "html" };
  if (BINARY.test(body)) return { kind: "error", reason: "binary" };
  // Plain text: the whole body, less the trailing newline most servers add.
  return { kind: "reply", reply: { text: trimEndOf(body, "\r\n") }, source: "text" };
}
