/**
 * The Worker's shared state: one SQLite-backed Durable Object (`STATE`, wrangler.toml) holding
 * `response_url` state and the Slack ts ↔ Rocket.Chat message map. An isolate's memory is not
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
];

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
