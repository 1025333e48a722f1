import { describe, expect, it } from "vitest";
import { repeatTo } from "../../test/support/adversarial.ts";
import { parseSlackReply } from "./reply.ts";

const ok = (body: string, contentType?: string) =>
  parseSlackReply({ status: 200, contentType: contentType ?? null, body });

describe("parseSlackReply", () => {
  it("reads a JSON reply with every Slack field", () => {
    const body = JSON.stringify({
      text: "Deploying *api*",
      attachments: [{ text: "Partly cloudy" }],
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }],
      username: "deploybot",
      icon_url: "https://example.com/bot.png",
      icon_emoji: ":rocket:",
      response_type: "in_channel",
      thread_ts: "1732260000.000000",
      replace_original: false,
      delete_original: false,
      channel: "#ops",
      unknown_key: 1,
    });
    expect(ok(body, "application/json")).toEqual({
      kind: "reply",
      source: "json",
      reply: {
        text: "Deploying *api*",
        attachments: [{ text: "Partly cloudy" }],
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }],
        username: "deploybot",
        icon_url: "https://example.com/bot.png",
        icon_emoji: ":rocket:",
        response_type: "in_channel",
        thread_ts: "1732260000.000000",
        replace_original: false,
        delete_original: false,
        channel: "#ops",
      },
    });
  });

  it("parses JSON sent as text/html, as errbot does", () => {
    expect(ok('{"text": "echo: hi", "username": "errbot"}', "text/html; charset=utf-8")).toEqual({
      kind: "reply",
      source: "json",
      reply: { text: "echo: hi", username: "errbot" },
    });
  });

  it("turns a plain-text body into text (slash commands may answer plain text)", () => {
    expect(ok("It's 80 degrees right now.\n", "text/plain")).toEqual({
      kind: "reply",
      source: "text",
      reply: { text: "It's 80 degrees right now." },
    });
    expect(ok("42")).toEqual({ kind: "reply", source: "text", reply: { text: "42" } });
  });

  it("keeps the blank lines inside a plain-text body, in linear time however many", () => {
    const inside = repeatTo("\r\n");
    expect(ok(`a${inside}b\r\n\n`, "text/plain")).toEqual({
      kind: "reply",
      source: "text",
      reply: { text: `a${inside}b` },
    });
  });

  it("treats an empty body, {} and empty text as no reply", () => {
    expect(ok("")).toEqual({ kind: "none" });
    expect(ok("  \r\n")).toEqual({ kind: "none" });
    expect(ok("{}", "application/json")).toEqual({ kind: "none" });
    expect(ok('{"text":""}')).toEqual({ kind: "none" });
    expect(ok('{"text":null,"attachments":[],"username":"x"}')).toEqual({ kind: "none" });
    expect(parseSlackReply({ status: 204, body: "" })).toEqual({ kind: "none" });
  });

  it("keeps an in_channel echo and a delete request, which ask for something", () => {
    expect(ok('{"response_type":"in_channel"}')).toEqual({
      kind: "reply",
      source: "json",
      reply: { response_type: "in_channel" },
    });
    expect(ok('{"delete_original":"true"}')).toEqual({
      kind: "reply",
      source: "json",
      reply: { delete_original: true },
    });
  });

  it("reports a non-2xx status as an error with the status", () => {
    const res = { status: 500, contentType: "application/json", body: '{"text":"x"}' };
    expect(parseSlackReply(res)).toEqual({ kind: "error", reason: "status", status: 500 });
    expect(parseSlackReply({ status: 404, body: "" })).toEqual({
      kind: "error",
      reason: "status",
      status: 404,
    });
    expect(parseSlackReply({ status: 302, body: "" }).kind).toBe("error");
  });

  it("reports garbage as an error", () => {
    expect(ok('{"text": "cut off', "text/html")).toEqual({ kind: "error", reason: "invalid_json" });
    expect(ok("not json", "application/json")).toEqual({ kind: "error", reason: "invalid_json" });
    expect(ok('["a"]')).toEqual({ kind: "error", reason: "not_object" });
    expect(ok('"hi"', "application/json")).toEqual({ kind: "error", reason: "not_object" });
    expect(ok("<!DOCTYPE html><html><body>Login</body></html>", "text/html")).toEqual({
      kind: "error",
      reason: "html",
    });
    expect(ok("\u001f\u008b\u0008\u0000binary", "application/octet-stream")).toEqual({
      kind: "error",
      reason: "binary",
    });
  });

  it("is lenient with field types: drops wrong ones, coerces numbers and JSON strings", () => {
    expect(
      ok(
        JSON.stringify({
          text: 42,
          username: { nope: true },
          response_type: "comment",
          thread_ts: 1732260000.5,
          attachments: '[{"text":"a"}]',
          icon_url: "",
        }),
      ),
    ).toEqual({
      kind: "reply",
      source: "json",
      reply: { text: "42", thread_ts: "1732260000.5", attachments: [{ text: "a" }] },
    });
  });

  it("ignores a byte-order mark before JSON", () => {
    expect(ok('\ufeff{"text":"hi"}')).toEqual({
      kind: "reply",
      source: "json",
      reply: { text: "hi" },
    });
  });
});
