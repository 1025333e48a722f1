/**
 * The Node outbox file (`delivery.outboxPath`): `node:sqlite`, imported only from `src/node/main.ts`
 * so the Worker bundle never sees it (docs/workers.md §4.1).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { SqlOutbox, type SqlDriver, type SqlValue } from "../delivery/sql-outbox.ts";

export interface SqliteOutboxOptions {
  /**
   * A cap on the file's size in pages (4 KiB): past it every write fails with SQLITE_FULL, as
   * on a full disk. For tests of a full disk; unset in production (the disk is the limit).
   */
  readonly maxPageCount?: number;
}

/**
 * Opens (creating it and its directory) the outbox at `path`.
 *
 * - WAL with synchronous=FULL: every commit is fsynced before it returns, so an `ok` survives
 *   a power loss too, not only a crash (NORMAL may lose the last commits then). Only jobs
 *   Rocket.Chat did not confirm in time are written, so the fsync stays off the fast path.
 *   The exception a caller asks for: a transaction of settles only (`durable` false) commits
 *   with NORMAL, no fsync of its own (docs/delivery.md).
 * - locking_mode=EXCLUSIVE: one process owns an outbox. A second one on the same file fails to
 *   start instead of sending the same jobs; the lock goes with the process, even on SIGKILL.
 */
export function openSqliteOutbox(path: string, opts: SqliteOutboxOptions = {}): SqlOutbox {
  mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 1000 });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
    if (opts.maxPageCount !== undefined) db.exec(`PRAGMA max_page_count = ${Math.floor(opts.maxPageCount)}`);
    // Take the lock now (EXCLUSIVE keeps it from the first write on), not at the first job.
    db.exec("BEGIN IMMEDIATE; COMMIT");
  } catch (e) {
    db.close();
    const locked = (e as { errcode?: number }).errcode === 5; // SQLITE_BUSY
    throw locked ? new Error(`${path} is in use by another slackline process`, { cause: e }) : e;
  }
  return new SqlOutbox(driver(db));
}

function driver(db: DatabaseSync): SqlDriver {
  const statements = new Map<string, StatementSync>();
  const prepared = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  // Per transaction: a commit that need not survive a power loss skips its fsync (WAL: the
  // next FULL commit or checkpoint syncs the log, this commit's frames included).
  const lazy = db.prepare("PRAGMA synchronous = NORMAL");
  const full = db.prepare("PRAGMA synchronous = FULL");
  return {
    exec: (sql: string, ...params: SqlValue[]) => prepared(sql).all(...params) as Array<Record<string, unknown>>,
    transaction<T>(fn: () => T, durable = true): T {
      if (!durable) lazy.run();
      try {
        begin.run();
        const result = fn();
        commit.run();
        return result;
      } catch (e) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw e;
      } finally {
        if (!durable) full.run();
      }
    },
    close: () => db.close(),
  };
}
