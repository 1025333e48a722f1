/**
 * The delivery policy: everything about delivering a job that does not depend on where jobs are
 * stored. Written once, used by every delivery service: `DirectDelivery` (no store),
 * `DurableDelivery` (Node, an SQLite outbox) and the Workers side (a Durable Object per room),
 * each of which keeps only its store and its loop. Runtime-neutral: no `node:` import, timers
 * only through `setTimeout`. docs/delivery.md describes the rules and how a store drives this.
 *
 * How a service uses it:
 *
 *   const policy = new DeliveryPolicy({ deliverer, metrics, logger, settings, probe });
 *   // accepting a job
 *   const full = policy.admit(job, waitingInRoom, waitingInAll, now);   // 429 before anything is stored
 *   if (full) return full;
 *   const running = policy.attempt(job, freshProgress);               // never rejects
 *   const early = await policy.fastPath(running);                      // undefined: not confirmed in time
 *   // …store the job (or answer from `early` with policy.answered(job, early, now))…
 *   // the loop
 *   policy.server.blockedUntil(now)  → send nothing before then (429 pause, unreachable, 401)
 *   policy.nextAttemptAt(result, failures, now) → when a retried job is due, and whether the
 *                                                 failure was its own (failures + 1) or the server's
 *   policy.expired(job, now)         → bury it as `service_unavailable`
 *   policy.delivered / dead / retried / queued / unstorable → metrics, the recent list, logs
 *   policy.drained(room, messages, now) → the drain rate the next 429's Retry-After comes from
 *
 * A service must call `policy.server.wake = () => …` to be told when the server is usable again
 * (a probe succeeded, a pause ended) so every room resumes at once.
 */
import { backoffMs } from "./backoff.ts";
import { freshProgress, type AttemptResult, type DeliveryJob, type JobProgress } from "./deliver.ts";
import type { RocketChatResult } from "../rocketchat/client.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import {
  RecentDeliveries,
  recordFacts,
  type DeliveryDeps,
  type DeliveryRecord,
  type SubmitOutcome,
} from "./service.ts";

export type RetryResult = Extract<AttemptResult, { kind: "retry" }>;
export type FailedResult = Extract<AttemptResult, { kind: "failed" }>;
export type DeliveredResult = Extract<AttemptResult, { kind: "delivered" }>;

/** A call that tells whether Rocket.Chat answers and accepts the credentials (`GET /api/v1/me`). */
export type Probe = () => Promise<RocketChatResult<unknown>>;

export interface PolicyOptions extends DeliveryDeps {
  readonly probe?: Probe | undefined;
}

/** Timers must not keep a CLI or a test alive (Node); Workers timers have no `unref`. */
export const unref = (timer: unknown): void => (timer as { unref?: () => void }).unref?.();

/** At most `size` tasks at once; the rest wait in order. */
export class Slots {
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

const MINUTE = 60_000;
/** While Rocket.Chat is unreachable it is probed at growing intervals, never further apart than this. */
const PROBE_MAX_MS = 5_000;

/**
 * What Rocket.Chat is like right now, for every job alike: paused by a 429, unreachable, or
 * refusing the credentials. While it is not usable nothing is sent but a probe (`GET /me`) at
 * growing intervals; when one answers, `wake` runs and every room resumes at once.
 */
export class RocketChatState {
  /** Called when sending may resume (a pause ended, a probe succeeded). */
  wake: () => void = () => {};
  /** How many accepted messages are waiting (for the INFO line when Rocket.Chat is back). */
  waiting: () => number = () => 0;
  /** Called when a 429 met here starts or lengthens the pause (Workers tell the other rooms). */
  paused: (until: number) => void = () => {};
  #pausedUntil = 0;
  #downSince: number | undefined;
  #downCause: "unavailable" | "unauthorized" | undefined;
  #probes = 0;
  #probeAt = 0;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #lastAuthError = -Infinity;
  /** Without a probe: the next job is let through as the probe. */
  #released = false;
  #stopped = false;
  readonly #opts: PolicyOptions;
  readonly #now: () => number;

  readonly #slots: Slots;

