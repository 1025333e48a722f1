/**
 * Slack's incoming-webhook answers (docs/contract.md §3.1): a short plain-text code and its status.
 * Statuses follow docs/slack.md §1.6 where documented and the contract elsewhere.
 */
import type { Result } from "../result.ts";

export const slackErrorStatus = {
  no_service: 404,
  invalid_payload: 400,
  no_text: 400,
  too_many_attachments: 400,
  invalid_blocks: 400,
  channel_not_found: 404,
  channel_is_archived: 410,
  action_prohibited: 403,
  request_too_large: 413,
  rate_limited: 429,
  service_unavailable: 503,
} as const;

export type SlackErrorCode = keyof typeof slackErrorStatus;

/** An error as a value: a Slack code plus, for 429, how long the sender should wait. */
export interface SlackError {
  readonly code: SlackErrorCode;
  readonly retryAfterSeconds?: number;
}

/** A translation's outcome: the value, or the Slack error the sender is answered with. */
export type SlackResult<T> = Result<T, SlackError>;

export const fail = (code: SlackErrorCode, retryAfterSeconds?: number): { ok: false; error: SlackError } => ({
  ok: false,
  error: retryAfterSeconds === undefined ? { code } : { code, retryAfterSeconds },
});
