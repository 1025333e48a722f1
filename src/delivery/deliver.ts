/**
 * Delivery: one accepted request (a job of one or more messages, each with the `_id` chosen
 * when it was accepted) → Rocket.Chat, exactly once.
 *
 * `attempt` is a single pass that picks up where the previous one stopped. It never re-sends a
 * message whose fate is unknown without asking Rocket.Chat first (`chat.getMessage`), because a
 * timeout or a reset may come after Rocket.Chat stored it (docs/rocketchat.md §2.4).
 */
import type { RocketChatApi, RocketChatFailure, StoredMessage } from "../rocketchat/client.ts";
import { looksLikeMessageId, newMessageId } from "../rocketchat/ids.ts";
import type { RoomResolver } from "../rocketchat/rooms.ts";
import type { RocketChatMessageDraft } from "../model/message.ts";
import type { SlackErrorCode } from "../slack/errors.ts";

/** Why an attempt must be retried (see `AttemptResult`). */
export type RetryCause = "rate_limited" | "unavailable" | "unauthorized" | "ambiguous" | "unexpected";

export type JobMessage = RocketChatMessageDraft & { readonly _id: string };

export interface DeliveryJob {
  /** The first message's `_id`; unique. */
  readonly id: string;
  /** Which incoming hook or outgoing rule it came from (metrics, admin view). */
  readonly source: string;
  /** `#name`, `@user` or a room id. */
  readonly room: string;
  readonly threadTs?: string;
  readonly messages: readonly JobMessage[];
  readonly acceptedAt: number;
}

/**
 * A job for `room`: each message gets the `_id` it keeps through every retry (so a retry can never
 * post twice), chosen now, when the sender is answered.
 */
export function newJob(
  source: string,
  room: string,
  drafts: readonly RocketChatMessageDraft[],
  acceptedAt: number,
  threadTs?: string,
): DeliveryJob {
  const messages = drafts.map((m) => ({ ...m, _id: newMessageId() }));
  return { id: messages[0]!._id, source, room, messages, acceptedAt, ...(threadTs !== undefined ? { threadTs } : {}) };
}

/** What a job has achieved so far; stored with it between attempts. */
export interface JobProgress {
  /** Messages confirmed by Rocket.Chat, in order. */
  readonly sent: number;
  /** The next message may already be stored: ask before sending it again. */
  readonly uncertain: boolean;
  readonly attempts: number;
}

export const freshProgress: JobProgress = { sent: 0, uncertain: false, attempts: 0 };

export type AttemptResult =
  | { readonly kind: "delivered"; readonly stored: StoredMessage[]; readonly progress: JobProgress }
  /**
   * Try again later; `afterMs` when Rocket.Chat said how long (429). `cause` says whose fault it
   * is: `rate_limited`, `unavailable` and `unauthorized` are states of the server (every job
   * waits), `ambiguous` and `unexpected` are this job's own failures (its back-off grows).
   */
  | {
      readonly kind: "retry";
      readonly reason: string;
      readonly afterMs?: number;
      readonly cause?: RetryCause;
      readonly progress: JobProgress;
    }
  /** Will never succeed as it is: answer the sender, or keep it as a dead letter. */
  | {
      readonly kind: "failed";
      readonly error: SlackErrorCode;
      readonly reason: string;
      /** Rocket.Chat's HTTP status, when it answered one (403: the credentials lack a right). */
      readonly status?: number;
      readonly progress: JobProgress;
    };

/** Slack `thread_ts` → Rocket.Chat message id, for threads slackline itself minted. */
export interface ThreadLookup {
  tmidFor(threadTs: string): Promise<string | undefined>;
}

export class Deliverer {
  readonly #api: RocketChatApi;
  readonly #rooms: RoomResolver;
  readonly #threads: ThreadLookup | undefined;

  constructor(api: RocketChatApi, rooms: RoomResolver, threads?: ThreadLookup) {
    this.#api = api;
    this.#rooms = rooms;
    this.#threads = threads;
  }

