/**
 * Workers-only delivery glue: the outbox of each room is a Durable Object (`ROOMS`,
 * `SlacklineRoom`), running the same delivery policy as Node (`DurableDelivery` from
 * src/delivery/durable.ts: fast path, retries with backoff, Rocket.Chat's 429 pause, the
 * `chat.getMessage` check of an uncertain message, expiry, dead letters) over the same SQL
 * outbox (`SqlOutbox`) in the object's own SQLite storage. Nothing here decides how to deliver;
 * it only hosts that policy in an object and keeps it alive:
 *
 * - One object per Rocket.Chat server and room (`idFromName(url + "\n" + room)`), so every
 *   request for a room, from any isolate, reaches the one object that keeps its order. A request
 *   costs one call to it (`submit`): the object tries Rocket.Chat for up to `fastPathMs`, and
 *   what is not confirmed by then is in its storage before the call returns (the runtime holds
 *   the answer until the write is durable), so `ok` is never answered for a job not stored.
 * - The line is bounded by the policy, as on Node: over `delivery.maxQueuedPerRoom` waiting
 *   messages the object answers `rate_limited` with a Retry-After (from the room's drain rate),
 *   and stores nothing.
 * - While its line has jobs, the policy's own timer runs the retries in the object, and an alarm
 *   is set as a watchdog: after an eviction or a restart the alarm wakes the object, which
 *   recovers (jobs cut short are checked with Rocket.Chat before being sent again) and carries on.
 *   Once the line is empty the timer stops and the alarm is deleted, so an idle room costs nothing.
 * - A job is one row, whatever its size: no 128 KB message limit as with Queues.
 *
 * The object needs the Rocket.Chat URL, credentials and delivery settings: each `submit` brings
 * them (`RoomSetup`); an object woken by its alarm alone reads `SLACKLINE_CONFIG` from its env.
 */
import { DurableObject } from "cloudflare:workers";
import { upstream } from "#upstream";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { Deliverer, type DeliveryJob } from "../delivery/deliver.ts";
import { DurableDelivery } from "../delivery/durable.ts";
import type { Outbox, OutboxEntry, OutboxStats, OutboxWrite } from "../delivery/outbox.ts";
import {
  RECORDS_SHOWN,
  RecentDeliveries,
  recordFacts,
  type DeliveryService,
  type DeliverySettings,
  type DeliveryRecord,
  type DeliveryView,
  type RetryOutcome,
  type SubmitOutcome,
} from "../delivery/service.ts";
import { SqlOutbox, type SqlDriver } from "../delivery/sql-outbox.ts";
import type { Logger } from "../observability/log.ts";
import { parseLogLevel } from "../observability/log.ts";
import { Metrics } from "../observability/metrics.ts";
import { threadLookup } from "../state/ts-map.ts";
import { RocketChatClient } from "../rocketchat/client.ts";
import { RoomResolver } from "../rocketchat/rooms.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import { stringVars, workerLogger, type WorkerEnv } from "./env.ts";
import { hub, MetricsPusher, roomSource, type SlacklineMetrics } from "./metrics.ts";
import { DurableTsStore } from "./stores.ts";

/** What a room object needs to deliver; built once per isolate and config. */
export interface RoomSetup {
  /** Changes whenever a field below does: the object then rebuilds its delivery. */
  readonly key: string;
  readonly rocketchat: {
    readonly url: string;
    readonly userId: string;
    readonly authToken: string;
    readonly timeoutMs: number;
  };
  readonly delivery: DeliverySettings;
  readonly logLevel: string;
}

export function roomSetup(config: Config, logLevel: string | undefined): RoomSetup | undefined {
  const rc = config.rocketchat;
  if (!rc) return undefined;
  const fields = {
    rocketchat: { url: rc.url, userId: rc.userId, authToken: rc.authToken, timeoutMs: rc.timeoutMs },
    delivery: config.delivery,
    logLevel: logLevel ?? "info",
  };
  return { key: JSON.stringify(fields), ...fields };
}

/** Work started from a timer has no caller to tell: its failure is logged. */
const logged = (e: unknown): void => console.error(`slackline: room object: ${String(e)}`);

const setupOf = (key: string): RoomSetup => ({ key, ...(JSON.parse(key) as Omit<RoomSetup, "key">) });

/** The object holding a room's line: one per Rocket.Chat server and room name. */
export const roomObjectName = (url: string, room: string): string => `${url}\n${room}`;

