/**
 * The outbox in SQLite, over a minimal driver: `node:sqlite` on Node (`sqlite.ts`); a Durable
 * Object would pass `ctx.storage.sql.exec(...).toArray()` and `ctx.storage.transactionSync`.
 * Plain SQLite only (no PRAGMA, no BEGIN), so the same statements run in both.
 */
import type { SlackErrorCode } from "../slack/errors.ts";
import type { DeliveryJob, JobProgress } from "./deliver.ts";
import type { JobState, Outbox, OutboxEntry, OutboxStats, OutboxWrite } from "./outbox.ts";

export type SqlValue = string | number | null;

export interface SqlDriver {
  /** One statement with `?` bindings; the rows it returns (none for most writes). */
  exec(sql: string, ...params: SqlValue[]): Array<Record<string, unknown>>;
  /**
   * All of `fn`'s statements or none. `durable` false: the commit need not be on stable storage
   * when it returns (node:sqlite: `synchronous = NORMAL` for this one); a driver may ignore it.
   */
  transaction<T>(fn: () => T, durable?: boolean): T;
  close(): void;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    room TEXT NOT NULL,
    job TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'inflight', 'dead')),
    sent INTEGER NOT NULL,
    uncertain INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    error TEXT,
    last_error TEXT
  ) STRICT`,
  // A room's line: its unfinished jobs by acceptance order.
  `CREATE INDEX IF NOT EXISTS outbox_line ON outbox (room, seq) WHERE state IN ('queued', 'inflight')`,
  `CREATE INDEX IF NOT EXISTS outbox_dead ON outbox (updated_at) WHERE state = 'dead'`,
  // `clean`: the last owner closed the outbox after recording every job it had sent.
  `CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`,
];

interface Row {
  seq: number;
  job: string;
  state: JobState;
  sent: number;
  uncertain: number;
  attempts: number;
  next_at: number;
  expires_at: number;
  updated_at: number;
  error: string | null;
  last_error: string | null;
}

const entry = (row: Record<string, unknown>): OutboxEntry => {
  const r = row as unknown as Row;
  return {
    seq: r.seq,
    job: JSON.parse(r.job) as DeliveryJob,
    state: r.state,
    progress: { sent: r.sent, uncertain: r.uncertain === 1, attempts: r.attempts },
    nextAt: r.next_at,
    expiresAt: r.expires_at,
    updatedAt: r.updated_at,
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    ...(r.error === null ? {} : { error: r.error as SlackErrorCode }),
  };
};

const UNFINISHED = `state IN ('queued', 'inflight')`;

export class SqlOutbox implements Outbox {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
    db.transaction(() => {
      for (const statement of SCHEMA) db.exec(statement);
    });
  }

  add(e: OutboxEntry): void {
    this.#db.exec(
      `INSERT INTO outbox (seq, id, room, job, state, sent, uncertain, attempts, next_at, expires_at, updated_at, error, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.seq,
      e.job.id,
      e.job.room,
      JSON.stringify(e.job),
      e.state,
      e.progress.sent,
      e.progress.uncertain ? 1 : 0,
      e.progress.attempts,
      e.nextAt,
      e.expiresAt,
      e.updatedAt,
      e.error ?? null,
      e.lastError ?? null,
    );
  }

  write(ops: readonly OutboxWrite[], durable = true): void {
    this.#db.transaction(() => {
      for (const w of ops) {
        switch (w.op) {
          case "add":
            this.add(w.entry);
            break;
          case "remove":
            this.remove(w.id);
            break;
          case "requeue":
            this.requeue(w.id, w.progress, w.nextAt, w.lastError, w.now);
            break;
          case "bury":
            this.bury(w.id, w.progress, w.error, w.reason, w.now);
            break;
        }
      }
    }, durable);
  }

  unfinished(): OutboxEntry[] {
    return this.#db.exec(`SELECT * FROM outbox WHERE ${UNFINISHED} ORDER BY seq`).map(entry);
  }

  recover(now: number): number {
    const clean = this.#db.exec(`DELETE FROM outbox_meta WHERE key = 'clean' RETURNING key`).length > 0;
    const heads = clean
      ? 0
      : this.#db.exec(
          `UPDATE outbox SET uncertain = 1, attempts = attempts + 1, updated_at = ?
       WHERE state = 'queued' AND seq IN (
         SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY room ORDER BY seq) AS n FROM outbox WHERE ${UNFINISHED})
         WHERE n <= 2) RETURNING seq`,
          now,
        ).length;
    return (
      heads +
      this.#db.exec(
        `UPDATE outbox SET state = 'queued', uncertain = 1, attempts = attempts + 1, next_at = ?, updated_at = ?
       WHERE state = 'inflight' RETURNING seq`,
        now,
        now,
      ).length
    );
  }

  due(now: number, limit: number): OutboxEntry[] {
    return this.#db
      .exec(
        `SELECT o.* FROM (SELECT MIN(seq) AS seq FROM outbox WHERE ${UNFINISHED} GROUP BY room) AS head
         JOIN outbox AS o ON o.seq = head.seq
         WHERE o.state = 'queued' AND o.next_at <= ? ORDER BY o.seq LIMIT ?`,
        now,
        limit,
      )
      .map(entry);
  }

  claim(ids: readonly string[], now: number): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#db.exec(`UPDATE outbox SET state = 'inflight', updated_at = ? WHERE id = ?`, now, id);
    });
  }

  requeue(id: string, progress: JobProgress, nextAt: number, lastError: string, now: number): void {
    this.#db.exec(
      `UPDATE outbox SET state = 'queued', sent = ?, uncertain = ?, attempts = ?, next_at = ?, last_error = ?, updated_at = ?
       WHERE id = ?`,
      progress.sent,
      progress.uncertain ? 1 : 0,
      progress.attempts,
      nextAt,
      lastError,
      now,
      id,
    );
  }

  bury(id: string, progress: JobProgress, error: SlackErrorCode, reason: string, now: number): void {
    this.#db.exec(
      `UPDATE outbox SET state = 'dead', sent = ?, uncertain = ?, attempts = ?, error = ?, last_error = ?, updated_at = ?
       WHERE id = ?`,
      progress.sent,
      progress.uncertain ? 1 : 0,
      progress.attempts,
      error,
      reason,
      now,
      id,
    );
  }

  remove(id: string): void {
    this.#db.exec(`DELETE FROM outbox WHERE id = ?`, id);
  }

  expireDead(before: number): number {
    return this.#db.exec(`DELETE FROM outbox WHERE state = 'dead' AND updated_at < ? RETURNING seq`, before).length;
  }

  revive(id: string, now: number, expiresAt: number): OutboxEntry | undefined {
    const [row] = this.#db.exec(
      `UPDATE outbox SET state = 'queued', next_at = ?, expires_at = ?, error = NULL, updated_at = ?
       WHERE id = ? AND state = 'dead' RETURNING *`,
      now,
      expiresAt,
      now,
      id,
    );
    return row && entry(row);
  }

  get(id: string): OutboxEntry | undefined {
    const [row] = this.#db.exec(`SELECT * FROM outbox WHERE id = ?`, id);
    return row && entry(row);
  }

  list(which: "unfinished" | "dead", limit: number): OutboxEntry[] {
    const sql =
      which === "dead"
        ? `SELECT * FROM outbox WHERE state = 'dead' ORDER BY updated_at DESC LIMIT ?`
        : `SELECT * FROM outbox WHERE ${UNFINISHED} ORDER BY seq LIMIT ?`;
    return this.#db.exec(sql, limit).map(entry);
  }

  stats(): OutboxStats {
    const waiting = new Map<string, number>();
    for (const row of this.#db.exec(`SELECT room, COUNT(*) AS n FROM outbox WHERE ${UNFINISHED} GROUP BY room`))
      waiting.set(row["room"] as string, row["n"] as number);
    const [totals] = this.#db.exec(
      `SELECT COALESCE(MAX(seq), 0) AS last, COUNT(*) FILTER (WHERE state = 'dead') AS dead FROM outbox`,
    );
    return { waiting, dead: totals!["dead"] as number, lastSeq: totals!["last"] as number };
  }

  close(clean = false): void {
    try {
      if (clean) this.#db.exec(`INSERT OR REPLACE INTO outbox_meta (key, value) VALUES ('clean', '1')`);
    } finally {
      this.#db.close();
    }
  }
}
