/**
 * Durable delivery (CONTRACT §4): "ok means Rocket.Chat has the message, or it is stored durably
 * and will be delivered exactly once".
 *
 * - Fast path: a request first tries Rocket.Chat for up to `fastPathMs`. Confirmed → `ok`, no
 *   outbox write; a permanent error reaches the sender. Anything unconfirmed is in the outbox
 *   before `ok` is answered — an attempt still running then is stored `inflight` and settles
 *   its own record later, so the worker never sends that job at the same time.
 * - Worker: claims due jobs, the first unfinished one of each room only (acceptance order per
 *   room), backs off with full jitter, honours Rocket.Chat's 429 wait for every room.
 * - One `concurrency` limit for fast path and worker together.
 *
 * Runtime-neutral: the store is an `Outbox`, the loop plain timers.
 */
import { backoffMs } from "./backoff.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import { freshProgress, type AttemptResult, type Deliverer, type DeliveryJob, type JobProgress } from "./deliver.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import {
  deliveryRecord,
  RecentDeliveries,
  recordFacts,
  type RecordFacts,
  type DeliveryDeps,
  type DeliveryRecord,
  type DeliveryService,
  type DeliverySettings,
  type DeliveryView,
  type RetryOutcome,
  type SubmitOutcome,
} from "./service.ts";

export interface DurableDeliveryOptions extends DeliveryDeps {
  readonly outbox: Outbox;
}

/** Timers must not keep a CLI or a test alive (Node); Workers timers have no `unref`. */
const unref = (timer: unknown): void => (timer as { unref?: () => void }).unref?.();

