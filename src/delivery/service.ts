/**
 * How an accepted job reaches Rocket.Chat, as the incoming route sees it. `ok` to the sender
 * means Rocket.Chat has the message, or it is stored durably and will be delivered (docs/contract.md §4).
 */
import type { Config } from "../config/schema.ts";
import type { StoredMessage } from "../rocketchat/client.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Logger } from "../observability/log.ts";
import type { Deliverer, DeliveryJob, JobProgress } from "./deliver.ts";
import { DeliveryPolicy, type PolicyOptions } from "./policy.ts";

export type DeliverySettings = Config["delivery"];

/** What every delivery service is built from (Node's outbox, the Workers queue and its consumer). */
export interface DeliveryDeps {
  readonly deliverer: Deliverer;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly settings: DeliverySettings;
  readonly now?: () => number;
  readonly random?: () => number;
}

export type SubmitOutcome =
  | { readonly kind: "delivered"; readonly stored: StoredMessage[] }
  | { readonly kind: "queued" }
  | {
      readonly kind: "failed";
      readonly error: SlackErrorCode;
      readonly retryAfterSeconds?: number;
      readonly reason?: string;
    };

/** One job as the admin view shows it: ids, room, source and times, never message text. */
export interface DeliveryRecord {
  readonly id: string;
  readonly messageIds: readonly string[];
  readonly room: string;
  readonly source: string;
  /** queued / inflight: in the outbox; dead: a dead letter; delivered / failed: settled. */
  readonly state: "queued" | "inflight" | "dead" | "delivered" | "failed";
  readonly attempts: number;
  /** Messages Rocket.Chat has confirmed. */
  readonly confirmed: number;
  readonly acceptedAt: string;
  readonly updatedAt: string;
  readonly nextAttemptAt?: string;
  /** What the sender was, or would have been, answered. */
  readonly error?: SlackErrorCode;
  readonly lastError?: string;
}

export interface DeliveryView {
  readonly counts: { readonly pending: number; readonly dead: number };
  /** Unfinished outbox jobs, oldest first. */
  readonly pending: DeliveryRecord[];
  /** Dead letters, newest first. */
  readonly dead: DeliveryRecord[];
  /** The last settled jobs of this process, newest first. */
  readonly recent: DeliveryRecord[];
}

/** Records shown per list of the admin view (`GET /deliveries`). */
export const RECORDS_SHOWN = 100;

export type RetryOutcome =
  | { readonly kind: "retried"; readonly record: DeliveryRecord }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_dead"; readonly record: DeliveryRecord };

export interface DeliveryService {
  submit(job: DeliveryJob): Promise<SubmitOutcome>;
  /** The admin view (`GET /deliveries`). */
  view?(): Promise<DeliveryView>;
  /** Put a dead letter back in line (`POST /deliveries/{id}/retry`). */
  retry?(id: string): Promise<RetryOutcome>;
}

/**
 * A record with its times still as numbers. The in-memory list of recent jobs keeps these and
 * formats on reading: two ISO dates per request cost more than the rest of its bookkeeping.
 */
export interface RecordFacts extends Omit<DeliveryRecord, "acceptedAt" | "updatedAt" | "nextAttemptAt"> {
  readonly acceptedAt: number;
  readonly updatedAt: number;
  readonly nextAt?: number;
}

export function recordFacts(
  job: DeliveryJob,
  state: DeliveryRecord["state"],
  progress: JobProgress,
  updatedAt: number,
  extra: { nextAt?: number; error?: SlackErrorCode; lastError?: string } = {},
): RecordFacts {
  return {
    id: job.id,
    messageIds: job.messages.map((m) => m._id),
    room: job.room,
    source: job.source,
    state,
    attempts: progress.attempts,
    confirmed: progress.sent,
    acceptedAt: job.acceptedAt,
    updatedAt,
    ...extra,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function formatRecord({ acceptedAt, updatedAt, nextAt, ...facts }: RecordFacts): DeliveryRecord {
  return {
    ...facts,
    acceptedAt: iso(acceptedAt),
    updatedAt: iso(updatedAt),
    ...(nextAt === undefined ? {} : { nextAttemptAt: iso(nextAt) }),
  };
}

export const deliveryRecord = (...args: Parameters<typeof recordFacts>): DeliveryRecord =>
  formatRecord(recordFacts(...args));

/** The last settled jobs, in memory (per process, per isolate on Workers). */
export class RecentDeliveries {
  /** A ring: `#next` is where the next record goes, over the oldest once full. */
  readonly #records: RecordFacts[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity = RECORDS_SHOWN) {
    this.#capacity = capacity;
  }

  add(record: RecordFacts): void {
    this.#records[this.#next] = record;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Newest first. */
  list(): DeliveryRecord[] {
    const newestFirst = [...this.#records.slice(0, this.#next).reverse(), ...this.#records.slice(this.#next).reverse()];
    return newestFirst.map(formatRecord);
  }
}

/**
 * Delivery without an outbox: one attempt while the sender waits. A transient failure is
 * answered `service_unavailable`, so the sender (Alertmanager, @slack/webhook with retries)
 * tries again; nothing is claimed that is not stored.
 */
export class DirectDelivery implements DeliveryService {
  readonly #policy: DeliveryPolicy;
  readonly #now: () => number;

  constructor(opts: PolicyOptions) {
    this.#policy = new DeliveryPolicy(opts);
    this.#now = opts.now ?? Date.now;
  }

  async submit(job: DeliveryJob): Promise<SubmitOutcome> {
    const result = await this.#policy.attempt(job);
    const now = this.#now();
    // Without an outbox a transient failure is answered 503: for the sender it failed.
    return result.kind === "retry"
      ? this.#policy.unavailable(job, result, now)
      : this.#policy.answered(job, result, now);
  }

  async view(): Promise<DeliveryView> {
    return { counts: { pending: 0, dead: 0 }, pending: [], dead: [], recent: this.#policy.recentList() };
  }
}
