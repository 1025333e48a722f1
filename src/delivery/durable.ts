/**
 * Durable delivery: "ok means Rocket.Chat has the message, or it is stored durably and will be
 * delivered exactly once" (docs/delivery.md). The rules — fast path, back-off, the 429 pause,
 * unreachable and unauthorized Rocket.Chat, expiry, the bounded line, bookkeeping — are the
 * delivery policy's (`policy.ts`); this class keeps the store and the loop:
 *
 * - The lines in memory: each room's unfinished jobs in acceptance order, loaded from the
 *   outbox at start-up. The worker looks at room heads only, so its cost per job does not grow
 *   with the line; a room's next job is sent as soon as its head is confirmed.
 * - Group commit: every outbox write made in one event-loop turn (new jobs, removals, requeues,
 *   dead letters) goes to disk in one transaction, one fsync. A request is answered `ok` only
 *   after the transaction holding its job committed. A settle that cannot be written stays in
 *   memory and is written with the next transaction that succeeds: no room waits for a restart.
 * - Nothing is written to send a job (no claim): after a crash the outbox marks each room's
 *   first jobs uncertain, and those are checked with Rocket.Chat before they are sent again;
 *   a later one sent again is refused by Rocket.Chat (known `_id`) and then checked. A room runs
 *   at most `MAX_UNSETTLED` settles ahead of its disk.
 *
 * Runtime-neutral (no `node:` import): the store is an `Outbox`, the loop plain timers.
 */
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import { freshProgress, type AttemptResult, type DeliveryJob, type JobProgress } from "./deliver.ts";
import type { Outbox, OutboxEntry, OutboxWrite } from "./outbox.ts";
import { DeliveryPolicy, unref, type PolicyOptions } from "./policy.ts";
import {
  RECORDS_SHOWN,
  deliveryRecord,
  type DeliveryRecord,
  type DeliveryService,
  type DeliverySettings,
  type DeliveryView,
  type RetryOutcome,
  type SubmitOutcome,
} from "./service.ts";

export interface DurableDeliveryOptions extends PolicyOptions {
  readonly outbox: Outbox;
}

/** One unfinished job in a room's line. */
interface Item {
  readonly seq: number;
  readonly job: DeliveryJob;
  progress: JobProgress;
  nextAt: number;
  readonly expiresAt: number;
  updatedAt: number;
  lastError: string | undefined;
  /** Failures that were this job's own (ambiguous answers, 5xx): its back-off counts these. */
  failures: number;
  /** An attempt is running on it (the fast path that stored it, or the worker). */
  running: boolean;
}

/**
 * A room's unfinished jobs by acceptance order. The head leaves in constant time however long
 * the line is (an array's `splice(0, 1)` moves every other element).
 */
class Items {
  #all: Array<Item | undefined> = [];
  /** Where the head is in `#all`; the slots before it are free. */
  #first = 0;

  get length(): number {
    return this.#all.length - this.#first;
  }

  get head(): Item | undefined {
    return this.#all[this.#first];
  }

