import { createHmac } from "node:crypto";
import { isValidSlackRequest } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { verifySlackSignature } from "../../test/support/slack-signature.ts";
import { computeSlackSignature, slackSignatureHeaders } from "./signing.ts";

const nodeSignature = (secret: string, ts: string | number, body: string) =>
  "v0=" + createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex");

describe("computeSlackSignature", () => {
  it("equals node:crypto's HMAC-SHA256 over v0:ts:body", async () => {
    const body = "token=abc&text=hello+w%C3%B6rld&user_name=Steve";
    expect(await computeSlackSignature("s3cret", 1700000000, body)).toBe(nodeSignature("s3cret", 1700000000, body));
  });

  it("matches Slack's documented example", async () => {
    // docs.slack.dev "Verifying requests from Slack", step-by-step walk-through.
    const secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow" +
      "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner" +
      "&command=%2Fwebhook-collect&text=" +
      "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554" +
      "%2F96rGlfmibIGlgcZRskXaIFfN" +
      "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(await computeSlackSignature(secret, "1531420618", body)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("hashes the body as UTF-8", async () => {
    const body = '{"text":"héllo 🚀"}';
    expect(await computeSlackSignature("k", "1", body)).toBe(nodeSignature("k", "1", body));
  });
});

describe("slackSignatureHeaders", () => {
  it("sends whole seconds and a signature Bolt accepts", async () => {
    const body = "command=%2Fdeploy&text=api+prod";
    const headers = await slackSignatureHeaders("bolt-secret", 1700000000.9, body);
    expect(headers["X-Slack-Request-Timestamp"]).toBe("1700000000");
    expect(headers["X-Slack-Signature"]).toBe(nodeSignature("bolt-secret", "1700000000", body));
    const ok = isValidSlackRequest({
      signingSecret: "bolt-secret",
      body,
      headers: {
        "x-slack-signature": headers["X-Slack-Signature"] ?? "",
        "x-slack-request-timestamp": Number(headers["X-Slack-Request-Timestamp"]),
      },
      nowMilliseconds: 1700000010_000,
    });
    expect(ok).toBe(true);
  });
});

describe("verifySlackSignature", () => {
  const secret = "verify-secret";
  const body = "a=1&b=two";
  const ts = "1700000000";
  const sig = nodeSignature(secret, ts, body);

  it("accepts a correct signature within 5 minutes", async () => {
    expect(await verifySlackSignature(secret, ts, body, sig, 1700000000)).toBe(true);
    expect(await verifySlackSignature(secret, ts, body, sig, 1700000300)).toBe(true);
  });

  it("refuses a stale or far-future timestamp", async () => {
    expect(await verifySlackSignature(secret, ts, body, sig, 1700000301)).toBe(false);
    expect(await verifySlackSignature(secret, ts, body, sig, 1699999699)).toBe(false);
  });

  it("refuses a changed body, a wrong secret, or a changed timestamp", async () => {
    expect(await verifySlackSignature(secret, ts, body + "&c=3", sig, 1700000000)).toBe(false);
    expect(await verifySlackSignature("other", ts, body, sig, 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, "1700000001", body, sig, 1700000000)).toBe(false);
  });

  it("refuses malformed headers", async () => {
    const v1 = sig.replace("v0=", "v1=");
    expect(await verifySlackSignature(secret, ts, body, v1, 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, ts, body, sig.toUpperCase(), 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, ts, body, sig.slice(0, -1), 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, undefined, body, sig, 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, ts, body, null, 1700000000)).toBe(false);
    expect(await verifySlackSignature(secret, "17e8", body, sig, 1700000000)).toBe(false);
  });
});
