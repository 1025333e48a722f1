/** Leveled logging, one line per event, never secrets (tokens are not in routes or messages). */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const parseLogLevel = (value: string | undefined): LogLevel =>
  value !== undefined && Object.hasOwn(ORDER, value) ? (value as LogLevel) : "info";

/**
 * `text`: `TIME LEVEL message key=value …`, for people; `json`: one JSON object per line
 * (`{"time","level","msg",…fields}`), for log shippers (`LOG_FORMAT=json`).
 */
export type LogFormat = "text" | "json";

export const parseLogFormat = (value: string | undefined): LogFormat =>
  value?.trim().toLowerCase() === "json" ? "json" : "text";

export interface LoggerOptions {
  readonly format?: LogFormat;
  /** Text only: colour the level (a terminal). */
  readonly color?: boolean;
}

const COLORS: Record<LogLevel, string> = { debug: "\x1b[90m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" };

/** `write` is the sink: console on both runtimes, a collector in tests. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => console.log(l),
  opts: LoggerOptions = {},
): Logger {
  // Under load many lines share a millisecond: format its time once.
  let lastMs = NaN;
  let lastIso = "";
  const time = () => {
    const ms = Date.now();
    if (ms !== lastMs) lastIso = new Date((lastMs = ms)).toISOString();
    return lastIso;
  };
  const at = (lvl: LogLevel) => {
    if (opts.format === "json") {
      return (message: string, fields?: Record<string, unknown>) => {
        if (ORDER[lvl] < ORDER[level]) return;
        write(JSON.stringify({ time: time(), level: lvl, msg: message, ...fields }, jsonSafe));
      };
    }
    const label = opts.color ? `${COLORS[lvl]}${lvl.toUpperCase()}\x1b[0m` : lvl.toUpperCase();
    return (message: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < ORDER[level]) return;
      const extra = fields
        ? " " +
          Object.entries(fields)
            .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
            .join(" ")
        : "";
      write(`${time()} ${label} ${message}${extra}`);
    };
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Errors and bigints as JSON. */
const jsonSafe = (_key: string, value: unknown): unknown =>
  value instanceof Error ? `${value.name}: ${value.message}` : typeof value === "bigint" ? String(value) : value;

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