  async attempt(job: DeliveryJob, before: JobProgress = freshProgress): Promise<AttemptResult> {
    let progress: JobProgress = { ...before, attempts: before.attempts + 1 };
    const room = await this.#rooms.resolve(job.room);
    if (!room.ok) return this.#failure(room.failure, progress, `resolving ${job.room}`);
    const rid = room.value;
    const tmid = job.threadTs === undefined ? undefined : await this.#tmid(job.threadTs);

    const stored: StoredMessage[] = [];
    for (let i = progress.sent; i < job.messages.length; i++) {
      // `tshow` means something only in a thread. (Left out rather than deleted: `delete` turns
      // the object into a slow dictionary for every later read and for JSON.stringify.)
      const { tshow, ...draft } = job.messages[i]!;
      const message = tmid ? { ...draft, rid, tmid, ...(tshow === undefined ? {} : { tshow }) } : { ...draft, rid };
      if (progress.uncertain) {
        const known = await this.#api.getMessage(message._id);
        if (!known.ok) return this.#failure(known.failure, progress, "checking an uncertain message");
        if (known.value) {
          stored.push(known.value);
          progress = { ...progress, sent: i + 1, uncertain: false };
          continue;
        }
        progress = { ...progress, uncertain: false };
      }
      const sent = await this.#api.sendMessage(message);
      if (sent.ok) {
        stored.push(sent.value);
        progress = { ...progress, sent: i + 1 };
        continue;
      }
      if (sent.failure.kind === "ambiguous") {
        progress = { ...progress, uncertain: true };
        return { kind: "retry", reason: sent.failure.message, cause: "ambiguous", progress };
      }
      // A 400 is also how Rocket.Chat answers a repeated `_id` (docs/delivery.md): ask whether
      // the message is there before calling it rejected. Always, not only for a job tried
      // before: progress recorded after a send may not have reached the disk before a crash.
      if (sent.failure.kind === "invalid") {
        const known = await this.#api.getMessage(message._id);
        if (known.ok && known.value) {
          stored.push(known.value);
          progress = { ...progress, sent: i + 1 };
          continue;
        }
      }
      if (sent.failure.kind === "not_found") this.#rooms.invalidate(job.room);
      return this.#failure(sent.failure, progress, "sending");
    }
    return { kind: "delivered", stored, progress };
  }

  /** Forget a room's cached lookup, e.g. before retrying a dead letter once the room was fixed. */
  forgetRoom(room: string): void {
    this.#rooms.invalidate(room);
  }

  async #tmid(threadTs: string): Promise<string | undefined> {
    const minted = await this.#threads?.tmidFor(threadTs);
    if (minted) return minted;
    // Senders that know Rocket.Chat pass its message id as `thread_ts`/`root_id` directly. A
    // Slack ts that slackline never minted cannot be mapped: the message goes to the room.
    return looksLikeMessageId(threadTs) ? threadTs : undefined;
  }

  #failure(failure: RocketChatFailure, progress: JobProgress, during: string): AttemptResult {
    const reason = `${during}: ${failure.kind}${failure.status ? ` (HTTP ${failure.status})` : ""}: ${failure.message}`;
    switch (failure.kind) {
      case "not_found":
        return { kind: "failed", error: "channel_not_found", reason, progress };
      case "archived":
        return { kind: "failed", error: "channel_is_archived", reason, progress };
      case "forbidden":
      case "invalid":
        return failure.status === undefined
          ? { kind: "failed", error: "action_prohibited", reason, progress }
          : { kind: "failed", error: "action_prohibited", reason, status: failure.status, progress };
      case "rate_limited":
        return failure.retryAfterMs === undefined
          ? { kind: "retry", reason, cause: "rate_limited", progress }
          : { kind: "retry", reason, afterMs: failure.retryAfterMs, cause: "rate_limited", progress };
      case "ambiguous":
        return { kind: "retry", reason, cause: "ambiguous", progress: { ...progress, uncertain: true } };
      case "unauthorized":
      case "unavailable":
        return { kind: "retry", reason, cause: failure.kind, progress };
    }
  }
}
