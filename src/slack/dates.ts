/**
 * Slack date tokens (docs/slack.md §2.4): `<!date^EPOCH^TOKEN_STRING^OPTIONAL_URL|fallback>` and
 * rich_text `date` elements, plus the attachment `ts` footer time.
 *
 * Output is English (en-US), in the configured IANA zone. The parts come from one cached
 * `Intl.DateTimeFormat` per zone (they are expensive to build); the words are put together here
 * so that the result does not depend on the ICU version (recent ICU puts U+202F before "AM").
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** Slack's tokens; any other text in the format, `{unknown}` included, is kept literally. */
const TOKEN = new RegExp(
  "\\{(date_num|date_short_pretty|date_long_pretty|date_pretty|date_short|date_long|date" + "|time_secs|time|ago)\\}",
  "g",
);

/** Calendar fields of an instant in a zone. */
interface Parts {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly hour: number; // 0-23
  readonly minute: number;
  readonly second: number;
  readonly zone: string; // short zone name: "UTC", "EST", "GMT+1"
}

const MAX_CACHED_ZONES = 64;
const formatters = new Map<string, Intl.DateTimeFormat>();

function makeFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    hourCycle: "h23",
    timeZoneName: "short",
  });
}

/** The formatter for a zone, built once; an unknown zone gets UTC's (and is cached as such). */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = makeFormatter(timeZone);
  } catch {
    formatter = timeZone === "UTC" ? makeFormatter("UTC") : formatterFor("UTC");
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear(); // zones come from config: rare
  formatters.set(timeZone, formatter);
  return formatter;
}

/** Date's range ends at 8.64e15 ms; before 2 Jan 1 AD a zone may need an era: not Slack's. */
const MAX_MS = 8.64e15;
const MIN_MS = -62_135_596_800_000 + 86_400_000;

function partsOf(epochMs: number, timeZone: string): Parts | undefined {
  if (!Number.isFinite(epochMs) || epochMs > MAX_MS || epochMs < MIN_MS) return undefined;
  // UTC, the default zone, needs no Intl: `formatToParts` was most of an attachment's cost.
  if (timeZone === "UTC") {
    const d = new Date(epochMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      zone: "UTC",
    };
  }
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) fields[part.type] = part.value;
  const year = Number(fields.year);
  const month = Number(fields.month);
  const day = Number(fields.day);
  const hour = Number(fields.hour) % 24;
  const minute = Number(fields.minute);
  const second = Number(fields.second);
  if (![year, month, day, hour, minute, second].every(Number.isFinite)) return undefined;
  return { year, month, day, hour, minute, second, zone: fields.timeZoneName ?? "UTC" };
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

const monthName = (p: Parts): string => MONTHS[p.month - 1] ?? "";
const calendarDay = (p: Parts): number => Date.UTC(p.year, p.month - 1, p.day);
const weekday = (p: Parts): string => WEEKDAYS[new Date(calendarDay(p)).getUTCDay()]!;

function time(p: Parts, seconds: boolean): string {
  const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  const secs = seconds ? `:${pad2(p.second)}` : "";
  return `${h12}:${pad2(p.minute)}${secs} ${p.hour < 12 ? "AM" : "PM"}`;
}

/** Whole calendar days from `now` to `p` (both in the same zone): -1 yesterday, 1 tomorrow. */
function dayOffset(p: Parts, now: Parts): number {
  return Math.round((calendarDay(p) - calendarDay(now)) / 86_400_000);
}

const RELATIVE_DAY: Readonly<Record<number, string>> = {
  [-1]: "yesterday",
  0: "today",
  1: "tomorrow",
};

const relativeFormat = new Intl.RelativeTimeFormat("en-US", { numeric: "auto" });

const AGO_UNITS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/** "3 minutes ago", "in 2 hours", "yesterday", "now": the largest whole unit, toward zero. */
function ago(epochSeconds: number, nowSeconds: number): string {
  const diff = epochSeconds - nowSeconds;
  const size = Math.abs(diff);
  for (const [unit, seconds] of AGO_UNITS) {
    if (size >= seconds) return relativeFormat.format(Math.trunc(diff / seconds), unit);
  }
  return relativeFormat.format(0, "second");
}

/**
 * Renders Slack's date `format` (`"Posted {date_short} at {time}"`) for `epochSeconds` in
 * `timeZone` (an unknown zone falls back to UTC). `now` (epoch milliseconds) drives `{ago}` and the `_pretty` forms. Returns undefined when the input is malformed (a
 * non-finite or out-of-range epoch, a format that is not a non-empty string), so that the caller
 * can show Slack's fallback text instead.
 */
export function formatSlackDate(
  epochSeconds: number,
  format: string,
  timeZone: string,
  now: number,
): string | undefined {
  if (typeof epochSeconds !== "number" || typeof format !== "string" || format === "") {
    return undefined;
  }
  const p = partsOf(epochSeconds * 1000, zoneName(timeZone));
  if (!p) return undefined;
  let today: Parts | undefined;
  const pretty = (plain: string): string => {
    today ??= partsOf(now, zoneName(timeZone));
    return (today && RELATIVE_DAY[dayOffset(p, today)]) ?? plain;
  };
  const date = `${monthName(p)} ${ordinal(p.day)}, ${p.year}`;
  const short = `${monthName(p).slice(0, 3)} ${p.day}, ${p.year}`;
  const long = `${weekday(p)}, ${date}`;
  return format.replace(TOKEN, (_, token: string) => {
    switch (token) {
      case "date_num":
        return `${String(p.year).padStart(4, "0")}-${pad2(p.month)}-${pad2(p.day)}`;
      case "date":
        return date;
      case "date_short":
        return short;
      case "date_long":
        return long;
      case "date_pretty":
        return pretty(date);
      case "date_short_pretty":
        return pretty(short);
      case "date_long_pretty":
        return pretty(long);
      case "time":
        return time(p, false);
      case "time_secs":
        return time(p, true);
      default: // ago
        return ago(epochSeconds, now / 1000);
    }
  });
}

const NUMERIC = /^\s*-?\d+(?:\.\d+)?\s*$/;
/** Above this a `ts` is taken to be in milliseconds (1e11 seconds is the year 5138). */
const MILLISECONDS_FROM = 1e11;

/**
 * An attachment `ts` (epoch seconds as a number or numeric string, possibly fractional, like
 * Slack's `"1700000000.123456"`) as `Nov 14, 2023 at 10:13 PM UTC` in `timeZone`. A value too
 * large to be seconds is read as milliseconds, which some senders use. Undefined when not a time.
 */
export function formatTimestamp(ts: unknown, timeZone: string): string | undefined {
  let seconds: number;
  if (typeof ts === "number") seconds = ts;
  else if (typeof ts === "string" && NUMERIC.test(ts)) seconds = Number(ts);
  else return undefined;
  if (!Number.isFinite(seconds)) return undefined;
  const ms = Math.abs(seconds) >= MILLISECONDS_FROM ? seconds : seconds * 1000;
  const p = partsOf(Math.floor(ms), zoneName(timeZone));
  if (!p) return undefined;
  return `${monthName(p).slice(0, 3)} ${p.day}, ${p.year} at ${time(p, false)} ${p.zone}`;
}

const zoneName = (timeZone: string): string => (typeof timeZone === "string" && timeZone !== "" ? timeZone : "UTC");
