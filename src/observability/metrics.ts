import { VERSION } from "../version.ts";

/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and
 * histograms with labels. Runtime-neutral, no dependencies; values live in memory per process
 * (per isolate on Workers).
 */
type Labels = Readonly<Record<string, string>>;

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeValue = (v: string): string =>
  NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;

/** Labels → their exposition text, names sorted. */
const key = (labels: Labels): string => {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let text = "";
  for (const k of names) text += `${text ? "," : ""}${k}="${escapeValue(String(labels[k]))}"`;
  return text;
};

export abstract class Metric {
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  abstract readonly type: string;
  abstract lines(): string[];
}

export class Counter extends Metric {
  readonly type = "counter";
  readonly #values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1): void {
    this.#add(key(labels), by);
  }
  /** One label set's series, to keep where it is counted often (per request). */
  with(labels: Labels): { inc(by?: number): void } {
    const k = key(labels);
    return { inc: (by = 1) => this.#add(k, by) };
  }
  #add(k: string, by: number): void {
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  /** The count for exactly these labels, or the sum over every series that has them all. */
  get(labels: Labels = {}): number {
    const exact = this.#values.get(key(labels));
    if (exact !== undefined) return exact;
    const wanted = Object.keys(labels).map((k) => `${k}="${escapeValue(String(labels[k]))}"`);
    let sum = 0;
    for (const [k, v] of this.#values) if (wanted.every((w) => k.split(",").includes(w))) sum += v;
    return sum;
  }
  lines(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Gauge extends Metric {
  readonly type = "gauge";
  readonly #values = new Map<string, number>();
  #collect: (() => number) | undefined;
  set(value: number, labels: Labels = {}): void {
    this.#values.set(key(labels), value);
  }
  /** Read the value when scraped (queue depth from the outbox, say). */
  collect(read: () => number): void {
    this.#collect = read;
  }
  lines(): string[] {
    if (this.#collect) this.#values.set("", this.#collect());
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

/**
 * A value read when scraped, from a source that keeps it (the process's CPU time, RSS): a
 * counter or a gauge, with or without labels.
 */
export class Collected extends Metric {
  readonly type: "counter" | "gauge";
  readonly #read: () => number | ReadonlyArray<readonly [Labels, number]>;
  constructor(
    name: string,
    help: string,
    type: "counter" | "gauge",
    read: () => number | ReadonlyArray<readonly [Labels, number]>,
  ) {
    super(name, help);
    this.type = type;
    this.#read = read;
  }
  lines(): string[] {
    const value = this.#read();
    if (typeof value === "number") return [`${this.name} ${value}`];
    return value.map(([labels, v]) => {
      const k = key(labels);
      return `${this.name}${k ? `{${k}}` : ""} ${v}`;
    });
  }
}

interface Series {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric {
  readonly type = "histogram";
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, Series>();
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help);
    this.#buckets = buckets;
  }
  observe(value: number, labels: Labels = {}): void {
    this.#record(this.#seriesFor(key(labels)), value);
  }
  /** One label set's series, to keep where it is observed often (per request). */
  with(labels: Labels): { observe(value: number): void } {
    const series = this.#seriesFor(key(labels));
    return { observe: (value) => this.#record(series, value) };
  }
  #seriesFor(k: string): Series {
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, (s = { counts: this.#buckets.map(() => 0), sum: 0, count: 0 }));
    return s;
  }
  #record(s: Series, value: number): void {
    for (let i = 0; i < this.#buckets.length; i++) if (value <= this.#buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.#series) {
      const sep = k ? `${k},` : "";
      this.#buckets.forEach((b, i) => {
        out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** slackline's metrics, one instance per app. */
export class Metrics {
  readonly requests = new Counter("slackline_http_requests_total", "HTTP requests by route and status.");
  readonly requestSeconds = new Histogram(
    "slackline_http_request_duration_seconds",
    "HTTP request latency by route.",
    LATENCY_BUCKETS,
  );
  readonly deliveries = new Counter(
    "slackline_deliveries_total",
    "Delivery jobs by hook (or bot) name and outcome (delivered, queued, retried, failed, dead).",
  );
  /** Every answer to an incoming webhook or Web API call: `ok` or the Slack error code. */
  readonly answers = new Counter(
    "slackline_answers_total",
    "Answers to senders by hook (or bot) name and Slack code (ok, no_text, channel_not_found, ...).",
  );
  readonly buildInfo = new Collected("slackline_build_info", "slackline's version; always 1.", "gauge", () => [
    [{ version: VERSION }, 1],
  ]);
  readonly deliverySeconds = new Histogram(
    "slackline_delivery_latency_seconds",
    "From acceptance to Rocket.Chat confirmation.",
    LATENCY_BUCKETS,
  );
  readonly queueDepth = new Gauge("slackline_outbox_depth", "Jobs waiting in the outbox.");
  readonly deadLetters = new Gauge("slackline_outbox_dead_letters", "Jobs kept as dead letters.");
  readonly outboxCommits = new Counter(
    "slackline_outbox_commits_total",
    "Outbox transactions committed (one fsync each; a transaction holds every write of one event-loop turn).",
  );
  readonly lineFull = new Counter(
    "slackline_delivery_refused_total",
    "Requests refused with 429 because the line of undelivered messages is full, by bound (room, total, age).",
  );
  readonly rocketchatAuthFailures = new Counter(
    "slackline_rocketchat_auth_failures_total",
    "Answers from Rocket.Chat refusing the credentials (401) or a right they lack (403), by status.",
  );
  readonly rocketchatUp = new Gauge(
    "slackline_rocketchat_up",
    "1 while Rocket.Chat answers; 0 while it is unreachable or refuses the credentials.",
  );
  readonly relayed = new Counter(
    "slackline_outgoing_requests_total",
    "Requests to Slack-style bots by format and outcome.",
  );
  readonly webApi = new Counter(
    "slackline_webapi_calls_total",
    "Slack Web API calls by bot, method and answer (ok or Slack's error code).",
  );

  readonly #extra: Metric[] = [];
  /** More metrics for this runtime (the Node process's, say), rendered after slackline's own. */
  add(...metrics: Metric[]): void {
    this.#extra.push(...metrics);
  }
  render(): string {
    const all: Metric[] = [
      this.buildInfo,
      this.requests,
      this.requestSeconds,
      this.answers,
      this.deliveries,
      this.deliverySeconds,
      this.queueDepth,
      this.deadLetters,
      this.outboxCommits,
      this.lineFull,
      this.rocketchatAuthFailures,
      this.rocketchatUp,
      this.relayed,
      this.webApi,
      ...this.#extra,
    ];
    return (
      all.map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()].join("\n")).join("\n") +
      "\n"
    );
  }
}
