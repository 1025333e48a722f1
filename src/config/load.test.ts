import { describe, expect, it } from "vitest";
import { loadConfig, nearMiss } from "./load.ts";

const minimal = { incoming: [{ name: "alerts", token: "${ALERTS_TOKEN}", channel: "#alerts" }] };

describe("loadConfig", () => {
  it("interpolates ${ENV} and applies defaults", () => {
    const r = loadConfig(JSON.stringify(minimal), { ALERTS_TOKEN: "0123456789abcdef" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.incoming[0]).toMatchObject({
      token: "0123456789abcdef",
      allowChannelOverride: false,
      allowUsernameOverride: true,
      allowIconOverride: true,
      rateLimit: { perSecond: 1, burst: 10 },
    });
    expect(r.config.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(r.config.rocketchat).toBeUndefined();
  });

  it("names the key path of every problem, one line each", () => {
    const r = loadConfig(
      JSON.stringify({
        rocketchat: { url: "ftp://chat", userId: "", authToken: "${MISSING}" },
        incoming: [
          { name: "a", token: "0123456789abcdef", channel: "#a" },
          { name: "b", token: "short", channel: "#b", colour: 1 },
        ],
        outgoing: [
          { name: "x", rocketchatToken: "t", targets: [{ url: "http://127.0.0.1/x", format: "slash-command" }] },
        ],
        typo: true,
      }),
      {},
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        "rocketchat.authToken: environment variable MISSING is not set",
        "rocketchat.url: must be an http(s) URL",
        "rocketchat.userId: must not be empty",
        "incoming[1].token: must be at least 16 characters",
        "incoming[1].colour: unknown key",
        "typo: unknown key",
        "outgoing[0].targets[0].command: is required for slash-command targets",
      ]),
    );
  });

  it("reads bots[] (the Web API's tokens) with a hook's defaults, and checks them like hooks", () => {
    const ok = loadConfig(
      JSON.stringify({
        bots: [{ name: "grafana", token: "${BOT}", channels: ["#alerts", "@bob", "ROOMID"], iconEmoji: ":bar_chart:" }],
      }),
      {
        BOT: "xoxb-0123456789abcdef",
      },
    );
    expect(ok.ok && ok.config.bots[0]).toEqual({
      name: "grafana",
      token: "xoxb-0123456789abcdef",
      channels: ["#alerts", "@bob", "ROOMID"],
      iconEmoji: ":bar_chart:",
      allowUsernameOverride: true,
      allowIconOverride: true,
      allowMentionAll: true,
      rateLimit: { perSecond: 1, burst: 10 },
    });
    const bad = loadConfig(
      JSON.stringify({
        bots: [
          { name: "a", token: "short" },
          { name: "a", token: "xoxb-0123456789abcdef", channels: ["has space"], colour: 1 },
          { name: "b", token: "xoxb-0123456789abcdef" },
        ],
      }),
      {},
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        "bots[0].token: must be at least 16 characters",
        "bots[1].colour: unknown key",
        "bots[1].channels[0]: must be #name, @username or a room id",
      ]),
    );
  });

  it("rejects duplicate tokens and invalid JSON", () => {
    const dup = { incoming: [minimal.incoming[0], { ...minimal.incoming[0], name: "other" }] };
    const r = loadConfig(JSON.stringify(dup), { ALERTS_TOKEN: "0123456789abcdef" });
    expect(r.ok ? [] : r.problems).toContain("incoming[1].token: must be unique");
    const bad = loadConfig('{\n  "rocketchat": { "authToken": "s3cret-token" ', {});
    expect(bad.ok ? "" : bad.problems[0]).toMatch(/^config: not valid JSON/);
    // The parser's own message quotes the text around the error: it must not reach the log.
    expect(bad.ok ? "" : bad.problems.join()).not.toContain("s3cret");
  });

  it("says what is wrong with a value: its type, the allowed values, the length, a near-miss key", () => {
    const r = loadConfig(
      JSON.stringify({
        rocketchat: { url: "https://chat.example", userId: "u", authtoken: "secret-value-here" },
        incoming: [
          {
            name: "a",
            token: "0123456789abcdef",
            channel: "#a",
            allowChannelOverride: "yes",
            rateLimit: { perSecond: "1", burst: 1.5 },
          },
        ],
        outgoing: [{ name: "x", rocketchatToken: "t", triggerMatch: "first_word", targets: [] }],
        delivery: { fastPathMs: -1 },
        incomming: [],
      }),
      {},
    );
    expect(r.ok ? [] : r.problems.sort()).toEqual(
      [
        "delivery.fastPathMs: must be at least 0",
        'incomming: unknown key (did you mean "incoming"?)',
        "incoming[0].allowChannelOverride: must be true or false, not a string",
        "incoming[0].rateLimit.burst: must be a whole number, not a fraction",
        "incoming[0].rateLimit.perSecond: must be a number, not a string",
        "outgoing[0].targets: needs at least one target",
        'outgoing[0].triggerMatch: must be one of "first-word", "prefix", "anywhere" (found "first_word")',
        "rocketchat.authToken: is required",
        'rocketchat.authtoken: unknown key (did you mean "authToken"?)',
      ].sort(),
    );
    // Values are never printed where they could be secrets.
    expect(r.ok ? "" : r.problems.join("\n")).not.toContain("secret-value-here");
  });

  it("suggests a known key only for a near miss", () => {
    expect(nearMiss("authtoken", ["url", "userId", "authToken"])).toBe("authToken");
    expect(nearMiss("chanel", ["channel", "channels"])).toBe("channel");
    expect(nearMiss("colour", ["color", "name"])).toBe("color");
    expect(nearMiss("xyz", ["channel", "name"])).toBeUndefined();
    expect(nearMiss("id", ["url", "name"])).toBeUndefined();
  });
});