/** A room with unfinished jobs has an alarm at most this far ahead (it resumes after a restart). */
export const WATCHDOG_MS = 30_000;
/** ...and at least this far: an alarm is a billed request. */
export const MIN_ALARM_MS = 1_000;
/**
 * How long an empty line keeps the policy's timer before stopping it: a pending timer keeps the
 * object awake and billed, so a room without work lets go soon. The Rocket.Chat client and the
 * room lookup are kept (memory only) for the next job.
 */
export const IDLE_MS = 2_000;

/** The Durable Object's SQLite as the outbox's driver: the same statements as node:sqlite. */
const sqlDriver = (storage: DurableObjectStorage): SqlDriver => ({
  exec: (sql, ...params) => storage.sql.exec(sql, ...params).toArray() as Array<Record<string, unknown>>,
  transaction: (fn) => storage.transactionSync(fn),
  // The storage belongs to the object and outlives any one delivery built on it.
  close() {},
});

/** The SQL outbox plus a count of its unfinished jobs (the line's bound), kept as it changes. */
class LineOutbox implements Outbox {
  readonly #inner: SqlOutbox;
  readonly #changed: () => void;
  /** Unfinished jobs (queued or being tried): the line's length. */
  pending: number;

  /** `changed`: after a job left the line or was put back with a new due time. */
  constructor(inner: SqlOutbox, changed: () => void) {
    this.#inner = inner;
    this.#changed = changed;
    this.pending = 0;
    this.stats();
  }

  write(ops: readonly OutboxWrite[]): void {
    this.#inner.write(ops);
    let moved = false;
    for (const op of ops) {
      if (op.op === "add") {
        if (op.entry.state !== "dead") this.pending++;
      } else {
        if (op.op !== "requeue") this.pending--;
        moved = true;
      }
    }
    if (moved) this.#changed();
  }
  unfinished(): OutboxEntry[] {
    return this.#inner.unfinished();
  }

  add(entry: OutboxEntry): void {
    this.#inner.add(entry);
    if (entry.state !== "dead") this.pending++;
  }
  recover(now: number): number {
    return this.#inner.recover(now);
  }
  due(now: number, limit: number): OutboxEntry[] {
    return this.#inner.due(now, limit);
  }
  claim(ids: readonly string[], now: number): void {
    this.#inner.claim(ids, now);
  }
  requeue(...args: Parameters<Outbox["requeue"]>): void {
    this.#inner.requeue(...args);
    this.#changed();
  }
  bury(id: string, progress: OutboxEntry["progress"], error: SlackErrorCode, reason: string, now: number): void {
    this.#inner.bury(id, progress, error, reason, now);
    this.pending--;
    this.#changed();
  }
  remove(id: string): void {
    this.#inner.remove(id);
    this.pending--;
    this.#changed();
  }
  expireDead(before: number): number {
    return this.#inner.expireDead(before);
  }
  revive(id: string, now: number, expiresAt: number): OutboxEntry | undefined {
    const revived = this.#inner.revive(id, now, expiresAt);
    if (revived) this.pending++;
    return revived;
  }
  get(id: string): OutboxEntry | undefined {
    return this.#inner.get(id);
  }
  list(which: "unfinished" | "dead", limit: number): OutboxEntry[] {
    return this.#inner.list(which, limit);
  }
  stats(): OutboxStats {
    const stats = this.#inner.stats();
    this.pending = [...stats.waiting.values()].reduce((a, b) => a + b, 0);
    return stats;
  }
  close(_clean?: boolean): void {}
}

export interface RoomCounts {
  /** Unfinished jobs: queued, or being tried. */
  readonly pending: number;
  readonly dead: number;
}

