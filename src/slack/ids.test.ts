import { parseSlackTs } from "../../test/support/slack-ts.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  base32Decode,
  base32Encode,
  fromSlackChannelId,
  fromSlackTeamId,
  fromSlackUserId,
  toSlackBotId,
  toSlackChannelId,
  toSlackTeamId,
  toSlackTs,
  toSlackUserId,
} from "./ids.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("base32 (RFC 4648 §10 test vectors, unpadded)", () => {
  const vectors: Array<[string, string]> = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  it.each(vectors)("%j ↔ %s", (plain, encoded) => {
    expect(base32Encode(bytes(plain))).toBe(encoded);
    expect(base32Decode(encoded)).toEqual(bytes(plain));
  });

  it("round-trips random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(base32Decode(base32Encode(b))).toEqual(b);
      }),
    );
  });

  it("refuses padding, lowercase, impossible lengths and non-zero tail bits", () => {
    expect(base32Decode("MY======")).toBeUndefined();
    expect(base32Decode("my")).toBeUndefined();
    expect(base32Decode("M")).toBeUndefined();
    expect(base32Decode("MZX")).toBeUndefined();
    expect(base32Decode("MZ")).toBeUndefined(); // "MY" is the one encoding of "f"
  });
});

describe("Slack ids", () => {
  it("maps a Rocket.Chat id to C/U/T + base32 of its UTF-8", () => {
    // Python: base64.b32encode(b"GENERAL") == b"I5CU4RKSIFGA===="
    expect(toSlackChannelId("GENERAL")).toBe("CI5CU4RKSIFGA");
    expect(toSlackUserId("foobar")).toBe("UMZXW6YTBOI");
    expect(toSlackTeamId("chat.example.com")).toMatch(/^T[A-Z2-7]+$/);
    expect(toSlackBotId("foobar")).toBe("BMZXW6YTBOI");
    expect(toSlackChannelId("aobEdbYhXfu5hkeqG")).toMatch(/^C[A-Z2-7]+$/);
  });

  it("round-trips any well-formed string (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (x) => {
        expect(fromSlackChannelId(toSlackChannelId(x))).toBe(x);
        expect(fromSlackUserId(toSlackUserId(x))).toBe(x);
        expect(fromSlackTeamId(toSlackTeamId(x))).toBe(x);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps a leading byte-order mark", () => {
    expect(fromSlackChannelId(toSlackChannelId("\ufeffroom"))).toBe("\ufeffroom");
  });

  it("returns undefined for ids that are not ours, so raw ids can be used as given", () => {
    expect(fromSlackChannelId("C024BE7LR")).toBeUndefined(); // real Slack id: 0 is not base32
    expect(fromSlackChannelId("GENERAL")).toBeUndefined(); // a Rocket.Chat rid
    expect(fromSlackChannelId("cTmq3s8hqFCbKxgyN")).toBeUndefined();
    expect(fromSlackChannelId(toSlackUserId("x"))).toBeUndefined(); // wrong letter
    expect(fromSlackUserId(toSlackChannelId("x"))).toBeUndefined();
    expect(fromSlackChannelId("C74")).toBeUndefined(); // decodes to 0xff: not UTF-8
  });
});

describe("Slack ts", () => {
  it("is epoch seconds . milliseconds*1000 + seq", () => {
    expect(toSlackTs("2024-11-22T08:00:00.123Z")).toBe("1732262400.123000");
    expect(toSlackTs(new Date(1732262400123), 7)).toBe("1732262400.123007");
    expect(toSlackTs(new Date(1700000000000))).toBe("1700000000.000000");
    expect(toSlackTs(new Date(5), 999)).toBe("0.005999");
  });

  it("is the same for the same message time (edits keep their ts)", () => {
    expect(toSlackTs("2024-11-22T08:00:00.123Z")).toBe(toSlackTs(new Date(1732262400123)));
  });

  it("refuses invalid dates and out-of-range seq", () => {
    expect(() => toSlackTs("not a date")).toThrow(RangeError);
    expect(() => toSlackTs(new Date(0), 1000)).toThrow(RangeError);
    expect(() => toSlackTs(new Date(0), -1)).toThrow(RangeError);
    expect(() => toSlackTs(new Date(0), 1.5)).toThrow(RangeError);
  });

  it("parses back to time and seq", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800000 }), fc.integer({ min: 0, max: 999 }), (ms, seq) => {
        expect(parseSlackTs(toSlackTs(new Date(ms), seq))).toEqual({ epochMs: ms, seq });
      }),
    );
    expect(parseSlackTs("1504640714.003543")).toEqual({ epochMs: 1504640714003, seq: 543 });
    expect(parseSlackTs("1504640714")).toBeUndefined();
    expect(parseSlackTs("1504640714.35")).toBeUndefined();
  });
});
