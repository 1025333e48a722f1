/**
 * Delivery on Workers (CONTRACT §4): a request tries Rocket.Chat first (`Deliverer.attempt`,
 * up to `delivery.fastPathMs`); what Rocket.Chat does not confirm goes to a Cloudflare Queue,
 * job and progress together, before `ok` is answered. The Worker's `queue()` handler is the
 * retry loop: `message.retry({ delaySeconds })` with exponential backoff (Rocket.Chat's 429
 * wait when it names one); permanent failures become dead letters (logged, and sent to the
 * dead-letter queue). A message that exhausts `max_retries` is moved to the same queue by the
 * platform.
 *
 * Exactly once rests on the message `_id`s chosen at acceptance, as on Node: a job tried
 * before asks Rocket.Chat (`chat.getMessage`) before sending again, so the queue's
 * at-least-once delivery never posts twice.
 *
 * Order: Queues do not keep order, and a request's fast path does not know what other
 * isolates have queued, so a room's retried message may arrive after later ones. Within one
 * batch a room's messages stay in order (a retried one holds back the rest of its room).
 */
import { backoffMs } from "../delivery/backoff.ts";
import {
  freshProgress,
  type AttemptResult,
  type Deliverer,
  type DeliveryJob,
  type JobProgress,
} from "../delivery/deliver.ts";
import {
  recordFacts,
  RecentDeliveries,
  type DeliveryDeps,
  type DeliveryService,
  type DeliverySettings,
  type DeliveryView,
  type SubmitOutcome,
} from "../delivery/service.ts";
import type { Logger } from "../observability/log.ts";
import type { SlackErrorCode } from "../slack/errors.ts";

/** A queued job: what the consumer needs to carry on where the last attempt stopped. */
export interface DeliveryMessage {
  readonly kind: "slackline.delivery";
  readonly job: DeliveryJob;
  readonly progress: JobProgress;
}

/** A permanent failure, kept in the dead-letter queue with the reason. */
export interface DeadLetter {
  readonly kind: "slackline.dead-letter";
  readonly job: DeliveryJob;
  readonly progress: JobProgress;
  readonly error: SlackErrorCode;
  readonly reason: string;
  readonly at: string;
}

/** The longest `delaySeconds` Queues accept (12 h on the older limits page; 24 h on the newer). */
export const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Exponential backoff with full jitter, in whole seconds for `delaySeconds`. */
export function retryDelaySeconds(
  result: Extract<AttemptResult, { kind: "retry" }>,
  settings: Pick<DeliverySettings, "retryBaseMs" | "retryMaxMs">,
  random: () => number = Math.random,
): number {
  const ms = result.afterMs ?? backoffMs(result.progress.attempts, settings.retryBaseMs, settings.retryMaxMs, random);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
}

export interface QueueDeliveryOptions extends DeliveryDeps {
  readonly queue: Queue<DeliveryMessage>;
  /** How long an attempt still running when the answer is due may take (the client timeout). */
  readonly attemptTimeoutMs: number;
}

/** Attempt now; on anything but a confirmation or a permanent error, queue it and answer `ok`. */
export class QueueDelivery implements DeliveryService {
  readonly #opts: QueueDeliveryOptions;
  readonly #now: () => number;
  readonly #recent = new RecentDeliveries();

