/**
 * The outbox: accepted jobs Rocket.Chat has not confirmed yet, and dead letters.
 *
 * Synchronous, like both stores it is written for: `node:sqlite` on Node (`sqlite.ts`) and a
 * Durable Object's `ctx.storage.sql` on Workers (the same SQL, `sql-outbox.ts`). A write that
 * returns is durable; one that cannot be made durable throws. One owner at a time: the process
 * (or object) that opened it keeps the room order and the in-flight set in memory.
 */
import type { SlackErrorCode } from "../slack/errors.ts";
import type { DeliveryJob, JobProgress } from "./deliver.ts";

/** queued: waiting until `nextAt`; inflight: an attempt is running; dead: given up (kept). */
export type JobState = "queued" | "inflight" | "dead";

export interface OutboxEntry {
  /** Acceptance order: a room's jobs are delivered by ascending `seq`. */
  readonly seq: number;
  readonly job: DeliveryJob;
  readonly state: JobState;
  readonly progress: JobProgress;
  readonly nextAt: number;
  /** Still undelivered then → dead letter (`delivery.maxAgeSeconds`). */
  readonly expiresAt: number;
  readonly updatedAt: number;
  readonly lastError?: string;
  /** A dead letter's answer: what the sender would have been told. */
  readonly error?: SlackErrorCode;
}

export interface OutboxStats {
  /** Unfinished (queued or inflight) jobs per room. */
  readonly waiting: Map<string, number>;
  readonly dead: number;
  /** The highest `seq` stored; new jobs continue after it. */
  readonly lastSeq: number;
}

/** One write of a group commit (`Outbox.write`). */
export type OutboxWrite =
  | { readonly op: "add"; readonly entry: OutboxEntry }
  | { readonly op: "remove"; readonly id: string }
  | {
      readonly op: "requeue";
      readonly id: string;
      readonly progress: JobProgress;
      readonly nextAt: number;
      readonly lastError: string;
      readonly now: number;
    }
  | {
      readonly op: "bury";
      readonly id: string;
      readonly progress: JobProgress;
      readonly error: SlackErrorCode;
      readonly reason: string;
      readonly now: number;
    };

export interface Outbox {
  /**
   * Several writes in one transaction (one fsync): all of them or none (throws). `durable`
   * false (settles only): it survives the process's crash, but a power loss may undo it until
   * the next durable write (no fsync of its own; docs/delivery.md "Settles without a fsync").
   */
  write(ops: readonly OutboxWrite[], durable?: boolean): void;
  /** Every unfinished job, oldest first (start-up: the lines are kept in memory from then on). */
  unfinished(): OutboxEntry[];
  /** Stores a new job: `queued`, or `inflight` when an attempt is already running. */
  add(entry: OutboxEntry): void;
  /**
   * At start-up, before anything else: an `inflight` job was cut short by a crash and may have
   * reached Rocket.Chat, so it goes back in line as uncertain, the cut attempt counted. Unless
   * the outbox was closed clean, so do the first two jobs of each room: one may have been sent
   * while the previous one's removal was still on its way to the disk. Returns how many jobs it
   * marked so.
   */
  recover(now: number): number;
  /** The first unfinished job of each room, when it is queued and due; oldest first. */
  due(now: number, limit: number): OutboxEntry[];
  /** Marks jobs `inflight` (one transaction). */
  claim(ids: readonly string[], now: number): void;
  /** Back in line after an attempt that may succeed later. */
  requeue(id: string, progress: JobProgress, nextAt: number, lastError: string, now: number): void;
  /** Keeps a job as a dead letter. */
  bury(id: string, progress: JobProgress, error: SlackErrorCode, reason: string, now: number): void;
  /** Delivered: nothing more to keep. */
  remove(id: string): void;
  /** Deletes the dead letters that died before `before`; returns how many. */
  expireDead(before: number): number;
  /** A dead letter back in line, due now; undefined when `id` is no dead letter. */
  revive(id: string, now: number, expiresAt: number): OutboxEntry | undefined;
  get(id: string): OutboxEntry | undefined;
  /** Unfinished jobs oldest first, or dead letters newest first. */
  list(which: "unfinished" | "dead", limit: number): OutboxEntry[];
  stats(): OutboxStats;
  /** `clean`: every job sent was recorded (no `inflight` left unmarked), said by a graceful stop. */
  close(clean?: boolean): void;
}
