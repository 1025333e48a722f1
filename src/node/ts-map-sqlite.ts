/**
 * The Slack ts ↔ Rocket.Chat message map on Node, durable: a small SQLite file of its own
 * (`slack-ts.sqlite` beside the outbox), so `thread_ts`, `chat.update` and `chat.delete` find a
 * message after a restart. Imported only from `src/node/main.ts`: the Worker keeps the map in its
 * `STATE` Durable Object instead (src/workers/state.ts), with the same 30-day lifetime.
 *
 * WAL with synchronous=NORMAL: a crash loses nothing; a power loss may lose the last mappings
 * (a later `chat.update` of that message then answers `message_not_found`), which keeps an
 * fsync off every `chat.postMessage`.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { TsRef, TsStore } from "../state/ts-map.ts";

/** How long a ts stays mapped (as on Workers): bots answer in threads and edit days later. */
export const TS_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** Where the map lives for an outbox at `outboxPath`: the same folder. */
export const tsPathFor = (outboxPath: string): string => join(dirname(outboxPath), "slack-ts.sqlite");

export class SqliteTsStore implements TsStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #put: StatementSync;
  readonly #get: StatementSync;
  readonly #tsFor: StatementSync;
  readonly #sweep: StatementSync;
  #sweptAt = 0;

  constructor(path: string, now: () => number = Date.now) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path, { timeout: 1000 });
    this.#now = now;
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS ts_map (
        ts TEXT PRIMARY KEY,
        rid TEXT NOT NULL,
        message_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ts_map_message ON ts_map (message_id);
      CREATE INDEX IF NOT EXISTS ts_map_expires ON ts_map (expires_at);`);
    this.#put = this.#db.prepare(`INSERT OR REPLACE INTO ts_map (ts, rid, message_id, expires_at) VALUES (?, ?, ?, ?)`);
    this.#get = this.#db.prepare(`SELECT rid, message_id FROM ts_map WHERE ts = ? AND expires_at > ?`);
    this.#tsFor = this.#db.prepare(
      `SELECT ts FROM ts_map WHERE message_id = ? AND expires_at > ? ORDER BY rowid DESC LIMIT 1`,
    );
    this.#sweep = this.#db.prepare(`DELETE FROM ts_map WHERE expires_at <= ?`);
  }

  async put(ts: string, ref: TsRef): Promise<void> {
    const now = this.#now();
    if (now - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = now;
      this.#sweep.run(now);
    }
    this.#put.run(ts, ref.rid, ref.messageId, now + TS_TTL_MS);
  }

  async get(ts: string): Promise<TsRef | undefined> {
    const row = this.#get.get(ts, this.#now()) as { rid: string; message_id: string } | undefined;
    return row === undefined ? undefined : { rid: row.rid, messageId: row.message_id };
  }

  async tsFor(messageId: string): Promise<string | undefined> {
    const row = this.#tsFor.get(messageId, this.#now()) as { ts: string } | undefined;
    return row?.ts;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
