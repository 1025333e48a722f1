import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { OutgoingMessageEvent } from "./event.ts";
import { matchEvent, type MatchSuccess, type OutgoingRule } from "./match.ts";
import {
  buildSlackRequest,
  commandOf,
  newChallenge,
  newEventId,
  newTriggerId,
  type SlackRequestContext,
  type TargetConfig,
} from "./slack-requests.ts";
import { verifySlackSignature } from "../../test/support/slack-signature.ts";

// Independent values: Python's base64.b32encode of the Rocket.Chat ids, padding removed.
const SLACK_CHANNEL = "CI5CU4RKSIFGA"; // "GENERAL"
const SLACK_USER = "UMFXWERLEMJMWQWDGOU2WQ23FOFDQ"; // "aobEdbYhXfu5hkeqG"
const SLACK_DM = "CMFWGSY3FJFSGE33CJFSA"; // "aliceIdbobId"

const event: OutgoingMessageEvent = {
  token: "rc-outgoing-token",
  bot: false,
  channel_id: "GENERAL",
  channel_name: "general",
  message_id: "cTmq3s8hqFCbKxgyN",
  timestamp: "2024-11-22T08:00:00.123Z",
  user_id: "aobEdbYhXfu5hkeqG",
  user_name: "alice",
  text: "!deploy api prod",
  siteUrl: "https://chat.example.com",
};

const rule: OutgoingRule = {
  name: "deploy",
  channels: ["#general"],
  triggerWords: ["!deploy"],
  triggerMatch: "first-word",
  caseSensitive: true,
  runOnEdits: true,
};

const ctx: SlackRequestContext = {
  nowSeconds: 1732262405,
  responseUrl: "https://gateway.example.com/respond/r-123",
  triggerId: "1732262405.123456789.0a1b2c",
  eventId: "Ev0A1B2C3D4E",
  teamId: "T0001",
  teamDomain: "example",
  serviceId: "deploy",
};

function matched(e: OutgoingMessageEvent, r: OutgoingRule = rule): MatchSuccess {
  const m = matchEvent(r, e);
  if (!m.matched) throw new Error(`fixture does not match: ${m.reason}`);
  return m;
}

const hmac = (secret: string, ts: string, body: string) =>
  "v0=" + createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex");

