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

/** `write` is the sink: console on both runtimes, a collector in tests. */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => console.log(l)): Logger {
  // Under load many lines share a millisecond: format its time once.
  let lastMs = NaN;
  let lastIso = "";
  const time = () => {
    const ms = Date.now();
    if (ms !== lastMs) lastIso = new Date((lastMs = ms)).toISOString();
    return lastIso;
  };
  const at = (lvl: LogLevel) => {
    const label = lvl.toUpperCase();
    return (message: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < ORDER[level]) return;
      const extra = fields ? " " + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`).join(" ") : "";
      write(`${time()} ${label} ${message}${extra}`);
    };
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
