/**
 * The Worker's environment (wrangler.toml). Only `SLACKLINE_CONFIG` carries meaning on its own;
 * every binding is optional and its absence degrades one feature (README "Deploy on
 * Cloudflare Workers"). Any other string var or secret is a `${NAME}` for the config.
 */
import { createLogger, type Logger, type LogLevel } from "../observability/log.ts";
import type { SlacklineRoom } from "./delivery.ts";
import type { SlacklineLimiter } from "./limits.ts";
import type { SlacklineMetrics } from "./metrics.ts";
import type { SlacklineState } from "./state.ts";

export interface WorkerEnv {
  /** The config JSON, a secret (`wrangler secret put SLACKLINE_CONFIG`); absent → demo mode. */
  readonly SLACKLINE_CONFIG?: string;
  /** `debug|info|warn|error`, default `info`. */
  readonly LOG_LEVEL?: string;
  /** `response_url` state and the ts map; without it both are per isolate. */
  readonly STATE?: DurableObjectNamespace<SlacklineState>;
  /** One outbox per room; without it a message Rocket.Chat does not confirm is answered 503. */
  readonly ROOMS?: DurableObjectNamespace<SlacklineRoom>;
  /** One token bucket per hook; without it each isolate counts on its own. */
  readonly LIMITS?: DurableObjectNamespace<SlacklineLimiter>;
  /** Sums every isolate's and room's metrics for `/metrics`; without it, this isolate's only. */
  readonly METRICS?: DurableObjectNamespace<SlacklineMetrics>;
  readonly [name: string]: unknown;
}

/** The vars and secrets `${NAME}` may name: the env's strings (bindings are objects). */
export function stringVars(env: Readonly<Record<string, unknown>>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") vars[name] = value;
  return vars;
}

/** Levels go to the matching console method, so Workers Logs can filter on them. */
export function workerLogger(level: LogLevel): Logger {
  const at = (lvl: LogLevel, write: (line: string) => void) => createLogger(level, write)[lvl];
  return {
    debug: at("debug", (l) => console.debug(l)),
    info: at("info", (l) => console.info(l)),
    warn: at("warn", (l) => console.warn(l)),
    error: at("error", (l) => console.error(l)),
  };
}
