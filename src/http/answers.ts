/**
 * Slack's incoming-webhook answers on the wire: plain text, no trailing newline, never JSON,
 * never a redirect (slack.md rules 1–2, CONTRACT §3).
 */
import { slackErrorStatus, type SlackError } from "../slack/errors.ts";

const TEXT_PLAIN = "text/plain; charset=utf-8";

export const slackOk = (): Response => new Response("ok", { status: 200, headers: { "content-type": TEXT_PLAIN } });

export function slackError(error: SlackError): Response {
  const headers: Record<string, string> = { "content-type": TEXT_PLAIN };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  return new Response(error.code, { status: slackErrorStatus[error.code], headers });
}
