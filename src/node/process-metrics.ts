/**
 * The Node process's own metrics on `/metrics`, under the names Prometheus client libraries use
 * (`process_*`, `nodejs_*`): CPU time, resident memory, heap, event-loop delay, open connections.
 * Read when scraped; the event-loop delay is sampled by Node (perf_hooks) and its figures cover
 * the time since the previous scrape.
 */
import type { Server } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Collected, type Metrics } from "../observability/metrics.ts";

export function watchProcess(metrics: Metrics, server: Server): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let open = 0;
  server.on("connection", (socket) => {
    open++;
    socket.once("close", () => open--);
  });
  const started = Math.round(Date.now() / 1000 - process.uptime());
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  metrics.add(
    new Collected(
      "process_cpu_user_seconds_total",
      "User CPU time spent, in seconds.",
      "counter",
      () => process.cpuUsage().user / 1e6,
    ),
    new Collected(
      "process_cpu_system_seconds_total",
      "System CPU time spent, in seconds.",
      "counter",
      () => process.cpuUsage().system / 1e6,
    ),
    new Collected("process_resident_memory_bytes", "Resident memory size, in bytes.", "gauge", () =>
      process.memoryUsage.rss(),
    ),
    new Collected(
      "nodejs_heap_size_used_bytes",
      "V8 heap in use, in bytes.",
      "gauge",
      () => process.memoryUsage().heapUsed,
    ),
    new Collected(
      "process_start_time_seconds",
      "Start time of the process, in seconds since the Unix epoch.",
      "gauge",
      () => started,
    ),
    // Event-loop delay under prom-client's names (Node.js dashboards use them), read once per
    // scrape: the mean series is read first and starts the next interval.
    new Collected(
      "nodejs_eventloop_lag_p99_seconds",
      "Event-loop delay since the previous scrape: 99th percentile, in seconds.",
      "gauge",
      () => seconds(delay.percentile(99)),
    ),
    new Collected(
      "nodejs_eventloop_lag_max_seconds",
      "Event-loop delay since the previous scrape: maximum, in seconds.",
      "gauge",
      () => seconds(delay.max),
    ),
    new Collected(
      "nodejs_eventloop_lag_mean_seconds",
      "Event-loop delay since the previous scrape: mean, in seconds.",
      "gauge",
      () => {
        const mean = seconds(delay.mean);
        delay.reset();
        return mean;
      },
    ),
    new Collected("slackline_open_connections", "Open HTTP connections.", "gauge", () => open),
  );
  return () => delay.disable();
}