describe("outgoing-webhook", () => {
  const target: TargetConfig = {
    url: "http://127.0.0.1:4000/slack",
    format: "outgoing-webhook",
    token: "XXXXXXXXXXXXXXXXXX",
  };

  it("sends Slack's form fields in Slack's order, spaces as +", async () => {
    const req = await buildSlackRequest(target, event, matched(event), ctx);
    expect(req.url).toBe("http://127.0.0.1:4000/slack");
    expect(req.body).toBe(
      "token=XXXXXXXXXXXXXXXXXX&team_id=T0001&team_domain=example&service_id=deploy" +
        `&channel_id=${SLACK_CHANNEL}&channel_name=general` +
        `&timestamp=1732262400.123000&user_id=${SLACK_USER}&user_name=alice` +
        "&text=%21deploy+api+prod&trigger_word=%21deploy",
    );
    expect([...new URLSearchParams(req.body).entries()]).toEqual([
      ["token", "XXXXXXXXXXXXXXXXXX"],
      ["team_id", "T0001"],
      ["team_domain", "example"],
      ["service_id", "deploy"],
      ["channel_id", SLACK_CHANNEL],
      ["channel_name", "general"],
      ["timestamp", "1732262400.123000"],
      ["user_id", SLACK_USER],
      ["user_name", "alice"],
      ["text", "!deploy api prod"],
      ["trigger_word", "!deploy"],
    ]);
  });

  it("sends Slack's headers, and no signature without a signing secret", async () => {
    const req = await buildSlackRequest(target, event, matched(event), ctx);
    expect(req.headers).toEqual({
      "Content-Type": "application/x-www-form-urlencoded",
      "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      Accept: "application/json,*/*",
    });
  });

  it("adds thread_ts after channel_name for a thread reply whose root ts is known", async () => {
    const reply = { ...event, tmid: "rootMsgId" };
    const req = await buildSlackRequest(target, reply, matched(reply), {
      ...ctx,
      threadTs: "1732260000.000000",
    });
    const keys = [...new URLSearchParams(req.body).keys()];
    expect(keys.slice(5, 8)).toEqual(["channel_name", "thread_ts", "timestamp"]);
    expect(new URLSearchParams(req.body).get("thread_ts")).toBe("1732260000.000000");
  });

  it("sends no thread_ts outside a thread, even if the context has one", async () => {
    const req = await buildSlackRequest(target, event, matched(event), { ...ctx, threadTs: "1.0" });
    expect(new URLSearchParams(req.body).has("thread_ts")).toBe(false);
  });

  it("omits an unset token; sends an empty trigger_word when no words are set", async () => {
    const all = { ...rule, triggerWords: [] };
    const bare: TargetConfig = { url: "http://x", format: "outgoing-webhook" };
    const req = await buildSlackRequest(bare, event, matched(event, all), ctx);
    const form = new URLSearchParams(req.body);
    expect(form.has("token")).toBe(false);
    expect(form.get("trigger_word")).toBe("");
    expect(form.get("text")).toBe("!deploy api prod");
  });

  it("uses the target's team and the caller's id overrides", async () => {
    const req = await buildSlackRequest({ ...target, teamId: "T9", teamDomain: "acme" }, event, matched(event), {
      ...ctx,
      channelId: "C024BE7LR",
      userId: "U024BE7LH",
    });
    const form = new URLSearchParams(req.body);
    expect(form.get("team_id")).toBe("T9");
    expect(form.get("team_domain")).toBe("acme");
    expect(form.get("channel_id")).toBe("C024BE7LR");
    expect(form.get("user_id")).toBe("U024BE7LH");
  });

  it("names a DM `directmessage`, as Slack does", async () => {
    const { channel_name: _omit, ...dm } = { ...event, channel_id: "aliceIdbobId" };
    const req = await buildSlackRequest(target, dm, matched(dm, { ...rule, channels: [] }), ctx);
    const form = new URLSearchParams(req.body);
    expect(form.get("channel_name")).toBe("directmessage");
    expect(form.get("channel_id")).toBe(SLACK_DM);
  });

  it("falls back to the send time when Rocket.Chat sent no timestamp", async () => {
    const { timestamp: _omit, ...noTime } = event;
    const req = await buildSlackRequest(target, noTime, matched(noTime), ctx);
    expect(new URLSearchParams(req.body).get("timestamp")).toBe("1732262405.000000");
  });
});

describe("slash-command", () => {
  const target: TargetConfig = {
    url: "http://127.0.0.1:4001/cmd",
    format: "slash-command",
    command: "/deploy",
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    signingSecret: "deploybot-signing-secret",
    apiAppId: "A123456",
  };

  it("sends Slack's form fields in Slack's order, text after the trigger", async () => {
    const req = await buildSlackRequest(target, event, matched(event), ctx);
    expect([...new URLSearchParams(req.body).entries()]).toEqual([
      ["token", "gIkuvaNzQIHg97ATvDxqgjtO"],
      ["team_id", "T0001"],
      ["team_domain", "example"],
      ["channel_id", SLACK_CHANNEL],
      ["channel_name", "general"],
      ["user_id", SLACK_USER],
      ["user_name", "alice"],
      ["command", "/deploy"],
      ["text", "api prod"],
      ["api_app_id", "A123456"],
      ["is_enterprise_install", "false"],
      ["response_url", "https://gateway.example.com/respond/r-123"],
      ["trigger_id", "1732262405.123456789.0a1b2c"],
    ]);
    expect(req.body).toContain("&command=%2Fdeploy&text=api+prod&");
  });

  it("is signed over the exact body, checked with node:crypto", async () => {
    const req = await buildSlackRequest(target, event, matched(event), ctx);
    expect(req.headers["X-Slack-Request-Timestamp"]).toBe("1732262405");
    expect(req.headers["X-Slack-Signature"]).toBe(hmac("deploybot-signing-secret", "1732262405", req.body));
    expect(req.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(
      await verifySlackSignature(
        "deploybot-signing-secret",
        req.headers["X-Slack-Request-Timestamp"],
        req.body,
        req.headers["X-Slack-Signature"],
        ctx.nowSeconds + 10,
      ),
    ).toBe(true);
  });

  it("sends an empty text when the message is only the trigger word", async () => {
    const bare = { ...event, text: "!deploy" };
    const req = await buildSlackRequest(target, bare, matched(bare), ctx);
    expect(new URLSearchParams(req.body).get("text")).toBe("");
  });

  it("derives a command when none is configured", () => {
    const m = (triggerWord: string | undefined): MatchSuccess => ({
      matched: true,
      triggerWord,
      textAfterTrigger: "",
    });
    const t: TargetConfig = { url: "http://x", format: "slash-command" };
    expect(commandOf({ ...t, command: "weather" }, m("!w"))).toBe("/weather");
    expect(commandOf(t, m("!deploy"))).toBe("/deploy");
    expect(commandOf(t, m("/ship"))).toBe("/ship");
    expect(commandOf(t, m(undefined))).toBe("/slackline");
  });
});

describe("events-api", () => {
  const target: TargetConfig = {
    url: "http://127.0.0.1:3000/slack/events",
    format: "events-api",
    token: "XXYYZZ",
    signingSecret: "events-secret",
    apiAppId: "A123ABC456",
  };

  it("sends Slack's event_callback envelope as signed JSON", async () => {
    const req = await buildSlackRequest(target, event, matched(event), {
      ...ctx,
      botUserId: "U0BOT",
    });
    expect(req.headers["Content-Type"]).toBe("application/json");
    expect(req.headers["X-Slack-Signature"]).toBe(hmac("events-secret", "1732262405", req.body));
    expect(JSON.parse(req.body)).toEqual({
      token: "XXYYZZ",
      team_id: "T0001",
      api_app_id: "A123ABC456",
      type: "event_callback",
      event_id: "Ev0A1B2C3D4E",
      event_time: 1732262400,
      is_ext_shared_channel: false,
      context_team_id: "T0001",
      authorizations: [
        {
          enterprise_id: null,
          team_id: "T0001",
          user_id: "U0BOT",
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      event: {
        type: "message",
        channel: SLACK_CHANNEL,
        channel_type: "channel",
        user: SLACK_USER,
        text: "!deploy api prod",
        ts: "1732262400.123000",
        event_ts: "1732262400.123000",
        team: "T0001",
      },
    });
    expect(Object.keys(JSON.parse(req.body)).slice(0, 4)).toEqual(["token", "team_id", "api_app_id", "type"]);
  });

  it("marks a DM as im and carries thread_ts in threads", async () => {
    const { channel_name: _omit, ...dm } = { ...event, channel_id: "aliceIdbobId", tmid: "root" };
    const m = matched(dm, { ...rule, channels: [] });
    const req = await buildSlackRequest(target, dm, m, { ...ctx, threadTs: "1732260000.000000" });
    const inner = JSON.parse(req.body).event;
    expect(inner.channel).toBe(SLACK_DM);
    expect(inner.channel_type).toBe("im");
    expect(inner.thread_ts).toBe("1732260000.000000");
  });

  it("takes group only from the caller, since the event cannot tell", async () => {
    const req = await buildSlackRequest(target, event, matched(event), {
      ...ctx,
      channelType: "group",
    });
    expect(JSON.parse(req.body).event.channel_type).toBe("group");
  });

  it("sends an edit as message_changed with the original ts inside", async () => {
    const edited = { ...event, isEdited: true, text: "!deploy api staging" };
    const req = await buildSlackRequest(target, edited, matched(edited), ctx);
    const body = JSON.parse(req.body);
    expect(body.event_time).toBe(1732262405);
    expect(body.event).toEqual({
      type: "message",
      subtype: "message_changed",
      hidden: true,
      channel: SLACK_CHANNEL,
      channel_type: "channel",
      message: {
        type: "message",
        user: SLACK_USER,
        text: "!deploy api staging",
        ts: "1732262400.123000",
        edited: { user: SLACK_USER, ts: "1732262405.000000" },
        team: "T0001",
      },
      ts: "1732262405.000000",
      event_ts: "1732262405.000000",
    });
  });

  it("omits token when none is configured", async () => {
    const req = await buildSlackRequest({ url: "http://x", format: "events-api" }, event, matched(event), ctx);
    const body = JSON.parse(req.body);
    expect(body).not.toHaveProperty("token");
    expect(body.api_app_id).toBe("ASLACKLINE");
    expect(body.authorizations[0].user_id).toBe("USLACKLINE");
    expect(req.headers).not.toHaveProperty("X-Slack-Signature");
  });
});

describe("fresh ids", () => {
  it("look like Slack's and differ each time", () => {
    expect(newEventId()).toMatch(/^Ev[A-Z0-9]{11}$/);
    expect(newTriggerId(1700000000)).toMatch(/^1700000000\.\d{9}\.[0-9a-f]{32}$/);
    expect(newChallenge()).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(newEventId()).not.toBe(newEventId());
  });
});
