/**
 * What is recorded about every HTTP request, whichever server answered it: one metric sample
 * and one access-log line by route pattern (paths carry hook tokens), and unexpected failures.
 */
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";

export interface AccessLog {
  /** `started` is a `performance.now()` reading taken when the request arrived. */
  request(method: string, route: string, status: number, started: number): void;
  /** A handler threw: logged here; the caller answers `rollup_error`. */
  unexpected(route: string, err: unknown): void;
}

export function accessLog(metrics: Metrics, logger: Logger): AccessLog {
  // Each route and status's series, looked up once: routes are patterns, so they are few.
  const series = new Map<string, { count: { inc(): void }; latency: { observe(seconds: number): void } }>();
  return {
    request(method, route, status, started) {
      const seconds = (performance.now() - started) / 1000;
      const id = `${route} ${status}`;
      let s = series.get(id);
      if (!s) {
        s = { count: metrics.requests.with({ route, status: String(status) }), latency: metrics.requestSeconds.with({ route }) };
        series.set(id, s);
      }
      s.count.inc();
      s.latency.observe(seconds);
      logger.info(`${method} ${id} ${(seconds * 1000).toFixed(1)}ms`);
    },
    unexpected(route, err) {
      logger.error("unhandled error", { route, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    },
  };
}
