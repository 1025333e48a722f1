import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSlackDate, formatTimestamp } from "./dates.ts";

// Slack's own example (docs/slack.md §2.4): 1392734382 is 2014-02-18 14:39:42 UTC, 06:39:42 in Los Angeles.
const EPOCH = 1392734382;
const NOW = Date.UTC(2014, 1, 18, 20, 0, 0); // same day, 20:00 UTC (12:00 in Los Angeles)

describe("formatSlackDate", () => {
  it("renders each date token", () => {
    const tokens = {
      "{date_num}": "2014-02-18",
      "{date}": "February 18th, 2014",
      "{date_short}": "Feb 18, 2014",
      "{date_long}": "Tuesday, February 18th, 2014",
      "{time}": "6:39 AM",
      "{time_secs}": "6:39:42 AM",
    };
    for (const [token, expected] of Object.entries(tokens)) {
      expect(formatSlackDate(EPOCH, token, "America/Los_Angeles", NOW), token).toBe(expected);
    }
  });

  it("uses the zone for the calendar day and the clock", () => {
    expect(formatSlackDate(EPOCH, "{date_num} {time}", "UTC", NOW)).toBe("2014-02-18 2:39 PM");
    expect(formatSlackDate(EPOCH, "{date_num} {time}", "Asia/Tokyo", NOW)).toBe("2014-02-18 11:39 PM");
    expect(formatSlackDate(EPOCH + 3600, "{date_long} {time}", "Asia/Tokyo", NOW)).toBe(
      "Wednesday, February 19th, 2014 12:39 AM",
    );
  });

  it("keeps any other text, unknown tokens included, literally", () => {
    expect(formatSlackDate(EPOCH, "Posted {date_short} at {time} {unknown} {date", "UTC", NOW)).toBe(
      "Posted Feb 18, 2014 at 2:39 PM {unknown} {date",
    );
    expect(formatSlackDate(EPOCH, "no tokens", "UTC", NOW)).toBe("no tokens");
  });

  it("writes ordinals and the 12-hour clock correctly", () => {
    const day = (d: number): string | undefined => formatSlackDate(Date.UTC(2014, 0, d) / 1000, "{date}", "UTC", NOW);
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(day)).toEqual([
      "January 1st, 2014",
      "January 2nd, 2014",
      "January 3rd, 2014",
      "January 4th, 2014",
      "January 11th, 2014",
      "January 12th, 2014",
      "January 13th, 2014",
      "January 21st, 2014",
      "January 22nd, 2014",
      "January 23rd, 2014",
      "January 31st, 2014",
    ]);
    const at = (h: number, m: number, s = 0): number => Date.UTC(2014, 0, 1, h, m, s) / 1000;
    expect(formatSlackDate(at(0, 5, 9), "{time_secs}", "UTC", NOW)).toBe("12:05:09 AM");
    expect(formatSlackDate(at(12, 0), "{time}", "UTC", NOW)).toBe("12:00 PM");
    expect(formatSlackDate(at(23, 59), "{time}", "UTC", NOW)).toBe("11:59 PM");
  });

  it("says today, yesterday or tomorrow in the _pretty forms, by the zone's calendar", () => {
    const pretty = "{date_pretty}|{date_short_pretty}|{date_long_pretty}";
    expect(formatSlackDate(EPOCH, pretty, "UTC", NOW)).toBe("today|today|today");
    expect(formatSlackDate(EPOCH - 86_400, pretty, "UTC", NOW)).toBe("yesterday|yesterday|yesterday");
    expect(formatSlackDate(EPOCH + 86_400, "{date_pretty}", "UTC", NOW)).toBe("tomorrow");
    expect(formatSlackDate(EPOCH + 3 * 86_400, pretty, "UTC", NOW)).toBe(
      "February 21st, 2014|Feb 21, 2014|Friday, February 21st, 2014",
    );
    // 2014-02-19 01:00 UTC is still the 18th in Los Angeles, where it is then 17:00
    const lateUtc = Date.UTC(2014, 1, 19, 1, 0) / 1000;
    expect(formatSlackDate(lateUtc, "{date_pretty}", "UTC", NOW)).toBe("tomorrow");
    expect(formatSlackDate(lateUtc, "{date_pretty}", "America/Los_Angeles", NOW)).toBe("today");
  });

  it("renders {ago} relative to now", () => {
    const now = 1_700_000_000_000;
    const ago = (offsetSeconds: number): string | undefined =>
      formatSlackDate(now / 1000 + offsetSeconds, "{ago}", "UTC", now);
    expect(ago(-180)).toBe("3 minutes ago");
    expect(ago(-200)).toBe("3 minutes ago");
    expect(ago(7200)).toBe("in 2 hours");
    expect(ago(-30)).toBe("30 seconds ago");
    expect(ago(0)).toBe("now");
    expect(ago(-86_400 - 3600)).toBe("yesterday");
    expect(ago(3 * 86_400)).toBe("in 3 days");
    expect(ago(-800 * 86_400)).toBe("2 years ago");
  });

  it("falls back to UTC for an unknown zone", () => {
    expect(formatSlackDate(EPOCH, "{time}", "Mars/Olympus_Mons", NOW)).toBe("2:39 PM");
    expect(formatSlackDate(EPOCH, "{time}", "", NOW)).toBe("2:39 PM");
    // and keeps working (the fallback is cached per zone)
    expect(formatSlackDate(EPOCH, "{date_num}", "Mars/Olympus_Mons", NOW)).toBe("2014-02-18");
  });

  it("returns undefined when malformed", () => {
    expect(formatSlackDate(Number.NaN, "{date}", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate(Number.POSITIVE_INFINITY, "{date}", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate(1e20, "{date}", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate(-1e12, "{date}", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate(EPOCH, "", "UTC", NOW)).toBeUndefined();
    expect(formatSlackDate("1392734382" as unknown as number, "{date}", "UTC", NOW)).toBeUndefined();
  });
});

describe("formatTimestamp", () => {
  it("formats epoch seconds as a number or a numeric string", () => {
    expect(formatTimestamp(1700000000, "UTC")).toBe("Nov 14, 2023 at 10:13 PM UTC");
    expect(formatTimestamp("1700000000.123456", "UTC")).toBe("Nov 14, 2023 at 10:13 PM UTC");
    expect(formatTimestamp(1700000000.9, "UTC")).toBe("Nov 14, 2023 at 10:13 PM UTC");
    expect(formatTimestamp(" 1700000000 ", "UTC")).toBe("Nov 14, 2023 at 10:13 PM UTC");
  });

  it("uses the zone and names it", () => {
    expect(formatTimestamp(1700000000, "America/New_York")).toBe("Nov 14, 2023 at 5:13 PM EST");
    expect(formatTimestamp(1700000000, "Asia/Kolkata")).toBe("Nov 15, 2023 at 3:43 AM GMT+5:30");
    expect(formatTimestamp(1700000000, "Nope/Nowhere")).toBe("Nov 14, 2023 at 10:13 PM UTC");
  });

  it("reads a value too large for seconds as milliseconds", () => {
    expect(formatTimestamp(1700000000123, "UTC")).toBe("Nov 14, 2023 at 10:13 PM UTC");
  });

  it("returns undefined for anything that is not a time", () => {
    const junk = [undefined, null, "", "abc", "1e9", "12:00", Number.NaN, Infinity, {}, [], true, 1e300];
    for (const ts of junk) {
      expect(formatTimestamp(ts, "UTC"), String(ts)).toBeUndefined();
    }
  });
});

describe("UTC without Intl", () => {
  it("formats every date and time as Intl does for the same zone under another name", () => {
    const format = "{date_long_pretty} {date_short} {time_secs} {date_num} {date} {time}";
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000, max: 250_000_000_000 }), (seconds) => {
        expect(formatSlackDate(seconds, format, "UTC", NOW)).toBe(formatSlackDate(seconds, format, "Etc/UTC", NOW));
        expect(formatTimestamp(seconds, "UTC")).toBe(formatTimestamp(seconds, "Etc/UTC"));
      }),
      { numRuns: 500 },
    );
  });
});