export class SlacklineRoom extends DurableObject<WorkerEnv> {
  readonly #metrics = new Metrics();
  readonly #pusher: MetricsPusher | undefined;
  #line: LineOutbox | undefined;
  #delivery: DurableDelivery | undefined;
  #setup: RoomSetup | undefined;
  /** The Rocket.Chat side for `#setup`, kept across deliveries while the object lives. */
  #deliverer: Deliverer | undefined;
  /** A delivery being stopped for a new config: later calls wait for it. */
  #switching: Promise<void> | undefined;
  /** Calls from a Worker inside the object now (a submit's job may be on the fast path, not stored). */
  #calls = 0;
  /** The watchdog alarm this instance set, if any. */
  #alarmAt: number | undefined;
  #idleCheck = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.#pusher = env.METRICS && new MetricsPusher(env.METRICS, this.#metrics, roomSource(ctx.id.toString()));
  }

  /**
   * Accepts a job for this room: delivered, stored for later, or refused (line full included).
   * `setupKey` is a `RoomSetup.key`, the setup's JSON: one string is cheaper to pass than the object.
   */
  async submit(job: DeliveryJob, setupKey: string): Promise<SubmitOutcome> {
    // The line's bound is the policy's (DurableDelivery admits or refuses with a Retry-After).
    return this.#call(this.#setupFor(setupKey), (delivery) => delivery.submit(job));
  }

  /**
   * The admin view of this room (`GET /deliveries` asks every busy room); undefined when the
   * object holds another Rocket.Chat server's room (a config that changed its URL).
   */
  async view(setupKey: string): Promise<DeliveryView | undefined> {
    const setup = this.#setupFor(setupKey);
    if (!this.#serves(setup)) return undefined;
    return this.#call(setup, (delivery) => delivery.view());
  }

  /** A dead letter of this room back in line (`POST /deliveries/{id}/retry`). */
  async retry(id: string, setupKey: string): Promise<RetryOutcome> {
    const setup = this.#setupFor(setupKey);
    if (!this.#serves(setup)) return { kind: "not_found" };
    return this.#call(setup, (delivery) => delivery.retry(id));
  }

  /** The setup a call brings: the current one when unchanged (no JSON to read again). */
  #setupFor(setupKey: string): RoomSetup {
    return this.#setup?.key === setupKey ? this.#setup : setupOf(setupKey);
  }

  /** Whether `setup` names this object's Rocket.Chat server (when the runtime says its name). */
  #serves(setup: RoomSetup): boolean {
    const name = this.ctx.id.name;
    return name === undefined || name.startsWith(`${setup.rocketchat.url}\n`);
  }

  /** A call from a Worker, with the setup it brought: the delivery runs meanwhile. */
  async #call<T>(setup: RoomSetup, work: (delivery: DurableDelivery) => Promise<T>): Promise<T> {
    this.#calls++;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    try {
      return await work(await this.#deliveryFor(setup));
    } finally {
      this.#calls--;
      await this.#watch();
      if (this.#pusher) this.ctx.waitUntil(this.#pusher.maybePush());
    }
  }

  /** The line's size and its dead letters (tests, and the operator through /metrics). */
  counts(): RoomCounts {
    const stats = this.#outbox().stats();
    return { pending: this.#line!.pending, dead: stats.dead };
  }

  /** The watchdog: resumes a line whose object was restarted; re-arms while jobs remain. */
  override async alarm(): Promise<void> {
    this.#alarmAt = undefined;
    const line = this.#outbox();
    if (line.pending === 0) return this.#watch();
    if (!this.#delivery) {
      const setup = this.#setup ?? this.#setupFromEnv();
      if (!setup) {
        console.error(
          "slackline: a room has undelivered jobs but SLACKLINE_CONFIG names no Rocket.Chat for it; retrying in 60 s",
        );
        this.#alarmAt = Date.now() + 60_000;
        await this.ctx.storage.setAlarm(this.#alarmAt);
        return;
      }
      await this.#deliveryFor(setup);
    }
    await this.#watch();
    await this.#pusher?.maybePush();
  }

  #outbox(): LineOutbox {
    this.#line ??= new LineOutbox(new SqlOutbox(sqlDriver(this.ctx.storage)), () => this.#onChange());
    return this.#line;
  }

  async #deliveryFor(setup: RoomSetup): Promise<DurableDelivery> {
    while (this.#switching) await this.#switching;
    if (this.#delivery && this.#setup?.key === setup.key) return this.#delivery;
    const old = this.#delivery;
    if (old) {
      // A new config (a rotated token, say): let the old one's attempts end first, so no job
      // is tried by both.
      this.#delivery = undefined;
      this.#switching = old.stop(setup.rocketchat.timeoutMs + 1000).then(() => {
        this.#switching = undefined;
      });
      await this.#switching;
    }
    if (this.#setup?.key !== setup.key) this.#deliverer = undefined;
    this.#setup = setup;
    this.#delivery = this.#build(setup);
    return this.#delivery;
  }

  #build(setup: RoomSetup): DurableDelivery {
    const logger: Logger = workerLogger(parseLogLevel(setup.logLevel));
    const deliverer = (this.#deliverer ??= this.#delivererFor(setup));
    const delivery = new DurableDelivery({
      outbox: this.#outbox(),
      deliverer,
      metrics: this.#metrics,
      logger,
      settings: setup.delivery,
    });
    // Rocket.Chat's 429 is for the user, not the room: the other busy rooms pause too.
    const metrics = this.env.METRICS;
    if (metrics)
      delivery.server.paused = (until) =>
        this.ctx.waitUntil(
          hub(metrics)
            .pauseRooms(until, setup.rocketchat.url, this.ctx.id.toString())
            .catch((e: unknown) => logger.warn("metrics object: cannot share a 429 pause", { error: String(e) })),
        );
    delivery.start();
    return delivery;
  }

  /** A 429 met by another room of `url`: nothing goes to Rocket.Chat from here before `until`. */
  pause(until: number, url: string): void {
    if (this.#setup?.rocketchat.url === url) this.#delivery?.server.pauseUntil(until);
  }

  #delivererFor(setup: RoomSetup): Deliverer {
    const client = new RocketChatClient({ ...setup.rocketchat, upstream });
    const state = this.env.STATE;
    const threads = state ? threadLookup(new DurableTsStore(state)) : undefined;
    return new Deliverer(client, new RoomResolver(client), threads);
  }

  /** Woken by its alarm alone: the Worker's own config, if it names this object's server. */
  #setupFromEnv(): RoomSetup | undefined {
    const text = this.env.SLACKLINE_CONFIG?.trim();
    if (!text) return undefined;
    const loaded = loadConfig(text, stringVars(this.env));
    if (!loaded.ok) return undefined;
    const setup = roomSetup(loaded.config, this.env.LOG_LEVEL);
    return setup && this.#serves(setup) ? setup : undefined;
  }

  /** The line moved: look at the alarm again, and at idleness (outside the policy's own call). */
  #onChange(): void {
    if (this.#idleCheck) return;
    this.#idleCheck = true;
    setTimeout(() => {
      this.#idleCheck = false;
      this.#watch().catch(logged);
    }, 0);
  }

  /**
   * Jobs waiting: a watchdog alarm is set for when the room's head is next due (within
   * `MIN_ALARM_MS`..`WATCHDOG_MS`), so a restarted object resumes about when its timer would
   * have. None, and no call inside: let go after `IDLE_MS`.
   */
  async #watch(): Promise<void> {
    const line = this.#outbox();
    if (line.pending > 0) {
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      const now = Date.now();
      const head = line.list("unfinished", 1)[0];
      const due = Math.min(Math.max(head?.nextAt ?? now, now + MIN_ALARM_MS), now + WATCHDOG_MS);
      if (this.#alarmAt !== undefined && this.#alarmAt <= due + MIN_ALARM_MS) return;
      this.#alarmAt = due;
      await this.ctx.storage.setAlarm(due);
      return;
    }
    if (this.#calls > 0 || this.#switching || this.#idleTimer !== undefined) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      this.#release().catch(logged);
    }, IDLE_MS);
  }

  /** Still idle: stop the delivery's timer and drop the alarm, so nothing keeps the object. */
  async #release(): Promise<void> {
    if (this.#outbox().pending > 0 || this.#calls > 0 || this.#switching) return;
    const delivery = this.#delivery;
    this.#delivery = undefined;
    // Nothing is running (the line is empty and no call is inside), so this stops at once.
    if (delivery) await delivery.stop(0);
    if (this.#alarmAt !== undefined && this.#outbox().pending === 0) {
      this.#alarmAt = undefined;
      await this.ctx.storage.deleteAlarm();
    }
    // Last: a call to another object lets new calls in meanwhile.
    await this.#pusher?.maybePush(true);
  }
}

