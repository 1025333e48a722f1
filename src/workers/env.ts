/**
 * The Worker's environment (wrangler.toml). Only `SLACKLINE_CONFIG` carries meaning on its own;
 * every binding is optional and its absence degrades one feature (README "Deploy on
 * Cloudflare Workers"). Any other string var or secret is a `${NAME}` for the config.
 */
import { createLogger, type Logger, type LogLevel } from "../observability/log.ts";

/**
 * The Worker's env: the bindings of wrangler.toml as `wrangler types` generates them (`Env`, in
 * worker-configuration.d.ts), each optional (its absence degrades one feature: `STATE` the
 * response_url state and ts map become per isolate, `ROOMS` unconfirmed messages are answered
 * 503, `LIMITS` rate limits are counted per isolate, `METRICS` /metrics shows one isolate), plus
 * the config secret and the string vars and secrets a `${NAME}` in it may name.
 */
export type WorkerEnv = Partial<Env> & {
  /** The config JSON, a secret (`wrangler secret put SLACKLINE_CONFIG`); absent → demo mode. */
  readonly SLACKLINE_CONFIG?: string;
  /** `debug|info|warn|error`, default `info`. */
  readonly LOG_LEVEL?: string;
  readonly [name: string]: unknown;
};

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