  /** By acceptance order (nearly always at the end). */
  insert(item: Item): void {
    const all = this.#all;
    let i = all.length;
    while (i > this.#first && all[i - 1]!.seq > item.seq) i--;
    if (i === all.length) all.push(item);
    else all.splice(i, 0, item);
  }

  remove(item: Item): void {
    if (this.#all[this.#first] === item) {
      this.#all[this.#first++] = undefined;
      if (this.#first === this.#all.length) {
        this.#all = [];
        this.#first = 0;
      } else if (this.#first >= 1024 && this.#first * 2 >= this.#all.length) {
        this.#all = this.#all.slice(this.#first);
        this.#first = 0;
      }
      return;
    }
    const i = this.#all.indexOf(item, this.#first);
    if (i >= 0) this.#all.splice(i, 1);
  }

  /** The first `n`, head first. */
  first(n: number): Item[] {
    return this.#all.slice(this.#first, this.#first + n) as Item[];
  }

  *[Symbol.iterator](): Iterator<Item> {
    for (let i = this.#first; i < this.#all.length; i++) yield this.#all[i]!;
  }
}

/** A room's line. */
interface Line {
  readonly room: string;
  /** Unfinished jobs on disk, by acceptance order. */
  readonly items: Items;
  /** Messages waiting: the items', and those of jobs on their way to disk. */
  messages: number;
  /** Attempts running on this room's items. */
  running: number;
  /** Settles written but not yet on disk. */
  unsettled: number;
}

interface PendingWrite {
  readonly write: OutboxWrite;
  /** A new job: its sender waits for the commit. */
  readonly done?: { resolve: () => void; reject: (e: unknown) => void };
  /** A settle: its room may move on once it is on disk. */
  readonly line?: Line;
}

/**
 * How far a room's line may run ahead of its disk: settles (removals) not yet committed. A fsync
 * takes longer than Rocket.Chat's answer on a fast server, so waiting for each one would make it
 * the room's pace. After a crash, up to this many delivered jobs of a room may be sent again:
 * Rocket.Chat stores no second message with a known `_id`, and its 400 is checked with
 * `chat.getMessage` (docs/delivery.md).
 */
const MAX_UNSETTLED = 128;
/** A settle waits at most this long for a transaction to ride with. */
const SETTLE_FLUSH_MS = 25;
/**
 * A transaction of settles only is committed without a fsync (it survives a crash of the
 * process, not a power loss), unless the last fsynced commit is this old: a power loss then
 * undoes at most this long's settles. A delivered job that comes back is refused by Rocket.Chat
 * (known `_id`) and checked; it is not posted twice. A fsync costs more than Rocket.Chat's
 * answer on a fast server, and it blocks the loop: one per 25 ms was a tenth of the drain.
 */
const SETTLE_SYNC_MS = 1000;
/** Dead letters past `deadLetterSeconds` are looked for at most this often. */
const DEAD_LETTER_SWEEP_MS = 60_000;
/** After a failed commit, settles are written again after this, doubling up to the cap. */
const DISK_RETRY_MS = 100;
const DISK_RETRY_MAX_MS = 5000;

/**
 * When the group's transaction runs: the next timer phase (about 1 ms), so requests whose
 * bodies arrive over several I/O callbacks of a busy loop still share one fsync.
 */
const soon = (fn: () => void): void => void setTimeout(fn, 0);

export class DurableDelivery implements DeliveryService {
  readonly #outbox: Outbox;
  readonly #policy: DeliveryPolicy;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #settings: DeliverySettings;
  readonly #now: () => number;
  readonly #lines = new Map<string, Line>();
  /** Rooms whose head may be sendable now. */
  readonly #candidates = new Set<string>();
  /** Rooms whose head waits for its `nextAt`. */
  readonly #sleeping = new Set<string>();
  /** Work that may still write to the outbox (requests, attempts): shutdown waits for it. */
  readonly #running = new Set<Promise<unknown>>();
  #writes: PendingWrite[] = [];
  #flushQueued = false;
  #lazyTimer: ReturnType<typeof setTimeout> | undefined;
  #diskRetryMs = 0;
  /** When the last fsynced transaction committed. */
  #syncedAt = 0;
  #diskTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Infinity;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #deadSweptAt = -Infinity;
  #seq: number;
  /** Unfinished jobs (stored or on their way to disk). */
  #stored = 0;
  /** Messages of those jobs. */
  #messages = 0;
  #dead: number;
  #started = false;
  #stopping = false;
  #closed = false;

  /** Loads the lines from the outbox (a crash leaves jobs `inflight`); `start` runs the worker. */
  constructor(opts: DurableDeliveryOptions) {
    this.#outbox = opts.outbox;
    this.#policy = new DeliveryPolicy(opts);
    this.#metrics = opts.metrics;
    this.#logger = opts.logger;
    this.#settings = opts.settings;
    this.#now = opts.now ?? Date.now;
    const now = this.#now();
    const recovered = this.#outbox.recover(now);
    const stats = this.#outbox.stats();
    this.#seq = stats.lastSeq;
    this.#dead = stats.dead;
    for (const e of this.#outbox.unfinished()) this.#insert(this.#count(e.job, 1), this.#item(e));
    if (recovered > 0)
      this.#logger.warn("outbox: jobs that may have been cut short by a crash will be checked before sending", {
        jobs: recovered,
      });
    if (this.#stored > 0) this.#logger.info("outbox: resuming", { jobs: this.#stored, deadLetters: this.#dead });
    this.#metrics.queueDepth.collect(() => this.#stored);
    this.#metrics.deadLetters.collect(() => this.#dead);
    this.#policy.server.waiting = () => this.#messages;
    this.#policy.server.wake = () => this.#wakeAll();
  }

  /** Rocket.Chat's state as this delivery sees it (paused, down), shared with its host. */
  get server(): DeliveryPolicy["server"] {
    return this.#policy.server;
  }

  /** Runs the worker; checks the credentials with Rocket.Chat (logged, not fatal). */
  start(): void {
    this.#started = true;
    this.#sweepTimer = setInterval(() => this.#sweep(), this.#settings.pollMs);
    unref(this.#sweepTimer);
    this.#track(this.#policy.server.check().then(() => this.#wakeAll()));
  }

  /**
   * Stops sending, waits up to `graceMs` for what is in flight, writes what is pending, then
   * closes the outbox. What is still running is checked with Rocket.Chat on the next start.
   * Resolves with the number of unfinished jobs left in the outbox.
   */
  async stop(graceMs: number): Promise<number> {
    if (this.#closed) return this.#stored;
    this.#stopping = true;
    if (this.#wakeTimer !== undefined) clearTimeout(this.#wakeTimer);
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    const deadline = this.#now() + graceMs;
    while (this.#running.size > 0 && this.#now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((resolve) => (timer = setTimeout(resolve, deadline - this.#now())));
      await Promise.race([Promise.allSettled([...this.#running]), grace]);
      if (timer !== undefined) clearTimeout(timer);
    }
    if (this.#running.size > 0)
      this.#logger.warn("outbox: grace period over, leaving deliveries in flight", { running: this.#running.size });
    // Jobs still being sent are recorded `inflight`: the next start checks them first.
    const sending = [...this.#lines.values()].flatMap((l) =>
      [...l.items].filter((i) => i.running).map((i) => i.job.id),
    );
    this.#flush();
    let clean = this.#writes.length === 0;
    try {
      if (sending.length > 0) this.#outbox.claim(sending, this.#now());
    } catch (e) {
      clean = false;
      this.#logger.error("outbox: cannot record the jobs in flight", { error: String(e) });
    }
    this.#closed = true;
    if (this.#diskTimer !== undefined) clearTimeout(this.#diskTimer);
    this.#policy.stop();
    try {
      this.#outbox.close(clean);
    } catch (e) {
      this.#logger.error("outbox: cannot close cleanly", { error: String(e) });
    }
    return this.#stored;
  }

  submit(job: DeliveryJob): Promise<SubmitOutcome> {
    return this.#track(this.#submit(job));
  }

  async view(): Promise<DeliveryView> {
    // Dead letters are read from the outbox: write what is pending first.
    if (this.#diskTimer === undefined) this.#flush();
    const now = this.#now();
    // Each line is in acceptance order: only its first RECORDS_SHOWN can be shown.
    const items = [...this.#lines.values()].flatMap((l) => l.items.first(RECORDS_SHOWN)).sort((a, b) => a.seq - b.seq);
    return {
      counts: { pending: this.#stored, dead: this.#dead },
      pending: this.#closed ? [] : items.slice(0, RECORDS_SHOWN).map((i) => this.#itemRecord(i, now)),
      dead: this.#closed ? [] : this.#outbox.list("dead", RECORDS_SHOWN).map((e) => this.#deadRecord(e)),
      recent: this.#policy.recentList(),
    };
  }

  async retry(id: string): Promise<RetryOutcome> {
    if (this.#diskTimer === undefined) this.#flush();
    const found = this.#closed ? undefined : this.#outbox.get(id);
    if (!found) return { kind: "not_found" };
    const now = this.#now();
    if (found.state !== "dead") {
      const line = this.#lines.get(found.job.room);
      const item = line && [...line.items].find((i) => i.job.id === id);
      return { kind: "not_dead", record: item ? this.#itemRecord(item, now) : this.#deadRecord(found) };
    }
    const revived = this.#outbox.revive(id, now, now + this.#settings.maxAgeSeconds * 1000)!;
    this.#dead--;
    const line = this.#count(revived.job, 1);
    const item = this.#item(revived);
    this.#insert(line, item);
    // Someone fixed the room, presumably: do not answer from a cached "archived" or "not found".
    this.#policy.forgetRoom(found.job.room);
    this.#logger.info("outbox: dead letter back in line", { job: id, room: found.job.room });
    const record = this.#itemRecord(item, now);
    this.#candidates.add(line.room);
    this.#pump();
    return { kind: "retried", record };
  }

  // -------------------------------------------------------------------------------------------
  // Accepting

  async #submit(job: DeliveryJob): Promise<SubmitOutcome> {
    if (this.#closed) return { kind: "failed", error: "service_unavailable" };
    const now = this.#now();
    const waiting = this.#lines.get(job.room)?.messages ?? 0;
    const refused = this.#policy.admit(job, waiting, this.#messages, now);
    if (refused) return refused;
    const seq = ++this.#seq;
    // A room's order: a job answered `ok` and not yet delivered makes later ones wait behind
    // it. While Rocket.Chat asked us to wait (429) a job goes to the line too. (While it is
    // unreachable a request still tries: a quick refusal costs nothing, and a success is the
    // news that it is back.)
    if (waiting > 0 || this.#policy.server.pausedUntil > now) return this.#enqueue(job, seq, freshProgress, now);

    const running = this.#track(this.#policy.attempt(job));
    const early = await this.#policy.fastPath(running);
    if (early) return this.#answer(job, seq, early);

    // Unconfirmed when the answer is due: stored as in flight before `ok`, so a crash cannot
    // lose it (a restart checks with Rocket.Chat), and the running attempt settles the record.
    const line = this.#count(job, 1);
    const entry: OutboxEntry = { ...this.#entry(job, seq, freshProgress, this.#now()), state: "inflight" };
    try {
      await this.#persist({ op: "add", entry });
    } catch (e) {
      this.#count(job, -1);
      this.#logger.error("outbox: cannot store a job, answering when Rocket.Chat does", {
        job: job.id,
        error: String(e),
      });
      return this.#answer(job, seq, await running, false);
    }
    const item = this.#item(entry);
    item.running = true;
    line.running++;
    this.#insert(line, item);
    this.#policy.queued(item.job);
    this.#track(running.then((r) => this.#settle(line, item, r)));
    return { kind: "queued" };
  }

  /** A fast-path attempt that ended before the answer was due; nothing stored yet. */
  async #answer(job: DeliveryJob, seq: number, result: AttemptResult, store = true): Promise<SubmitOutcome> {
    const now = this.#now();
    this.#pump();
    if (result.kind !== "retry") return this.#policy.answered(job, result, now);
    if (!store) return this.#policy.unavailable(job, result, now);
    const { at, own } = this.#policy.nextAttemptAt(result, 0, now);
    const queued = await this.#enqueue(job, seq, result.progress, at, result.reason, own ? 1 : 0);
    if (queued.kind === "queued") this.#policy.retried(job, result, at, now);
    return queued.kind === "failed" && result.afterMs !== undefined
      ? { ...queued, retryAfterSeconds: result.afterMs / 1000 }
      : queued;
  }

  async #enqueue(
    job: DeliveryJob,
    seq: number,
    progress: JobProgress,
    nextAt: number,
    lastError?: string,
    failures = 0,
  ): Promise<SubmitOutcome> {
    const line = this.#count(job, 1);
    const base = this.#entry(job, seq, progress, this.#now());
    const entry: OutboxEntry = { ...base, nextAt, ...(lastError === undefined ? {} : { lastError }) };
    try {
      await this.#persist({ op: "add", entry });
    } catch (e) {
      // "503 remains for nothing could be queued."
      this.#count(job, -1);
      return this.#policy.unstorable(job, progress, e, this.#now());
    }
    const item = this.#item(entry);
    item.failures = failures;
    this.#insert(line, item);
    this.#policy.queued(item.job);
    this.#candidates.add(line.room);
    this.#pump();
    return { kind: "queued" };
  }

  #entry(job: DeliveryJob, seq: number, progress: JobProgress, now: number): OutboxEntry {
    return { seq, job, state: "queued", progress, nextAt: now, expiresAt: this.#policy.expiresAt(job), updatedAt: now };
  }

  #item(e: OutboxEntry): Item {
    return {
      seq: e.seq,
      job: e.job,
      progress: e.progress,
      nextAt: e.nextAt,
      expiresAt: e.expiresAt,
      updatedAt: e.updatedAt,
      lastError: e.lastError,
      failures: 0,
      running: false,
    };
  }

  /** Counts a job into (+1) or out of (−1) its room's line; the line, created if needed. */
  #count(job: DeliveryJob, sign: 1 | -1): Line {
    let line = this.#lines.get(job.room);
    if (!line)
      this.#lines.set(job.room, (line = { room: job.room, items: new Items(), messages: 0, running: 0, unsettled: 0 }));
    const n = job.messages.length * sign;
    line.messages += n;
    this.#messages += n;
    this.#stored += sign;
    if (line.messages === 0 && line.items.length === 0 && line.unsettled === 0 && line.running === 0) {
      this.#lines.delete(job.room);
      this.#policy.forget(job.room);
    }
    return line;
  }

  /** Into the line by acceptance order (nearly always at the end). */
  #insert(line: Line, item: Item): void {
    if (!this.#lines.has(line.room)) this.#lines.set(line.room, line);
    line.items.insert(item);
  }

  #remove(line: Line, item: Item): void {
    line.items.remove(item);
  }

  // -------------------------------------------------------------------------------------------
  // Group commit

  /** A new job's write: resolves once it is on disk, rejects when it cannot be. */
  #persist(write: OutboxWrite): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("outbox closed"));
    return new Promise((resolve, reject) => {
      this.#writes.push({ write, done: { resolve, reject } });
      this.#scheduleFlush();
    });
  }

  /** A settle's write: the room may move on while fewer than `MAX_UNSETTLED` are not on disk. */
  #record(line: Line, write: OutboxWrite): void {
    line.unsettled++;
    this.#writes.push({ write, line });
    // Nobody waits for a settle: it rides with the next new job's transaction, or goes within
    // SETTLE_FLUSH_MS, or at once when its room has run as far ahead of the disk as it may.
    if (line.unsettled >= MAX_UNSETTLED) this.#scheduleFlush();
    else this.#scheduleLazyFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushQueued || this.#diskTimer !== undefined) return;
    this.#flushQueued = true;
    soon(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #scheduleLazyFlush(): void {
    if (this.#lazyTimer !== undefined || this.#flushQueued || this.#diskTimer !== undefined) return;
    this.#lazyTimer = setTimeout(() => {
      this.#lazyTimer = undefined;
      this.#flush();
    }, SETTLE_FLUSH_MS);
    unref(this.#lazyTimer);
  }

  /** Every pending write in one transaction. */
  #flush(): void {
    if (this.#lazyTimer !== undefined) clearTimeout(this.#lazyTimer);
    this.#lazyTimer = undefined;
    if (this.#writes.length === 0) return;
    if (this.#closed) {
      // Closed meanwhile: a new job can no longer be stored (its sender gets 503).
      for (const p of this.#writes) p.done?.reject(new Error("outbox closed"));
      this.#writes = this.#writes.filter((p) => p.done === undefined);
      return;
    }
    const batch = this.#writes;
    this.#writes = [];
    const now = this.#now();
    // New jobs wait for their fsync (an `ok` survives a power loss); settles alone need not.
    const durable = now - this.#syncedAt >= SETTLE_SYNC_MS || batch.some((p) => p.done !== undefined);
    try {
      this.#outbox.write(
        batch.map((p) => p.write),
        durable,
      );
    } catch (e) {
      // New jobs fail (their senders get 503, nothing was stored); settles stay in memory and
      // are written with the next transaction, tried again with back-off.
      const kept = batch.filter((p) => p.done === undefined);
      for (const p of batch) p.done?.reject(e);
      this.#writes = [...kept, ...this.#writes];
      if (this.#diskRetryMs === 0)
        this.#logger.error("outbox: cannot write", { error: String(e), pendingSettles: kept.length });
      this.#diskRetryMs = Math.min(DISK_RETRY_MAX_MS, Math.max(DISK_RETRY_MS, this.#diskRetryMs * 2));
      if (kept.length > 0 && !this.#closed) {
        this.#diskTimer = setTimeout(() => {
          this.#diskTimer = undefined;
          this.#flush();
        }, this.#diskRetryMs);
        unref(this.#diskTimer);
      }
      return;
    }
    if (durable) this.#syncedAt = now;
    this.#metrics.outboxCommits.inc();
    if (this.#diskRetryMs > 0) this.#logger.info("outbox: writing again");
    this.#diskRetryMs = 0;
    let moved = false;
    for (const p of batch) {
      p.done?.resolve();
      if (p.line) {
        const line = p.line;
        line.unsettled--;
        if (line.items.length === 0 && line.messages === 0 && line.running === 0 && line.unsettled === 0) {
          if (this.#lines.get(line.room) === line) this.#lines.delete(line.room);
          continue;
        }
        this.#candidates.add(line.room);
        moved = true;
      }
    }
    if (moved) this.#pump();
  }

  // -------------------------------------------------------------------------------------------
  // The worker

  /** Every room with a line may move (start-up, a probe answered, a pause ended). */
  #wakeAll(): void {
    for (const room of this.#lines.keys()) this.#candidates.add(room);
    this.#sleeping.clear();
    this.#pump();
  }

  /**
   * Every `pollMs`: heads past `maxAgeSeconds` become dead letters even while nothing can be sent
   * (Rocket.Chat down, paused), dead letters past `deadLetterSeconds` are deleted, and every room
   * is looked at again (a safety net for wake-ups).
   */
  #sweep(): void {
    if (this.#stopping) return;
    const now = this.#now();
    this.#expireDeadLetters(now);
    for (const line of this.#lines.values()) {
      for (let head = line.items.head; head && line.running === 0; head = line.items.head) {
        if (!this.#policy.expired(head.job, now)) break;
        this.#bury(line, head, "service_unavailable", this.#policy.expiryReason(head.lastError), now);
      }
    }
    this.#wakeAll();
  }

  #expireDeadLetters(now: number): void {
    const keepSeconds = this.#settings.deadLetterSeconds;
    if (keepSeconds === 0 || this.#dead === 0 || now - this.#deadSweptAt < DEAD_LETTER_SWEEP_MS) return;
    this.#deadSweptAt = now;
    try {
      const deleted = this.#outbox.expireDead(now - keepSeconds * 1000);
      if (deleted === 0) return;
      this.#dead -= deleted;
      this.#logger.info("outbox: dead letters deleted", { deadLetters: deleted, olderThanSeconds: keepSeconds });
    } catch (e) {
      // The disk: they are looked for again at the next sweep after DEAD_LETTER_SWEEP_MS.
      this.#logger.warn("outbox: cannot delete old dead letters", { error: String(e) });
    }
  }

  /** Sends the heads that may go, within the free concurrency. */
  #pump(): void {
    if (!this.#started || this.#stopping || this.#candidates.size === 0) return;
    const now = this.#now();
    if (this.#policy.server.blockedUntil(now) > now) return; // `wake` comes when it may resume
    let earliest = Infinity;
    for (const room of this.#candidates) {
      if (this.#policy.slots.free <= 0) break;
      this.#candidates.delete(room);
      const line = this.#lines.get(room);
      // Busy rooms come back when their attempt settles or their write is on disk.
      const head = line?.items.head;
      if (!line || !head || line.running > 0 || line.unsettled >= MAX_UNSETTLED) continue;
      if (this.#policy.expired(head.job, now)) {
        this.#bury(line, head, "service_unavailable", this.#policy.expiryReason(head.lastError), now);
        this.#candidates.add(room); // its next job moves up
        continue;
      }
      if (head.nextAt > now) {
        this.#sleeping.add(room);
        earliest = Math.min(earliest, head.nextAt);
        continue;
      }
      head.running = true;
      line.running++;
      this.#track(this.#policy.attempt(head.job, head.progress).then((r) => this.#settle(line, head, r)));
    }
    if (earliest < this.#wakeAt) {
      if (this.#wakeTimer !== undefined) clearTimeout(this.#wakeTimer);
      this.#wakeAt = earliest;
      this.#wakeTimer = setTimeout(() => {
        this.#wakeAt = Infinity;
        for (const room of this.#sleeping) this.#candidates.add(room);
        this.#sleeping.clear();
        this.#pump();
      }, earliest - now);
      unref(this.#wakeTimer);
    }
  }

  /** Records how an attempt on a stored job ended; the room moves on at once. */
  #settle(line: Line, item: Item, result: AttemptResult): void {
    item.running = false;
    line.running--;
    // Shut down meanwhile: the record stays as it is and is checked on the next start.
    if (this.#closed) return;
    const now = this.#now();
    const job = item.job;
    switch (result.kind) {
      case "delivered":
        this.#remove(line, item);
        this.#record(line, { op: "remove", id: job.id });
        this.#count(job, -1);
        // The room's next job goes before the bookkeeping: a draining line is a ping-pong with
        // Rocket.Chat, and this way the bookkeeping runs while Rocket.Chat works (docs/delivery.md).
        this.#candidates.add(line.room);
        this.#pump();
        this.#policy.drained(job.room, job.messages.length, now);
        this.#policy.delivered(job, result.progress, now);
        return;
      case "failed":
        this.#bury(line, item, result.error, result.reason, now);
        break;
      case "retry": {
        const { at, own } = this.#policy.nextAttemptAt(result, item.failures, now);
        if (own) item.failures++;
        item.progress = result.progress;
        item.nextAt = at;
        item.lastError = result.reason;
        item.updatedAt = now;
        this.#record(line, {
          op: "requeue",
          id: job.id,
          progress: result.progress,
          nextAt: at,
          lastError: result.reason,
          now,
        });
        this.#policy.retried(job, result, at, now);
        break;
      }
    }
    this.#candidates.add(line.room);
    this.#pump();
  }

  /** A dead letter: kept with the reason, out of the line. */
  #bury(line: Line, item: Item, error: DeadError, reason: string, now: number): void {
    this.#remove(line, item);
    this.#record(line, { op: "bury", id: item.job.id, progress: item.progress, error, reason, now });
    this.#count(item.job, -1);
    this.#dead++;
    this.#policy.dead(item.job, item.progress, error, reason, now);
  }

  #itemRecord(i: Item, now: number): DeliveryRecord {
    return deliveryRecord(i.job, i.running ? "inflight" : "queued", i.progress, i.updatedAt, {
      ...(i.running ? {} : { nextAt: Math.max(i.nextAt, this.#policy.server.pausedUntil, now) }),
      ...(i.lastError === undefined ? {} : { lastError: i.lastError }),
    });
  }

  #deadRecord(e: OutboxEntry): DeliveryRecord {
    return deliveryRecord(e.job, e.state, e.progress, e.updatedAt, {
      ...(e.error === undefined ? {} : { error: e.error }),
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
    });
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const done = () => this.#running.delete(work);
    work.then(done, done);
    return work;
  }
}

type DeadError = Parameters<DeliveryPolicy["dead"]>[2];