  constructor(opts: PolicyOptions, slots: Slots) {
    this.#opts = opts;
    this.#slots = slots;
    this.#now = opts.now ?? Date.now;
    opts.metrics.rocketchatUp.collect(() => (this.#downSince === undefined ? 1 : 0));
  }

  /** After a 429: nothing is sent before this (Rocket.Chat's limit is per route and client). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** Nothing but the probe goes to Rocket.Chat before this; Infinity while it is down. */
  blockedUntil(now: number): number {
    if (this.#downSince !== undefined && !this.#released) return Infinity;
    return this.#pausedUntil > now ? this.#pausedUntil : 0;
  }

  /** Learns from an attempt's outcome (any job, any path). */
  observe(result: AttemptResult): void {
    const now = this.#now();
    if (result.kind === "delivered") return this.#up(now);
    if (result.kind === "failed") {
      if (result.status === 403) this.#authError(403, result.reason, now);
      return;
    }
    switch (result.cause) {
      case "rate_limited":
        return this.#pause(result.afterMs ?? 1000, now);
      case "unavailable":
        return this.#markDown("unavailable", result.reason, now);
      case "unauthorized":
        this.#authError(401, result.reason, now);
        return this.#markDown("unauthorized", result.reason, now);
      default:
        // Rocket.Chat answered (a 5xx, a reset): it is reachable.
        return result.cause === "ambiguous" ? this.#up(now) : undefined;
    }
  }

  /** Start-up: `GET /api/v1/me`, logged; not fatal (Rocket.Chat may be down). */
  async check(): Promise<void> {
    const probe = this.#opts.probe;
    if (!probe) return;
    const res = await this.#slots
      .run(probe)
      .catch((e: unknown) => ({ ok: false as const, failure: { kind: "unavailable" as const, message: String(e) } }));
    const now = this.#now();
    if (res.ok) {
      const who = (res.value as { username?: string }).username;
      this.#opts.logger.info("Rocket.Chat: credentials accepted", { user: who ?? "" });
      return;
    }
    const { failure } = res;
    if (failure.kind === "unauthorized") {
      this.#authError(401, failure.message, now);
      this.#markDown("unauthorized", failure.message, now);
    } else if (failure.kind === "unavailable" || failure.kind === "ambiguous") {
      this.#markDown("unavailable", failure.message, now);
    } else {
      this.#opts.logger.warn("Rocket.Chat: GET /api/v1/me failed", {
        reason: failure.message,
        ...(failure.status ? { status: failure.status } : {}),
      });
    }
  }

  /** A pause Rocket.Chat asked of another process or object (Rocket.Chat counts per user). */
  pauseUntil(until: number): void {
    const now = this.#now();
    this.#pause(until - now, now, false);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
    if (this.#pauseTimer !== undefined) clearTimeout(this.#pauseTimer);
  }

  #pause(ms: number, now: number, own = true): void {
    const until = now + Math.max(0, ms);
    if (until <= this.#pausedUntil || this.#stopped) return;
    if (this.#pausedUntil <= now) this.#opts.logger.info("Rocket.Chat rate limit: pausing deliveries", { ms });
    this.#pausedUntil = until;
    if (this.#pauseTimer !== undefined) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = setTimeout(() => this.wake(), until - now);
    unref(this.#pauseTimer);
    if (own) this.paused(until);
  }

  #authError(status: 401 | 403, reason: string, now: number): void {
    this.#opts.metrics.rocketchatAuthFailures.inc({ status: String(status) });
    if (now - this.#lastAuthError < MINUTE) return;
    this.#lastAuthError = now;
    const what =
      status === 401
        ? "Rocket.Chat refuses the credentials (HTTP 401): check rocketchat.userId and rocketchat.authToken; messages wait in the outbox"
        : "Rocket.Chat refuses the request (HTTP 403): the rocketchat user lacks a permission";
    this.#opts.logger.error(what, { reason });
  }

  #markDown(cause: "unavailable" | "unauthorized", reason: string, now: number): void {
    if (this.#downSince === undefined) {
      this.#downSince = now;
      this.#probes = 0;
      if (cause === "unavailable")
        this.#opts.logger.warn("Rocket.Chat unreachable: holding deliveries, probing until it answers", { reason });
    }
    this.#downCause = cause;
    this.#released = false;
    this.#scheduleProbe(now);
  }

  #up(now: number): void {
    if (this.#downSince === undefined) return;
    const seconds = Math.round((now - this.#downSince) / 100) / 10;
    const fields = { seconds, waiting: this.waiting() };
    if (this.#downCause === "unavailable")
      this.#opts.logger.info("Rocket.Chat reachable again: resuming deliveries", fields);
    else this.#opts.logger.info("Rocket.Chat accepts the credentials again: resuming deliveries", fields);
    this.#downSince = undefined;
    this.#downCause = undefined;
    this.#released = false;
    if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.wake();
  }

  #scheduleProbe(now: number): void {
    if (this.#stopped || this.#probeTimer !== undefined) return;
    const { retryBaseMs, retryMaxMs } = this.#opts.settings;
    const cap = Math.min(PROBE_MAX_MS, retryMaxMs);
    const wait = this.#opts.probe
      ? Math.min(cap, retryBaseMs * 2 ** Math.min(this.#probes, 20))
      : Math.min(cap, retryBaseMs);
    this.#probes++;
    this.#probeAt = now + wait;
    this.#probeTimer = setTimeout(() => void this.#probe(), wait);
    unref(this.#probeTimer);
  }

  /** When the next probe runs (while down). */
  get nextProbeAt(): number | undefined {
    return this.#downSince === undefined ? undefined : this.#probeAt;
  }

  async #probe(): Promise<void> {
    const probe = this.#opts.probe;
    if (!probe) {
      // Without a probe the next job is the probe: let jobs through until one fails again.
      this.#probeTimer = undefined;
      this.#released = true;
      this.wake();
      return;
    }
    const res = await this.#slots
      .run(probe)
      .catch((e: unknown) => ({ ok: false as const, failure: { kind: "unavailable" as const, message: String(e) } }));
    this.#probeTimer = undefined;
    if (this.#stopped) return;
    const now = this.#now();
    if (res.ok) return this.#up(now);
    if (res.failure.kind === "unauthorized") this.#authError(401, res.failure.message, now);
    if (res.failure.kind === "unauthorized" || res.failure.kind === "unavailable") {
      this.#downCause = res.failure.kind;
      return this.#scheduleProbe(now);
    }
    // It answered, if not as hoped (a 429 on /me, say): reachable.
    if (res.failure.kind === "rate_limited") this.#pause(res.failure.retryAfterMs ?? 1000, now);
    this.#up(now);
  }
}

/** Deliveries per second out of a room's line (and all lines), from the last ones. */
class DrainMeter {
  readonly #times: number[] = [];
  readonly #counts: number[] = [];
  #next = 0;
  static readonly SIZE = 64;
  record(messages: number, now: number): void {
    this.#times[this.#next] = now;
    this.#counts[this.#next] = messages;
    this.#next = (this.#next + 1) % DrainMeter.SIZE;
  }
  /** Messages per second over the recorded window up to `now`; undefined before two deliveries. */
  rate(now: number): number | undefined {
    const n = this.#times.length;
    if (n < 2) return undefined;
    const oldest = n < DrainMeter.SIZE ? this.#times[0]! : this.#times[this.#next]!;
    let messages = 0;
    for (const c of this.#counts) messages += c;
    const span = Math.max(1, now - oldest);
    return (messages * 1000) / span;
  }
}

/** Answers for a request refused because the line is full: 429 with a whole Retry-After. */
export type Refusal = Extract<SubmitOutcome, { kind: "failed" }> & { readonly retryAfterSeconds: number };

const RETRY_AFTER_MAX = 3600;

export class DeliveryPolicy {
  readonly server: RocketChatState;
  readonly slots: Slots;
  readonly recent = new RecentDeliveries();
  readonly #opts: PolicyOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #rooms = new Map<string, DrainMeter>();
  readonly #all = new DrainMeter();

  constructor(opts: PolicyOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.slots = new Slots(opts.settings.concurrency);
    this.server = new RocketChatState(opts, this.slots);
  }

  get settings(): PolicyOptions["settings"] {
    return this.#opts.settings;
  }

  // -------------------------------------------------------------------------------------------
  // Attempts

  /** One attempt within the concurrency limit; never rejects; teaches the server state. */
  attempt(job: DeliveryJob, progress: JobProgress = freshProgress): Promise<AttemptResult> {
    return this.slots
      .run(() => this.#opts.deliverer.attempt(job, progress))
      .catch((e: unknown): AttemptResult => {
        // A bug or a surprise mid-send: the message may be stored, so check before sending again.
        this.#opts.logger.error("delivery attempt threw", { job: job.id, error: String(e) });
        const after = { ...progress, attempts: progress.attempts + 1, uncertain: true };
        return { kind: "retry", reason: `unexpected: ${String(e)}`, cause: "unexpected", progress: after };
      })
      .then((result) => {
        this.server.observe(result);
        return result;
      });
  }

  /** The fast path: the attempt's result if it ends within `fastPathMs`, else undefined. */
  async fastPath(running: Promise<AttemptResult>): Promise<AttemptResult | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const due = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#opts.settings.fastPathMs);
    });
    const result = await Promise.race([running, due]);
    if (timer !== undefined) clearTimeout(timer);
    return result;
  }

  /**
   * When a retried job is due again and whether the failure was its own. A 429, an unreachable
   * server or refused credentials hold every job (`server.blockedUntil`) and never lengthen a
   * job's back-off; an ambiguous answer or a 5xx is the job's own: full jitter over its own
   * failures.
   */
  nextAttemptAt(result: RetryResult, failures: number, now: number): { readonly at: number; readonly own: boolean } {
    switch (result.cause) {
      case "rate_limited":
        return { at: Math.max(now + (result.afterMs ?? 1000), this.server.pausedUntil), own: false };
      case "unavailable":
      case "unauthorized":
        return { at: now, own: false };
      default: {
        const { retryBaseMs, retryMaxMs } = this.#opts.settings;
        return { at: now + backoffMs(failures + 1, retryBaseMs, retryMaxMs, this.#random), own: true };
      }
    }
  }

  expiresAt(job: DeliveryJob): number {
    return job.acceptedAt + this.#opts.settings.maxAgeSeconds * 1000;
  }

  expired(job: DeliveryJob, now: number): boolean {
    return now >= this.expiresAt(job);
  }

  // -------------------------------------------------------------------------------------------
  // Backpressure

  /** A message left a room's line (delivered from the outbox): measures the drain rate. */
  drained(room: string, messages: number, now: number): void {
    let meter = this.#rooms.get(room);
    if (!meter) this.#rooms.set(room, (meter = new DrainMeter()));
    meter.record(messages, now);
    this.#all.record(messages, now);
  }

  /** Forget a room's cached lookup, e.g. before retrying a dead letter once the room was fixed. */
  forgetRoom(room: string): void {
    this.#opts.deliverer.forgetRoom(room);
  }

  /** Forget a room's drain rate (its line emptied). */
  forget(room: string): void {
    this.#rooms.delete(room);
  }

  /**
   * Whether `job` may join the line: undefined when it may, else the 429 to answer (nothing is
   * stored). `inRoom` / `inAll`: accepted, undelivered messages waiting now. Refused too is a job
   * that, at the room's measured drain rate, could not be delivered within `maxAgeSeconds`.
   */
  admit(job: DeliveryJob, inRoom: number, inAll: number, now: number): Refusal | undefined {
    const { maxQueuedPerRoom, maxQueued, maxAgeSeconds } = this.#opts.settings;
    const n = job.messages.length;
    const roomRate = this.#rooms.get(job.room)?.rate(now);
    let bound: "room" | "total" | "age" | undefined;
    let seconds = 0;
    if (inRoom > 0 && inRoom + n > maxQueuedPerRoom) {
      bound = "room";
      seconds = this.#secondsToDrain(inRoom + n - maxQueuedPerRoom, roomRate, now);
    } else if (inAll > 0 && inAll + n > maxQueued) {
      bound = "total";
      seconds = this.#secondsToDrain(inAll + n - maxQueued, this.#all.rate(now), now);
    } else if (inRoom > 0 && roomRate !== undefined && (inRoom + n) / roomRate > maxAgeSeconds) {
      bound = "age";
      seconds = Math.ceil((inRoom + n) / roomRate - maxAgeSeconds);
    }
    if (bound === undefined) return undefined;
    const retryAfterSeconds = Math.min(RETRY_AFTER_MAX, Math.max(1, Math.ceil(seconds)));
    this.#opts.metrics.lineFull.inc({ bound });
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "refused" });
    this.#opts.logger.debug("delivery refused: line full", {
      job: job.id,
      source: job.source,
      room: job.room,
      bound,
      waiting: bound === "total" ? inAll : inRoom,
      retryAfterSeconds,
    });
    return {
      kind: "failed",
      error: "rate_limited",
      retryAfterSeconds,
      reason: `the room's line is full (${bound} bound)`,
    };
  }

  /** Seconds until `excess` messages have drained at `rate`, or until Rocket.Chat is usable. */
  #secondsToDrain(excess: number, rate: number | undefined, now: number): number {
    const blocked = this.server.blockedUntil(now);
    const wait = blocked === Infinity ? (this.server.nextProbeAt ?? now) - now + 1000 : Math.max(0, blocked - now);
    if (rate === undefined || rate <= 0) return wait / 1000 + 1;
    return wait / 1000 + excess / rate;
  }

  // -------------------------------------------------------------------------------------------
  // Bookkeeping per outcome: metrics, the recent list, logs

  delivered(job: DeliveryJob, progress: JobProgress, now: number): void {
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "delivered" });
    this.#opts.metrics.deliverySeconds.observe((now - job.acceptedAt) / 1000);
    this.recent.add(recordFacts(job, "delivered", progress, now));
  }

  /**
   * What the sender is answered when an attempt settled before the answer was due: delivered, or
   * refused for good (nothing kept). A retry is the service's to decide (store it, or 503).
   */
  answered(job: DeliveryJob, result: DeliveredResult | FailedResult, now: number): SubmitOutcome {
    if (result.kind === "delivered") {
      this.delivered(job, result.progress, now);
      return { kind: "delivered", stored: result.stored };
    }
    this.refused(job, result, now);
    return { kind: "failed", error: result.error, reason: result.reason };
  }

  /** A permanent failure answered to the sender (nothing kept). */
  refused(job: DeliveryJob, result: FailedResult, now: number): void {
    this.#opts.logger.warn("delivery refused", { job: job.id, source: job.source, reason: result.reason });
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "failed" });
    this.recent.add(
      recordFacts(job, "failed", result.progress, now, { error: result.error, lastError: result.reason }),
    );
  }

  /** Without a store, a retry is a failure for the sender: 503 (with Rocket.Chat's wait on a 429). */
  unavailable(job: DeliveryJob, result: RetryResult, now: number): SubmitOutcome {
    this.#opts.logger.warn("delivery failed", { job: job.id, source: job.source, reason: result.reason });
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "failed" });
    const error = "service_unavailable";
    this.recent.add(recordFacts(job, "failed", result.progress, now, { error, lastError: result.reason }));
    const { reason } = result;
    return result.afterMs === undefined
      ? { kind: "failed", error, reason }
      : { kind: "failed", error, retryAfterSeconds: result.afterMs / 1000, reason };
  }

