/**
 * Metrics across isolates: every isolate (HTTP requests, what it submitted) and every room object
 * (deliveries, retries, dead letters, the line's depth) keeps its own `Metrics`, and pushes its
 * cumulative samples to one Durable Object (`METRICS`, `SlacklineMetrics`) at most every
 * `PUSH_EVERY_MS` while it is busy. `GET /metrics` on the Worker answers the sum over every
 * source that pushed in the last `KEEP_MS`: counters and histograms add up, and so do the
 * gauges (each room's depth is its own source's sample).
 *
 * The trade-off: figures lag by up to `PUSH_EVERY_MS`; what an isolate counted after its last
 * push is lost with it; and when a source is forgotten (`KEEP_MS` after its last push) the
 * counters' sum drops, which Prometheus reads as a counter reset. Workers Analytics Engine
 * would count without a Durable Object, but it is read through Cloudflare's SQL API with an
 * account token, not by the Worker, so `/metrics` could not show it.
 */
import { DurableObject } from "cloudflare:workers";
import { Metrics } from "../observability/metrics.ts";
import type { WorkerEnv } from "./env.ts";

/** A source pushes at most this often. */
export const PUSH_EVERY_MS = 10_000;
/** A source that has not pushed for this long is left out (an isolate or an object gone). */
export const KEEP_MS = 24 * 60 * 60 * 1000;

type Samples = Record<string, number>;

/** `name{labels} value` lines of a registry, as a map (HELP/TYPE comments left out). */
export function samplesOf(metrics: Metrics): Samples {
  const samples: Samples = {};
  for (const line of metrics.render().split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return samples;
}

/** The exposition text of summed samples, in the registry's order, with its HELP/TYPE lines. */
export function renderSamples(samples: Samples): string {
  const out: string[] = [];
  for (const line of new Metrics().render().split("\n")) {
    if (line === "") continue;
    out.push(line);
    const type = /^# TYPE (\S+) /.exec(line);
    if (!type) continue;
    const name = type[1]!;
    const series = (key: string) => {
      const base = key.split("{")[0]!;
      return base === name || base === `${name}_bucket` || base === `${name}_sum` || base === `${name}_count`;
    };
    for (const [key, value] of Object.entries(samples)) if (series(key)) out.push(`${key} ${value}`);
  }
  return out.join("\n") + "\n";
}

/** A room object's source name: `room:` and its Durable Object id. */
export const roomSource = (id: string): string => `${ROOM}${id}`;
const ROOM = "room:";

/** Rooms with a line told of a 429 pause, the latest busy first. */
const PAUSE_ROOMS = 1000;

export class SlacklineMetrics extends DurableObject<WorkerEnv> {
  readonly #sql: SqlStorage;
  #lastPause: { until: number; url: string } | undefined;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, at INTEGER NOT NULL, samples TEXT NOT NULL)`,
    );
    // Room objects whose last push counted unfinished jobs or dead letters: the admin view asks
    // them. Not forgotten after KEEP_MS, as sources are: an idle room keeps its dead letters.
    // `waiting`: it has a line (not only dead letters), so a 429 pause concerns it.
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS busy_rooms (id TEXT PRIMARY KEY, at INTEGER NOT NULL, waiting INTEGER NOT NULL)`,
    );
  }

  /** A source's cumulative samples, replacing what it pushed before. */
  push(source: string, samples: Samples, now: number): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO sources (source, at, samples) VALUES (?, ?, ?)`,
      source,
      now,
      JSON.stringify(samples),
    );
    if (!source.startsWith(ROOM)) return;
    const id = source.slice(ROOM.length);
    const waiting = (samples["slackline_outbox_depth"] ?? 0) > 0;
    if (waiting || (samples["slackline_outbox_dead_letters"] ?? 0) > 0)
      this.#sql.exec(`INSERT OR REPLACE INTO busy_rooms (id, at, waiting) VALUES (?, ?, ?)`, id, now, waiting ? 1 : 0);
    else this.#sql.exec(`DELETE FROM busy_rooms WHERE id = ?`, id);
  }

  /**
   * A room object met a 429 from the Rocket.Chat at `url`: every other busy room pauses until
   * `until` too (one call each, once per pause, not per message).
   */
  async pauseRooms(until: number, url: string, from: string): Promise<void> {
    const rooms = this.env.ROOMS;
    if (!rooms) return;
    this.#lastPause = { until, url };
    const waiting = this.#sql
      .exec<{ id: string }>(`SELECT id FROM busy_rooms WHERE waiting = 1 ORDER BY at DESC LIMIT ?`, PAUSE_ROOMS)
      .toArray();
    await Promise.allSettled(
      waiting.filter((r) => r.id !== from).map((r) => rooms.get(rooms.idFromString(r.id)).pause(until, url)),
    );
  }

  /** The last pause shared (tests, and an operator's look through the runtime's tools). */
  lastPause(): { until: number; url: string } | undefined {
    return this.#lastPause;
  }

  /** The ids of room objects with unfinished jobs or dead letters, the latest to say so first. */
  busyRooms(limit: number): string[] {
    return this.#sql
      .exec<{ id: string }>(`SELECT id FROM busy_rooms ORDER BY at DESC LIMIT ?`, limit)
      .toArray()
      .map((r) => r.id);
  }

  /** The sum over every source heard from within `KEEP_MS`, as Prometheus text. */
  render(now: number): string {
    this.#sql.exec(`DELETE FROM sources WHERE at < ?`, now - KEEP_MS);
    const sum: Samples = {};
    for (const row of this.#sql.exec<{ samples: string }>(`SELECT samples FROM sources`)) {
      for (const [key, value] of Object.entries(JSON.parse(row.samples) as Samples)) sum[key] = (sum[key] ?? 0) + value;
    }
    return renderSamples(sum);
  }
}

/** Pushes one source's samples to the METRICS object, at most every `PUSH_EVERY_MS`. */
export class MetricsPusher {
  readonly #namespace: DurableObjectNamespace<SlacklineMetrics>;
  readonly #metrics: Metrics;
  readonly #source: string;
  readonly #everyMs: number;
  #pushedAt = 0;

  constructor(
    namespace: DurableObjectNamespace<SlacklineMetrics>,
    metrics: Metrics,
    source: string,
    everyMs = PUSH_EVERY_MS,
  ) {
    this.#namespace = namespace;
    this.#metrics = metrics;
    this.#source = source;
    this.#everyMs = everyMs;
  }

  /** Pushes now if the last push is old enough (or `force`); never rejects. */
  async maybePush(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.#pushedAt < this.#everyMs) return;
    this.#pushedAt = now;
    try {
      await hub(this.#namespace).push(this.#source, samplesOf(this.#metrics), now);
    } catch (e) {
      console.error(`slackline: cannot push metrics: ${String(e)}`);
    }
  }
}

/** The one object that sums a deployment's metrics. */
export const hub = (namespace: DurableObjectNamespace<SlacklineMetrics>): DurableObjectStub<SlacklineMetrics> =>
  namespace.get(namespace.idFromName("metrics"));
