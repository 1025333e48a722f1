import { describe, expect, it } from "vitest";
import { accessLog } from "./access.ts";
import { createLogger } from "./log.ts";
import { Counter, Histogram, Metrics } from "./metrics.ts";

describe("metrics", () => {
  it("counts a label set the same through inc and a kept series, labels in name order", () => {
    const c = new Counter("c_total", "help");
    const kept = c.with({ status: "200", route: "/a" });
    kept.inc();
    kept.inc(2);
    c.inc({ route: "/a", status: "200" });
    c.inc({ route: "/b", status: 'quo"te' });
    expect(c.lines()).toEqual(['c_total{route="/a",status="200"} 4', 'c_total{route="/b",status="quo\\"te"} 1']);
  });

  it("fills cumulative histogram buckets", () => {
    const h = new Histogram("h_seconds", "help", [0.1, 1]);
    h.with({ route: "/a" }).observe(0.05);
    h.observe(0.5, { route: "/a" });
    h.observe(5, { route: "/a" });
    expect(h.lines()).toEqual([
      'h_seconds_bucket{route="/a",le="0.1"} 1',
      'h_seconds_bucket{route="/a",le="1"} 2',
      'h_seconds_bucket{route="/a",le="+Inf"} 3',
      'h_seconds_sum{route="/a"} 5.55',
      'h_seconds_count{route="/a"} 3',
    ]);
  });

  it("records one access-log line and one sample per request, by route pattern", () => {
    const metrics = new Metrics();
    const lines: string[] = [];
    const access = accessLog(
      metrics,
      createLogger("info", (l) => lines.push(l)),
    );
    access.request("POST", "/hooks/:token", 200, performance.now());
    access.request("POST", "/hooks/:token", 200, performance.now());
    access.request("POST", "/hooks/:token", 404, performance.now());
    expect(metrics.requests.get({ route: "/hooks/:token", status: "200" })).toBe(2);
    expect(metrics.requests.get({ route: "/hooks/:token", status: "404" })).toBe(1);
    expect(metrics.render()).toContain('slackline_http_request_duration_seconds_count{route="/hooks/:token"} 3');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO POST \/hooks\/:token 404 \d+\.\dms$/);
  });
});