  constructor(opts: QueueDeliveryOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  async submit(job: DeliveryJob): Promise<SubmitOutcome> {
    const { settings, metrics } = this.#opts;
    if (settings.fastPathMs === 0) return this.#enqueue(job, freshProgress, 0, "queued first (fastPathMs 0)");
    const running = attempt(this.#opts.deliverer, job, freshProgress, this.#opts.logger);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const due = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), settings.fastPathMs);
    });
    const result = await Promise.race([running, due]);
    clearTimeout(timer);
    const now = this.#now();
    if (result === undefined) {
      // Still running: the message may get stored any moment, so the queued copy checks first,
      // and waits until that attempt is surely over.
      const progress: JobProgress = { sent: 0, uncertain: true, attempts: 1 };
      const afterIt = Math.ceil(this.#opts.attemptTimeoutMs / 1000);
      return this.#enqueue(job, progress, afterIt, "unconfirmed when the answer was due");
    }
    switch (result.kind) {
      case "delivered":
        metrics.deliveries.inc({ hook: job.source, outcome: "delivered" });
        metrics.deliverySeconds.observe((now - job.acceptedAt) / 1000);
        this.#recent.add(recordFacts(job, "delivered", result.progress, now));
        return { kind: "delivered", stored: result.stored };
      case "failed":
        this.#opts.logger.warn("delivery refused", { job: job.id, source: job.source, reason: result.reason });
        metrics.deliveries.inc({ hook: job.source, outcome: "failed" });
        this.#recent.add(
          recordFacts(job, "failed", result.progress, now, { error: result.error, lastError: result.reason }),
        );
        return { kind: "failed", error: result.error };
      case "retry": {
        const delaySeconds = retryDelaySeconds(result, settings, this.#opts.random);
        const outcome = await this.#enqueue(job, result.progress, delaySeconds, result.reason);
        if (outcome.kind !== "failed" || result.afterMs === undefined) return outcome;
        return { ...outcome, retryAfterSeconds: result.afterMs / 1000 };
      }
    }
  }

  async view(): Promise<DeliveryView> {
    // The queue holds the pending jobs and the dead-letter queue the dead ones (dashboard).
    return { counts: { pending: 0, dead: 0 }, pending: [], dead: [], recent: this.#recent.list() };
  }

  async #enqueue(
    job: DeliveryJob,
    progress: JobProgress,
    delaySeconds: number,
    reason: string,
  ): Promise<SubmitOutcome> {
    const { queue, metrics, logger } = this.#opts;
    const now = this.#now();
    try {
      await queue.send({ kind: "slackline.delivery", job, progress }, { contentType: "json", delaySeconds });
    } catch (e) {
      // "503 remains for nothing could be queued."
      logger.error("queue: cannot store a job", { job: job.id, error: String(e) });
      metrics.deliveries.inc({ hook: job.source, outcome: "failed" });
      const lastError = `queue: ${String(e)}`;
      this.#recent.add(recordFacts(job, "failed", progress, now, { error: "service_unavailable", lastError }));
      return { kind: "failed", error: "service_unavailable" };
    }
    logger.info("delivery queued", { job: job.id, source: job.source, inSeconds: delaySeconds, reason });
    metrics.deliveries.inc({ hook: job.source, outcome: "queued" });
    const nextAt = now + delaySeconds * 1000;
    this.#recent.add(recordFacts(job, "queued", progress, now, { nextAt, lastError: reason }));
    return { kind: "queued" };
  }
}

/** One attempt that never rejects: a surprise mid-send may have stored the message. */
function attempt(
  deliverer: Deliverer,
  job: DeliveryJob,
  progress: JobProgress,
  logger: Logger,
): Promise<AttemptResult> {
  return deliverer.attempt(job, progress).catch((e: unknown): AttemptResult => {
    logger.error("delivery attempt threw", { job: job.id, error: String(e) });
    const after = { ...progress, attempts: progress.attempts + 1, uncertain: true };
    return { kind: "retry", reason: `unexpected: ${String(e)}`, progress: after };
  });
}

export interface ConsumerOptions extends DeliveryDeps {
  /** Where permanent failures are kept; without it they are only logged. */
  readonly deadLetters?: Queue<DeadLetter> | undefined;
}

const isDeliveryMessage = (body: unknown): body is DeliveryMessage => {
  const b = body as Partial<DeliveryMessage> | null;
  return (
    typeof b === "object" &&
    b !== null &&
    b.kind === "slackline.delivery" &&
    typeof b.job?.id === "string" &&
    Array.isArray(b.job.messages) &&
    typeof b.progress?.sent === "number"
  );
};

/**
 * The `queue()` handler's work: each message acked (delivered, or kept as a dead letter) or
 * retried later; nothing is dropped. Messages run one after another, in batch order.
 */
export async function consumeDeliveries(batch: MessageBatch<unknown>, opts: ConsumerOptions): Promise<void> {
  const { deliverer, metrics, logger, settings } = opts;
  const now = opts.now ?? Date.now;
  /** Rooms with a retried message in this batch: their later messages wait as long. */
  const held = new Map<string, number>();
  /** After a 429 nothing more goes to Rocket.Chat in this batch (its limit is per route). */
  let pausedUntil = 0;

  for (const message of batch.messages) {
    if (!isDeliveryMessage(message.body)) {
      logger.error("queue: not a delivery, dropped", { id: message.id, queue: batch.queue });
      message.ack();
      continue;
    }
    const { job } = message.body;
    const wait = Math.max(held.get(job.room) ?? 0, Math.ceil((pausedUntil - now()) / 1000));
    if (wait > 0) {
      message.retry({ delaySeconds: wait });
      continue;
    }
    // Each earlier delivery of this message was an attempt whose end is unknown: check first.
    const before: JobProgress = {
      ...message.body.progress,
      attempts: message.body.progress.attempts + message.attempts - 1,
      uncertain: message.body.progress.uncertain || message.attempts > 1,
    };
    const expiresAt = job.acceptedAt + settings.maxAgeSeconds * 1000;
    const tooOld = `not delivered within maxAgeSeconds (${settings.maxAgeSeconds})`;
    const result: AttemptResult =
      now() >= expiresAt
        ? { kind: "failed", error: "service_unavailable", reason: tooOld, progress: before }
        : await attempt(deliverer, job, before, logger);

    switch (result.kind) {
      case "delivered":
        metrics.deliveries.inc({ hook: job.source, outcome: "delivered" });
        metrics.deliverySeconds.observe((now() - job.acceptedAt) / 1000);
        logger.info("delivery delivered from the queue", { job: job.id, attempts: result.progress.attempts });
        message.ack();
        break;
      case "failed":
        if (await bury(job, result, opts, now())) message.ack();
        else message.retry({ delaySeconds: 60 });
        break;
      case "retry": {
        const delaySeconds = Math.max(1, retryDelaySeconds(result, settings, opts.random));
        if (result.afterMs !== undefined) pausedUntil = Math.max(pausedUntil, now() + result.afterMs);
        held.set(job.room, delaySeconds);
        metrics.deliveries.inc({ hook: job.source, outcome: "retried" });
        const { attempts } = result.progress;
        logger.debug("delivery retry", { job: job.id, attempts, inSeconds: delaySeconds, reason: result.reason });
        message.retry({ delaySeconds });
        break;
      }
    }
  }
}

/** Logs the dead letter and keeps it in the dead-letter queue; false when it could not be kept. */
async function bury(
  job: DeliveryJob,
  result: Extract<AttemptResult, { kind: "failed" }>,
  opts: ConsumerOptions,
  now: number,
): Promise<boolean> {
  const { error, reason, progress } = result;
  opts.logger.warn("delivery dead letter", { job: job.id, source: job.source, room: job.room, error, reason });
  opts.metrics.deliveries.inc({ hook: job.source, outcome: "dead" });
  if (!opts.deadLetters) return true;
  try {
    const at = new Date(now).toISOString();
    const letter: DeadLetter = { kind: "slackline.dead-letter", job, progress, error, reason, at };
    await opts.deadLetters.send(letter, { contentType: "json" });
    return true;
  } catch (e) {
    opts.logger.error("queue: cannot keep a dead letter, retrying it later", { job: job.id, error: String(e) });
    return false;
  }
}