  /** The store could not take the job: 503, nothing kept. */
  unstorable(job: DeliveryJob, progress: JobProgress, error: unknown, now: number): SubmitOutcome {
    this.#opts.logger.error("outbox: cannot store a job", { job: job.id, error: String(error) });
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "failed" });
    const lastError = `outbox: ${String(error)}`;
    this.recent.add(recordFacts(job, "failed", progress, now, { error: "service_unavailable", lastError }));
    return { kind: "failed", error: "service_unavailable", reason: lastError };
  }

  queued(job: DeliveryJob): void {
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "queued" });
  }

  retried(job: DeliveryJob, result: RetryResult, nextAt: number, now: number): void {
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "retried" });
    const { attempts } = result.progress;
    this.#opts.logger.debug("delivery retry", {
      job: job.id,
      attempts,
      inMs: nextAt - now,
      cause: result.cause ?? "",
      reason: result.reason,
    });
  }

  /** "Permanent errors are not retried and kept as dead letters with the reason." */
  dead(job: DeliveryJob, progress: JobProgress, error: SlackErrorCode, reason: string, now: number): void {
    this.#opts.logger.warn("delivery dead letter", { job: job.id, source: job.source, room: job.room, error, reason });
    this.#opts.metrics.deliveries.inc({ hook: job.source, outcome: "dead" });
    this.recent.add(recordFacts(job, "dead", progress, now, { error, lastError: reason }));
  }

  /** The reason a job expired with. */
  expiryReason(lastError: string | undefined): string {
    return `not delivered within maxAgeSeconds (${this.#opts.settings.maxAgeSeconds}; ${lastError ?? "no attempt"})`;
  }

  recentList(): DeliveryRecord[] {
    return this.recent.list();
  }

  stop(): void {
    this.server.stop();
  }
}