/** At most `size` tasks at once; the rest wait in order. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  get free(): number {
    return this.#free;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

const RECORDS_SHOWN = 100;

export class DurableDelivery implements DeliveryService {
  readonly #outbox: Outbox;
  readonly #deliverer: Deliverer;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #settings: DeliverySettings;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #slots: Slots;
  readonly #recent = new RecentDeliveries();
  /** Unfinished jobs per room, stored or still on the fast path: a new job waits behind them. */
  readonly #waiting: Map<string, number>;
  /** Rooms with an attempt running here: the worker leaves their next job alone. */
  readonly #active = new Set<string>();
  /** Work that may still write to the outbox (requests, attempts): shutdown waits for it. */
  readonly #running = new Set<Promise<unknown>>();
  #seq: number;
  /** Unfinished jobs in the outbox. */
  #stored: number;
  #dead: number;
  /** After a 429 nothing is sent to Rocket.Chat before this (its limit is per route, not room). */
  #pausedUntil = 0;
  #interval: ReturnType<typeof setInterval> | undefined;
  #woken = false;
  #stopping = false;
  #closed = false;

  /** Recovers the outbox (a crash leaves jobs `inflight`); `start` runs the worker. */
  constructor(opts: DurableDeliveryOptions) {
    this.#outbox = opts.outbox;
    this.#deliverer = opts.deliverer;
    this.#metrics = opts.metrics;
    this.#logger = opts.logger;
    this.#settings = opts.settings;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.#slots = new Slots(opts.settings.concurrency);
    const recovered = this.#outbox.recover(this.#now());
    const stats = this.#outbox.stats();
    this.#waiting = stats.waiting;
    this.#seq = stats.lastSeq;
    this.#dead = stats.dead;
    this.#stored = [...stats.waiting.values()].reduce((a, b) => a + b, 0);
    if (recovered > 0)
      this.#logger.warn("outbox: jobs cut short by a crash will be checked before sending", { jobs: recovered });
    if (this.#stored > 0) this.#logger.info("outbox: resuming", { jobs: this.#stored, deadLetters: this.#dead });
    this.#metrics.queueDepth.collect(() => this.#stored);
    this.#metrics.deadLetters.collect(() => this.#dead);
  }

  start(): void {
    this.#interval = setInterval(() => this.#tick(), this.#settings.pollMs);
    unref(this.#interval);
    this.#wake();
  }

  /**
   * Stops claiming, waits up to `graceMs` for what is in flight, then closes the outbox. What is
   * still running is left `inflight` and checked with Rocket.Chat on the next start.
   * Resolves with the number of unfinished jobs left in the outbox.
   */
  async stop(graceMs: number): Promise<number> {
    this.#stopping = true;
    clearInterval(this.#interval);
    const deadline = this.#now() + graceMs;
    while (this.#running.size > 0 && this.#now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((resolve) => (timer = setTimeout(resolve, deadline - this.#now())));
      await Promise.race([Promise.allSettled([...this.#running]), grace]);
      clearTimeout(timer);
    }
    if (this.#running.size > 0)
      this.#logger.warn("outbox: grace period over, leaving deliveries in flight", { running: this.#running.size });
    this.#closed = true;
    this.#outbox.close();
    return this.#stored;
  }

  submit(job: DeliveryJob): Promise<SubmitOutcome> {
    return this.#track(this.#submit(job));
  }

  async view(): Promise<DeliveryView> {
    const now = this.#now();
    const shown = (which: "unfinished" | "dead") =>
      this.#closed ? [] : this.#outbox.list(which, RECORDS_SHOWN).map((e) => this.#record(e, now));
    return {
      counts: { pending: this.#stored, dead: this.#dead },
      pending: shown("unfinished"),
      dead: shown("dead"),
      recent: this.#recent.list(),
    };
  }

  async retry(id: string): Promise<RetryOutcome> {
    const found = this.#closed ? undefined : this.#outbox.get(id);
    if (!found) return { kind: "not_found" };
    const now = this.#now();
    if (found.state !== "dead") return { kind: "not_dead", record: this.#record(found, now) };
    const revived = this.#outbox.revive(id, now, now + this.#settings.maxAgeSeconds * 1000)!;
    this.#dead--;
    this.#stored++;
    this.#waiting.set(found.job.room, (this.#waiting.get(found.job.room) ?? 0) + 1);
    // Someone fixed the room, presumably: do not answer from a cached "archived" or "not found".
    this.#deliverer.forgetRoom(found.job.room);
    this.#logger.info("outbox: dead letter back in line", { job: id, room: found.job.room });
    this.#wake();
    return { kind: "retried", record: this.#record(revived, now) };
  }

  async #submit(job: DeliveryJob): Promise<SubmitOutcome> {
    if (this.#closed) return { kind: "failed", error: "service_unavailable" };
    const seq = ++this.#seq;
    const ahead = this.#waiting.get(job.room) ?? 0;
    this.#waiting.set(job.room, ahead + 1);
    // "A room's jobs are delivered in acceptance order": behind unfinished ones, or while
    // Rocket.Chat asked us to wait, a job goes straight to the outbox.
    if (ahead > 0 || this.#now() < this.#pausedUntil) return this.#enqueue(job, seq, freshProgress, this.#now());

    this.#active.add(job.room);
    const running = this.#attempt(job, freshProgress);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const due = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#settings.fastPathMs);
    });
    const result = await Promise.race([running, due]);
    clearTimeout(timer);
    if (result) return this.#answer(job, seq, result);

    // Unconfirmed when the answer is due: stored as in flight before `ok`, so a crash cannot
    // lose it (a restart checks with Rocket.Chat), and the running attempt settles the record.
    try {
      this.#store({ ...this.#entry(job, seq, freshProgress, this.#now()), state: "inflight" });
    } catch (e) {
      this.#logger.error("outbox: cannot store a job", { job: job.id, error: String(e) });
      return this.#answer(job, seq, await running);
    }
    this.#track(running.then((r) => this.#settle(job, r)));
    return { kind: "queued" };
  }

  /** A fast-path attempt that ended before the answer was due; nothing stored yet. */
  #answer(job: DeliveryJob, seq: number, result: AttemptResult): SubmitOutcome {
    this.#active.delete(job.room);
    const now = this.#now();
    switch (result.kind) {
      case "delivered":
        this.#finish(job, recordFacts(job, "delivered", result.progress, now));
        return { kind: "delivered", stored: result.stored };
      case "failed":
        this.#logger.warn("delivery refused", { job: job.id, source: job.source, reason: result.reason });
        this.#finish(
          job,
          recordFacts(job, "failed", result.progress, now, { error: result.error, lastError: result.reason }),
        );
        return { kind: "failed", error: result.error, reason: result.reason };
      case "retry": {
        const queued = this.#enqueue(job, seq, result.progress, this.#retryAt(result, now), result.reason);
        if (queued.kind === "queued") this.#metrics.deliveries.inc({ hook: job.source, outcome: "retried" });
        return queued.kind === "failed" && result.afterMs !== undefined
          ? { ...queued, retryAfterSeconds: result.afterMs / 1000 }
          : queued;
      }
    }
  }

  #enqueue(job: DeliveryJob, seq: number, progress: JobProgress, nextAt: number, lastError?: string): SubmitOutcome {
    const now = this.#now();
    try {
      const entry = this.#entry(job, seq, progress, now);
      this.#store({ ...entry, nextAt, ...(lastError === undefined ? {} : { lastError }) });
    } catch (e) {
      // "503 remains for nothing could be queued."
      this.#logger.error("outbox: cannot store a job", { job: job.id, error: String(e) });
      const failure = { error: "service_unavailable", lastError: `outbox: ${String(e)}` } as const;
      this.#finish(job, recordFacts(job, "failed", progress, now, failure));
      return { kind: "failed", error: "service_unavailable" };
    }
    this.#wake();
    return { kind: "queued" };
  }

  #entry(job: DeliveryJob, seq: number, progress: JobProgress, now: number): OutboxEntry {
    const expiresAt = job.acceptedAt + this.#settings.maxAgeSeconds * 1000;
    return { seq, job, state: "queued", progress, nextAt: now, expiresAt, updatedAt: now };
  }

  #store(entry: OutboxEntry): void {
    this.#outbox.add(entry);
    this.#stored++;
    this.#metrics.deliveries.inc({ hook: entry.job.source, outcome: "queued" });
  }

  /** One attempt within the concurrency limit; never rejects. */
  #attempt(job: DeliveryJob, progress: JobProgress): Promise<AttemptResult> {
    return this.#track(
      this.#slots.run(() => this.#deliverer.attempt(job, progress)).catch((e: unknown): AttemptResult => {
        // A bug or a surprise mid-send: the message may be stored, so check before sending again.
        this.#logger.error("delivery attempt threw", { job: job.id, error: String(e) });
        const after = { ...progress, attempts: progress.attempts + 1, uncertain: true };
        return { kind: "retry", reason: `unexpected: ${String(e)}`, progress: after };
      }),
    );
  }

  /** Records how an attempt on a stored job ended. */
  #settle(job: DeliveryJob, result: AttemptResult): void {
    this.#active.delete(job.room);
    // Shut down meanwhile: the record stays `inflight` and is checked on the next start.
    if (this.#closed) return;
    const now = this.#now();
    try {
      switch (result.kind) {
        case "delivered":
          this.#outbox.remove(job.id);
          this.#stored--;
          this.#finish(job, recordFacts(job, "delivered", result.progress, now));
          break;
        case "failed":
          this.#bury(job, result.progress, result.error, result.reason, now);
          break;
        case "retry": {
          const nextAt = this.#retryAt(result, now);
          this.#outbox.requeue(job.id, result.progress, nextAt, result.reason, now);
          this.#metrics.deliveries.inc({ hook: job.source, outcome: "retried" });
          const { attempts } = result.progress;
          this.#logger.debug("delivery retry", { job: job.id, attempts, inMs: nextAt - now, reason: result.reason });
          break;
        }
      }
    } catch (e) {
      // The record stays as it was (`inflight`: checked with Rocket.Chat after a restart).
      this.#logger.error("outbox: cannot record a delivery", { job: job.id, outcome: result.kind, error: String(e) });
    }
    this.#wake();
  }

  /** "Permanent errors are not retried and kept as dead letters with the reason." */
  #bury(job: DeliveryJob, progress: JobProgress, error: SlackErrorCode, reason: string, now: number): void {
    this.#outbox.bury(job.id, progress, error, reason, now);
    this.#stored--;
    this.#dead++;
    this.#logger.warn("delivery dead letter", { job: job.id, source: job.source, room: job.room, error, reason });
    this.#finish(job, recordFacts(job, "dead", progress, now, { error, lastError: reason }));
  }

  /** A job left the line: delivered, refused, or a dead letter. */
  #finish(job: DeliveryJob, record: RecordFacts): void {
    const left = (this.#waiting.get(job.room) ?? 1) - 1;
    if (left > 0) this.#waiting.set(job.room, left);
    else this.#waiting.delete(job.room);
    this.#recent.add(record);
    this.#metrics.deliveries.inc({ hook: job.source, outcome: record.state });
    if (record.state === "delivered") this.#metrics.deliverySeconds.observe((this.#now() - job.acceptedAt) / 1000);
  }

  #retryAt(result: Extract<AttemptResult, { kind: "retry" }>, now: number): number {
    const { retryBaseMs, retryMaxMs } = this.#settings;
    if (result.afterMs === undefined) return now + backoffMs(result.progress.attempts, retryBaseMs, retryMaxMs, this.#random);
    // Rocket.Chat's rate limit is per route and client, not per room: everyone waits.
    if (now + result.afterMs > this.#pausedUntil)
      this.#logger.info("Rocket.Chat rate limit: pausing deliveries", { ms: result.afterMs });
    this.#pausedUntil = Math.max(this.#pausedUntil, now + result.afterMs);
    return now + result.afterMs;
  }

  #record(e: OutboxEntry, now: number): DeliveryRecord {
    return deliveryRecord(e.job, e.state, e.progress, e.updatedAt, {
      ...(e.state === "queued" ? { nextAt: Math.max(e.nextAt, this.#pausedUntil, now) } : {}),
      ...(e.error === undefined ? {} : { error: e.error }),
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
    });
  }

  /** Run the worker soon (a job was queued, or a room's line moved). */
  #wake(): void {
    if (this.#woken || this.#interval === undefined || this.#stopping) return;
    this.#woken = true;
    unref(
      setTimeout(() => {
        this.#woken = false;
        this.#tick();
      }, 0),
    );
  }

  /** One worker pass: claim what is due, up to the free concurrency. */
  #tick(): void {
    if (this.#stopping) return;
    const now = this.#now();
    if (now < this.#pausedUntil) return;
    try {
      for (;;) {
        const free = this.#slots.free;
        if (free <= 0) return;
        // A room with a fast-path attempt running has no stored head yet: skip it.
        const heads = this.#outbox.due(now, free + this.#active.size).filter((e) => !this.#active.has(e.job.room));
        const expired = heads.filter((e) => e.expiresAt <= now);
        for (const e of expired) {
          const reason = `not delivered within maxAgeSeconds (${e.lastError ?? "no attempt"})`;
          this.#bury(e.job, e.progress, "service_unavailable", reason, now);
        }
        const ready = heads.filter((e) => e.expiresAt > now).slice(0, free);
        this.#outbox.claim(ready.map((e) => e.job.id), now);
        for (const e of ready) {
          this.#active.add(e.job.room);
          this.#track(this.#attempt(e.job, e.progress).then((r) => this.#settle(e.job, r)));
        }
        // An expired head lets the next job of its room move up: look again.
        if (expired.length === 0) return;
      }
    } catch (e) {
      this.#logger.error("outbox: worker pass failed", { error: String(e) });
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const done = () => this.#running.delete(work);
    work.then(done, done);
    return work;
  }
}
