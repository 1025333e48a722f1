/**
 * The Worker's shared state: one SQLite-backed Durable Object (`STATE`, wrangler.toml) holding
 * `response_url` state, the Slack ts ↔ Rocket.Chat message map and the files waiting between
 * `files.getUploadURLExternal` and `files.completeUploadExternal`. An isolate's memory is not
 * shared with the next request's isolate; this object is, and it is strongly consistent, so a
 * `response_url` counts its 5 uses exactly wherever the calls land.
 *
 * RPC methods take the caller's clock (`now`), so the stores on top keep an injectable clock
 * like their in-memory twins. Each method is synchronous SQL inside the object: no other call
 * runs between its read and its write.
 */
import { DurableObject } from "cloudflare:workers";
import type { TsRef } from "../state/ts-map.ts";
import type { ReplyOrigin } from "../state/response-urls.ts";
import { MAX_PENDING_UPLOADS, UPLOAD_TTL_MS, type PendingFile } from "../webapi/files.ts";
import {
  newResponseUrlId,
  RESPONSE_URL_MAX_USES,
  RESPONSE_URL_TTL_MS,
  type ResponseUrlUse,
} from "../state/response-urls.ts";

/** How long a ts stays mapped: bots answer in threads days later. */
export const TS_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Expired rows are deleted at most this often. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS response_urls (
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    uses INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS response_urls_created ON response_urls (created_at)`,
  `CREATE TABLE IF NOT EXISTS ts_map (
    ts TEXT PRIMARY KEY,
    rid TEXT NOT NULL,
    message_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS ts_map_message ON ts_map (message_id)`,
  `CREATE INDEX IF NOT EXISTS ts_map_expires ON ts_map (expires_at)`,
  `CREATE TABLE IF NOT EXISTS seen_events (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS seen_events_expires ON seen_events (expires_at)`,
  // state: 0 waiting for its bytes, 1 being uploaded, 2 uploaded, 3 being completed.
  `CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    bot TEXT NOT NULL,
    name TEXT NOT NULL,
    length INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state INTEGER NOT NULL,
    size INTEGER NOT NULL,
    chunks INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS uploads_expires ON uploads (expires_at)`,
  // A row (a BLOB included) holds at most 2 MB (docs/workers.md §4.3): the bytes go in chunks.
  `CREATE TABLE IF NOT EXISTS upload_chunks (
    id TEXT NOT NULL,
    n INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (id, n)
  )`,
];

/** An uploaded file being completed: its bytes are read chunk by chunk, then deleted. */
export interface TakenUpload extends PendingFile {
  readonly size: number;
  readonly chunks: number;
}

const pendingOf = (row: Row): PendingFile => ({
  id: String(row["id"]),
  bot: String(row["bot"]),
  name: String(row["name"]),
  length: Number(row["length"]),
  expiresAt: Number(row["expires_at"]),
});

type Row = Record<string, SqlStorageValue>;

export class SlacklineState extends DurableObject {
  readonly #sql: SqlStorage;
  #sweptAt = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    // Statements inside one call run as one implicit transaction.
    for (const statement of SCHEMA) this.#sql.exec(statement);
  }

  /** A new `response_url` id for `origin`. */
  createResponseUrl(origin: ReplyOrigin, now: number): string {
    this.#sweep(now);
    const id = newResponseUrlId();
    const insert = `INSERT INTO response_urls (id, origin, created_at, uses) VALUES (?, ?, ?, 0)`;
    this.#sql.exec(insert, id, JSON.stringify(origin), now);
    return id;
  }

  /** Counts one use: the origin, or why there is none ("valid 30 minutes, 5 uses"). */
  useResponseUrl(id: string, now: number): ResponseUrlUse {
    const row = this.#one(`SELECT origin, created_at, uses FROM response_urls WHERE id = ?`, id);
    if (row === undefined) return "unknown";
    if (now - Number(row["created_at"]) >= RESPONSE_URL_TTL_MS) return "expired";
    if (Number(row["uses"]) >= RESPONSE_URL_MAX_USES) return "used";
    this.#sql.exec(`UPDATE response_urls SET uses = uses + 1 WHERE id = ?`, id);
    return JSON.parse(String(row["origin"])) as ReplyOrigin;
  }

  /** ts → message; a ts held by another message moves to this one (as in MemoryTsStore). */
  putTs(ts: string, ref: TsRef, now: number): void {
    this.#sweep(now);
    this.#sql.exec(
      `INSERT OR REPLACE INTO ts_map (ts, rid, message_id, expires_at) VALUES (?, ?, ?, ?)`,
      ts,
      ref.rid,
      ref.messageId,
      now + TS_TTL_MS,
    );
  }

  getTs(ts: string, now: number): TsRef | undefined {
    const row = this.#one(`SELECT rid, message_id FROM ts_map WHERE ts = ? AND expires_at > ?`, ts, now);
    return row === undefined ? undefined : { rid: String(row["rid"]), messageId: String(row["message_id"]) };
  }

  /** The ts last stored for a message, if it still points at it. */
  tsFor(messageId: string, now: number): string | undefined {
    const row = this.#one(
      `SELECT ts FROM ts_map WHERE message_id = ? AND expires_at > ? ORDER BY rowid DESC LIMIT 1`,
      messageId,
      now,
    );
    return row === undefined ? undefined : String(row["ts"]);
  }

  /** true the first time `key` is seen within `ttlMs` (outgoing events; src/outgoing/seen.ts). */
  firstSightOfEvent(key: string, now: number, ttlMs: number): boolean {
    this.#sweep(now);
    if (this.#one(`SELECT 1 FROM seen_events WHERE key = ? AND expires_at > ?`, key, now) !== undefined) return false;
    this.#sql.exec(`INSERT OR REPLACE INTO seen_events (key, expires_at) VALUES (?, ?)`, key, now + ttlMs);
    return true;
  }

  /** A new pending upload; at most {@link MAX_PENDING_UPLOADS}, the oldest go first. */
  async createUpload(file: PendingFile, now: number): Promise<void> {
    this.#sweepUploads(now);
    this.#sql.exec(
      `INSERT INTO uploads (id, bot, name, length, expires_at, state, size, chunks) VALUES (?, ?, ?, ?, ?, 0, 0, 0)`,
      file.id,
      file.bot,
      file.name,
      file.length,
      file.expiresAt,
    );
    const over = `SELECT id FROM uploads ORDER BY expires_at DESC LIMIT -1 OFFSET ${MAX_PENDING_UPLOADS}`;
    for (const row of this.#sql.exec<Row>(over).toArray()) this.deleteUpload(String(row["id"]));
    // Expired bytes go even when no further upload comes to sweep them.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + UPLOAD_TTL_MS);
  }

  /** The upload awaiting its bytes. */
  pendingUpload(id: string, now: number): PendingFile | undefined {
    const row = this.#one(`SELECT * FROM uploads WHERE id = ? AND state = 0 AND expires_at > ?`, id, now);
    return row === undefined ? undefined : pendingOf(row);
  }

  /** Claims a pending upload for one upload request: false when it is not pending. */
  beginUpload(id: string, size: number, now: number): boolean {
    const claim = `UPDATE uploads SET state = 1 WHERE id = ? AND state = 0 AND length >= ? AND expires_at > ?`;
    return this.#sql.exec(claim, id, size, now).rowsWritten > 0;
  }

  /** Chunk `n` of an upload being uploaded (at most 2 MB: one row). */
  putUploadChunk(id: string, n: number, bytes: Uint8Array): boolean {
    if (this.#one(`SELECT 1 FROM uploads WHERE id = ? AND state = 1`, id) === undefined) return false;
    this.#sql.exec(`INSERT OR REPLACE INTO upload_chunks (id, n, bytes) VALUES (?, ?, ?)`, id, n, bytes.slice().buffer);
    return true;
  }

  finishUpload(id: string, size: number, chunks: number, now: number): boolean {
    const done = `UPDATE uploads SET state = 2, size = ?, chunks = ? WHERE id = ? AND state = 1 AND expires_at > ?`;
    return this.#sql.exec(done, size, chunks, id, now).rowsWritten > 0;
  }

  /**
   * Completes an upload of `bot`: undefined when unknown, expired or another bot's; the id is
   * used up when it is the bot's (its bytes are read, then deleted, by the caller).
   */
  takeUpload(id: string, bot: string, now: number): TakenUpload | undefined {
    const row = this.#one(`SELECT * FROM uploads WHERE id = ? AND state IN (0, 1, 2) AND expires_at > ?`, id, now);
    if (row === undefined || row["bot"] !== bot) return undefined;
    if (row["state"] !== 2) {
      this.deleteUpload(id);
      return undefined;
    }
    // Time to read the chunks; deleted once read, or swept.
    this.#sql.exec(`UPDATE uploads SET state = 3, expires_at = ? WHERE id = ?`, now + UPLOAD_TTL_MS, id);
    return { ...pendingOf(row), size: Number(row["size"]), chunks: Number(row["chunks"]) };
  }

  uploadChunk(id: string, n: number): Uint8Array | undefined {
    const row = this.#one(`SELECT bytes FROM upload_chunks WHERE id = ? AND n = ?`, id, n);
    return row === undefined ? undefined : new Uint8Array(row["bytes"] as ArrayBuffer);
  }

  deleteUpload(id: string): void {
    this.#sql.exec(`DELETE FROM upload_chunks WHERE id = ?`, id);
    this.#sql.exec(`DELETE FROM uploads WHERE id = ?`, id);
  }

  /** Sweeps expired uploads; again later while some wait. */
  override async alarm(): Promise<void> {
    this.#sweepUploads(Date.now());
    if (this.#one(`SELECT 1 FROM uploads LIMIT 1`) !== undefined)
      await this.ctx.storage.setAlarm(Date.now() + UPLOAD_TTL_MS);
  }

  #sweepUploads(now: number): void {
    this.#sql.exec(`DELETE FROM upload_chunks WHERE id IN (SELECT id FROM uploads WHERE expires_at <= ?)`, now);
    this.#sql.exec(`DELETE FROM uploads WHERE expires_at <= ?`, now);
  }

  #one(query: string, ...bindings: SqlStorageValue[]): Row | undefined {
    return this.#sql.exec<Row>(query, ...bindings).toArray()[0];
  }

  /** Expired `response_url`s are kept one more TTL, so a late call hears `expired`. */
  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    this.#sql.exec(`DELETE FROM response_urls WHERE created_at <= ?`, now - 2 * RESPONSE_URL_TTL_MS);
    this.#sql.exec(`DELETE FROM ts_map WHERE expires_at <= ?`, now);
    this.#sql.exec(`DELETE FROM seen_events WHERE expires_at <= ?`, now);
  }
}