export interface RoomDeliveryOptions {
  readonly rooms: DurableObjectNamespace<SlacklineRoom>;
  /** Where room objects say whether they are busy: the admin view asks those (without: none). */
  readonly metricsHub?: DurableObjectNamespace<SlacklineMetrics>;
  readonly setup: RoomSetup;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Count outcomes in this isolate's metrics (when the room objects' counts are not summed in). */
  readonly count?: boolean;
  readonly now?: () => number;
}

/** The Worker's side: each job goes to its room's object, one call per request. */
export class RoomDelivery implements DeliveryService {
  readonly #opts: RoomDeliveryOptions;
  readonly #now: () => number;
  readonly #recent = new RecentDeliveries();

  constructor(opts: RoomDeliveryOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The room's object (a stub is cheap; one made in a request is not reused in another). */
  room(room: string): DurableObjectStub<SlacklineRoom> {
    const { rooms, setup } = this.#opts;
    return rooms.get(rooms.idFromName(roomObjectName(setup.rocketchat.url, room)));
  }

  async submit(job: DeliveryJob): Promise<SubmitOutcome> {
    const { metrics, logger, setup } = this.#opts;
    let outcome: SubmitOutcome;
    try {
      outcome = await this.room(job.room).submit(job, setup.key);
    } catch (e) {
      // The object could not be reached or failed: nothing is known to be stored.
      logger.error("room object: cannot submit a job", { job: job.id, room: job.room, error: String(e) });
      outcome = { kind: "failed", error: "service_unavailable" };
    }
    const now = this.#now();
    const progress = { sent: outcome.kind === "delivered" ? job.messages.length : 0, uncertain: false, attempts: 1 };
    if (this.#opts.count !== false) {
      metrics.deliveries.inc({ outcome: outcome.kind });
      if (outcome.kind === "delivered") metrics.deliverySeconds.observe((now - job.acceptedAt) / 1000);
    }
    this.#recent.add(
      recordFacts(job, outcome.kind, progress, now, outcome.kind === "failed" ? { error: outcome.error } : {}),
    );
    return outcome;
  }

