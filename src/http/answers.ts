/**
 * Slack's incoming-webhook answers on the wire: plain text, no trailing newline, never JSON,
 * never a redirect (docs/slack.md §1.5–§1.7, docs/contract.md §3.1). Values first, so the Hono route and the
 * Node server write the same answer each in its own way.
 */
import { slackErrorStatus, type SlackError } from "../slack/errors.ts";

export interface SlackAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** For the log and metrics only, never sent: the hook's or bot's name (never its token)… */
  readonly hook?: string;
  /** …and, for a refusal, why. */
  readonly reason?: string;
}

/** The same answer, noted with who it was for and why (log and metrics; the wire is unchanged). */
export const noted = (answer: SlackAnswer, hook: string | undefined, reason?: string): SlackAnswer => ({
  ...answer,
  ...(hook !== undefined && { hook }),
  ...(reason !== undefined && { reason }),
});

const TEXT_PLAIN = "text/plain; charset=utf-8";
const PLAIN = { "content-type": TEXT_PLAIN } as const;

export const slackOk: SlackAnswer = { status: 200, body: "ok", headers: PLAIN };

/** A `Retry-After` value: whole seconds, at least 1 (clients read 0 as "now" and retry at once). */
export const retryAfter = (seconds: number): string => String(Math.max(1, Math.ceil(seconds)));

/** The token of an `Authorization: Bearer …` header (the scheme in any case, as HTTP allows). */
export const bearerToken = (authorization: string | null | undefined): string | undefined =>
  /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1];

export function slackError(error: SlackError): SlackAnswer {
  const headers =
    error.retryAfterSeconds === undefined ? PLAIN : { ...PLAIN, "retry-after": retryAfter(error.retryAfterSeconds) };
  return { status: slackErrorStatus[error.code], body: error.code, headers };
}

/** What an unexpected failure is answered: Slack's own catch-all, never a stack trace. */
export const rollupError: SlackAnswer = { status: 500, body: "rollup_error", headers: PLAIN };

export const toResponse = (answer: SlackAnswer): Response => new Response(answer.body, answer);

const JSON_TYPE = { "content-type": "application/json" } as const;
const rocketChatOk: SlackAnswer = { status: 200, body: '{"success":true}', headers: JSON_TYPE };

/**
 * The same answer as Rocket.Chat's own incoming webhooks give it (`/hooks/{id}/{token}`):
 * `{"success":true}`, or `{"success":false,"error":"<Slack code>"}` with the Slack status and
 * any `Retry-After` (docs/rocketchat-webhooks.md).
 */
export function rocketChatAnswer(answer: SlackAnswer): SlackAnswer {
  if (answer.status === 200) return rocketChatOk;
  const { "content-type": _plain, ...rest } = answer.headers;
  return {
    status: answer.status,
    body: JSON.stringify({ success: false, error: answer.body }),
    headers: { ...JSON_TYPE, ...rest },
  };
}
