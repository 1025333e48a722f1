/**
 * Real senders against a running slackline on a real socket: the official @slack/webhook client,
 * and every incoming-webhook capture in reference/captures/ replayed byte for byte over TCP
 * (only the request path is rewritten to a configured hook, and Host to this server).
 */
import { IncomingWebhook } from "@slack/webhook";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  header,
  isIncomingWebhook,
  isRocketChatHook,
  readCaptures,
  type CapturedRequest,
} from "../support/captures.ts";
import { HOOK_TOKEN, MM_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";
import { rawRequest } from "../support/raw-http.ts";

let gw: Gateway;
let base: string;
beforeAll(async () => {
  gw = await startGateway();
  base = await gw.listen();
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

describe("@slack/webhook", () => {
  it("sends text, attachments and blocks and gets ok", async () => {
    const webhook = new IncomingWebhook(`${base}/services/T0000/B0000/${HOOK_TOKEN}`, {
      username: "ci-bot",
      icon_emoji: ":rocket:",
    });
    const res = await webhook.send({
      text: "Deploy *finished* for <https://example.com/app|app> & friends",
      attachments: [
        {
          color: "good",
          title: "Build 42",
          title_link: "https://ci.example/42",
          text: "All _tests_ passed",
          fields: [{ title: "Branch", value: "main", short: true }],
        },
      ],
    });
    expect(res.text).toBe("ok");
    const [m] = gw.fake.messagesIn("alerts");
    expect(m).toMatchObject({
      msg: "Deploy *finished* for [app](https://example.com/app) & friends",
      alias: "ci-bot",
      emoji: ":rocket:",
    });
    expect(m!.attachments).toEqual([
      {
        color: "#2eb886",
        title: "Build 42",
        title_link: "https://ci.example/42",
        text: "All _tests_ passed",
        fields: [{ title: "Branch", value: "main", short: true }],
      },
    ]);

    const blocks = await webhook.send({
      text: "fallback only",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Env:* prod" } }],
    });
    expect(blocks.text).toBe("ok");
    expect(gw.fake.messagesIn("alerts")[1]!.msg).toBe("*Env:* prod");
  });

  it("surfaces Slack's error code as the HTTP error body", async () => {
    const webhook = new IncomingWebhook(`${base}/services/T0000/B0000/${HOOK_TOKEN}`);
    const error = await webhook.send({ text: "" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "slack_webhook_http_error" });
    expect(String((error as Error).message)).toMatch(/400/);
  });
});

function replayBytes(req: CapturedRequest, host: string): Buffer {
  const path = isRocketChatHook(req)
    ? `/hooks/rcwebhookid/${HOOK_TOKEN}`
    : req.path.includes("/hooks/")
      ? `/hooks/${MM_TOKEN}`
      : `/services/T0000/B0000/${HOOK_TOKEN}`;
  const lines = [`${req.method} ${path} HTTP/1.1`];
  for (const [k, v] of req.headers) {
    if (k.toLowerCase() === "host") lines.push(`${k}: ${host}`);
    else if (k.toLowerCase() === "connection") continue;
    else lines.push(`${k}: ${v}`);
  }
  lines.push("Connection: close");
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), req.body]);
}

const captures = readCaptures().filter(isIncomingWebhook);

describe("captures replayed byte for byte", () => {
  it("finds the incoming-webhook captures", () => {
    expect(captures.length).toBeGreaterThanOrEqual(15);
  });

  it.each(captures.map((c) => [c.id, c] as const))("%s", async (_id, req) => {
    const res = await rawRequest(base, replayBytes(req, new URL(base).host));
    // apprise's json:// sends its own generic JSON, not a Slack payload: nothing Slack would show.
    // Rocket.Chat's own webhook URL is answered as Rocket.Chat answers.
    const ok = isRocketChatHook(req) ? '{"success":true}' : "ok";
    const expected = req.id.startsWith("apprise-json") ? { status: 400, body: "no_text" } : { status: 200, body: ok };
    expect({ status: res.status, body: res.body }).toEqual(expected);
    expect(res.head).toMatch(isRocketChatHook(req) ? /content-type: application\/json/i : /content-type: text\/plain/i);
    if (expected.status !== 200) return expect(gw.fake.messages).toHaveLength(0);
    expect(gw.fake.messages).toHaveLength(1);
    const m = gw.fake.messages[0]!;
    // Nothing Slack-only reaches Rocket.Chat, nothing Rocket.Chat would reject got through.
    for (const key of ["text", "username", "icon_url", "icon_emoji", "blocks", "channel", "thread_ts"])
      expect(m).not.toHaveProperty(key);
    expect(m.msg).not.toMatch(/<https?:|&amp;|&lt;|<!|<@/);
    for (const a of m.attachments ?? [])
      expect(JSON.stringify(a)).not.toMatch(/"(fallback|footer|mrkdwn_in|callback_id|blocks)"/);
    const contentType = header(req, "content-type") ?? "";
    expect(m.msg.length + (m.attachments?.length ?? 0)).toBeGreaterThan(0);
    expect(contentType === "" || /json|form/.test(contentType)).toBe(true);
  });
});
