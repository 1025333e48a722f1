/**
 * What is recorded about every HTTP request, whichever server answered it: one metric sample
 * and one access-log line by route pattern (paths carry hook tokens), and unexpected failures.
 * An answer to a sender (incoming webhook, Web API) also counts by hook name and Slack code, and
 * a refusal's line says which hook, which code and why, at WARN (README.md: Operations).
 */
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";

/** Who an answer was for and what it said, for the log and metrics; never a token. */
export interface AnswerNote {
  /** The hook's or bot's name; absent when the token matched none. */
  readonly hook?: string;
  /** The answer's body: `ok` or a Slack code (incoming webhooks). */
  readonly body?: string;
  /** The Slack code, where the body is not one (the Web API's JSON). */
  readonly code?: string;
  readonly reason?: string;
}

export interface AccessLog {
  /** `started` is a `performance.now()` reading taken when the request arrived. */
  request(method: string, route: string, status: number, started: number, answer?: AnswerNote): void;
  /** A handler threw: logged here; the caller answers `rollup_error`. */
  unexpected(route: string, err: unknown): void;
}

// A route handler notes its answer on the request; the app's access middleware reads it.
const notes = new WeakMap<object, AnswerNote>();

/** Notes `answer` for `request`'s access-log line and returns it. */
export function noteAnswer<T extends AnswerNote>(request: object, answer: T): T {
  notes.set(request, answer);
  return answer;
}

export const answerNoted = (request: object): AnswerNote | undefined => notes.get(request);

/** A reason as a log field value: one line, not too long. */
const oneLine = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}…` : s).replace(/\s+/g, " ");

export function accessLog(metrics: Metrics, logger: Logger): AccessLog {
  // Each route and status's series, looked up once: routes are patterns, so they are few.
  const series = new Map<string, { count: { inc(): void }; latency: { observe(seconds: number): void } }>();
  const answers = new Map<string, { inc(): void }>();
  return {
    request(method, route, status, started, answer) {
      const seconds = (performance.now() - started) / 1000;
      const id = `${route} ${status}`;
      let s = series.get(id);
      if (!s) {
        s = {
          count: metrics.requests.with({ route, status: String(status) }),
          latency: metrics.requestSeconds.with({ route }),
        };
        series.set(id, s);
      }
      s.count.inc();
      s.latency.observe(seconds);
      const line = `${method} ${id} ${(seconds * 1000).toFixed(1)}ms`;
      if (!answer) return logger.info(line);
      const hook = answer.hook ?? "unknown";
      const code = answer.code ?? answer.body ?? String(status);
      const k = `${hook}\n${code}`;
      let counted = answers.get(k);
      if (!counted) answers.set(k, (counted = metrics.answers.with({ hook, code })));
      counted.inc();
      if (code === "ok") return logger.info(line, { hook });
      logger.warn(line, { hook, code, ...(answer.reason !== undefined && { reason: oneLine(answer.reason) }) });
    },
    unexpected(route, err) {
      logger.error("unhandled error", {
        route,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    },
  };
}