  /**
   * The lines and dead letters are in the room objects: those that last said they are busy
   * (METRICS keeps the list, see SlacklineMetrics.busyRooms) are asked, at most
   * ROOMS_VIEWED of them; recent deliveries are theirs and this isolate's.
   */
  async view(): Promise<DeliveryView> {
    const views = await Promise.all(
      (await this.#busyRooms()).map((room) =>
        room.view(this.#opts.setup.key).catch((e: unknown): undefined => {
          this.#opts.logger.warn("room object: cannot read its deliveries", { error: String(e) });
        }),
      ),
    );
    const rooms = views.filter((v) => v !== undefined);
    // ISO times: their order is the order of the strings.
    const merged = (records: DeliveryRecord[], key: "acceptedAt" | "updatedAt", newestFirst: boolean) =>
      records
        .sort((a, b) => (a[key] === b[key] ? 0 : a[key] < b[key] !== newestFirst ? -1 : 1))
        .slice(0, RECORDS_SHOWN);
    return {
      counts: {
        pending: rooms.reduce((n, v) => n + v.counts.pending, 0),
        dead: rooms.reduce((n, v) => n + v.counts.dead, 0),
      },
      pending: merged(
        rooms.flatMap((v) => v.pending),
        "acceptedAt",
        false,
      ),
      dead: merged(
        rooms.flatMap((v) => v.dead),
        "updatedAt",
        true,
      ),
      recent: merged([...this.#recent.list(), ...rooms.flatMap((v) => v.recent)], "updatedAt", true),
    };
  }

  /** Asks the busy rooms in turn: the one that holds `id` answers. */
  async retry(id: string): Promise<RetryOutcome> {
    for (const room of await this.#busyRooms()) {
      const outcome = await room.retry(id, this.#opts.setup.key).catch((e: unknown): undefined => {
        this.#opts.logger.warn("room object: cannot retry a dead letter", { job: id, error: String(e) });
      });
      if (outcome && outcome.kind !== "not_found") return outcome;
    }
    return { kind: "not_found" };
  }

  /** The room objects to ask; none without METRICS or when it cannot be reached (logged). */
  async #busyRooms(): Promise<Array<DurableObjectStub<SlacklineRoom>>> {
    const { metricsHub, rooms, logger } = this.#opts;
    if (!metricsHub) return [];
    try {
      const ids = await hub(metricsHub).busyRooms(ROOMS_VIEWED);
      return ids.map((id) => rooms.get(rooms.idFromString(id)));
    } catch (e) {
      logger.warn("metrics object: cannot list the busy rooms", { error: String(e) });
      return [];
    }
  }
}

/** Room objects the admin view asks, the latest busy first. */
const ROOMS_VIEWED = 50;
