/**
 * Tools written for Rocket.Chat's own incoming webhooks, pointed at slackline with only the host
 * changed: their captured bytes (compat-fixtures/client-*, scripts/capture-rocketchat-clients.ts)
 * replayed over a real socket, the installed clients run live (skipped where missing), and any
 * body at all answered with Rocket.Chat's JSON, never a 5xx.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { demoConfigJson } from "../../src/config/source.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices } from "../../src/services.ts";
import { gatewayConfigJson } from "../contract/config.ts";
import { gatewayConfig, HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";
import { isClientCapture, listFixtures, readFixture } from "../support/fixtures.ts";
import {
  hasApprise,
  hasCurl,
  hasPython,
  hasSymfony,
  runAnsible,
  runApprise,
  runNetdata,
  runSymfony,
} from "../support/rocketchat-clients.ts";

let gw: Gateway;
let base: string;
let host: string;
/** Rocket.Chat's tokens are letters and digits, and apprise's URL parser accepts nothing else. */
const RC_TOKEN = "Rk7bQ2xHt9WmYz4LpN3vD8sF";
beforeAll(async () => {
  const rocket = {
    name: "rocket",
    token: RC_TOKEN,
    channel: "#alerts",
    allowChannelOverride: true,
    rateLimit: { perSecond: 1000, burst: 1000 },
  };
  gw = await startGateway({
    config: (fake) => gatewayConfig(fake, { incoming: [...(gatewayConfigJson(fake)["incoming"] as object[]), rocket] }),
  });
  base = await gw.listen();
  host = new URL(base).host;
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

const ID = "6Wv4ZtxxKk3vdqe4G";
const hookPath = (token = HOOK_TOKEN) => `/hooks/${ID}/${token}`;
const BLANK = "\u200b";
/** The fake's name for a fixture's room (`#general` → `general`, `@alice` stays). */
const roomOf = (room: string | undefined) => (room ?? "#alerts").replace(/^#/, "");

const fixtures = listFixtures().filter((n) => isClientCapture(n) || n === "capture-apprise-rocket-webhook-1");

describe("captured senders replayed over a socket", () => {
  it("has the captures of every client", () => {
    for (const client of ["apprise", "symfony", "netdata", "ansible"])
      expect(fixtures.some((n) => n.includes(client))).toBe(true);
  });

  it.each(fixtures)("%s", async (name) => {
    const { input, expected } = readFixture(name);
    const res = await fetch(base + hookPath(), {
      method: "POST",
      body: input.body,
      headers: input.contentType ? { "content-type": input.contentType } : {},
    });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect({ status: res.status, body: await res.text() }).toEqual({ status: expected!.status, body: expected!.body });
    expect(await gw.fake.messagesIn(roomOf(expected!.room))).toMatchObject(expected!.messages!);
  });

  const stored = async (name: string) => {
    const { input } = readFixture(name);
    await fetch(base + hookPath(), {
      method: "POST",
      body: input.body,
      headers: input.contentType ? { "content-type": input.contentType } : {},
    });
    return gw.fake.messages;
  };

  it("netdata: its alias and avatar, the named colour as hex, the alarm time kept", async () => {
    const [m] = await stored("client-netdata-1");
    expect(m).toMatchObject({
      alias: "netdata on web-1",
      avatar: "https://registry.my-netdata.io/images/banner-icon-144x144.png",
    });
    expect(m!.attachments![0]).toMatchObject({
      color: "#daa038",
      ts: "1700000000",
      fields: [{ title: "system.cpu", value: "chart", short: true }],
    });
  });

  it("Symfony: a numeric field value and an empty one repaired, not rejected; its Slack link converted", async () => {
    const [m] = await stored("client-symfony-rocketchat-2");
    expect(m!.attachments![0]).toMatchObject({
      color: "#a30200",
      collapsed: true,
      fields: [
        { title: "used", value: "97", short: true },
        { title: "host", value: BLANK },
      ],
    });
    gw.fake.reset();
    expect((await stored("client-symfony-rocketchat-1"))[0]!.msg).toBe(
      "Deploy *finished* on [build 42](https://ci.example/42)",
    );
  });

  it("Ansible: its payload= form read, username and icon_url as alias and avatar", async () => {
    expect((await stored("client-ansible-rocketchat-1"))[0]).toMatchObject({
      msg: "web-1 completed",
      alias: "Ansible",
      avatar: "https://docs.ansible.com/favicon.ico",
    });
  });
});

describe("installed clients, live", () => {
  it.skipIf(!hasApprise)(
    "apprise rocket://ID/TOKEN@host/#general: delivered, and a wrong token is reported as a failure",
    async () => {
      const sent = await runApprise(
        `rocket://${ID}/${RC_TOKEN}@${host}/#general`,
        "Build failed",
        "Job *nightly* failed: <https://ci.example/1|details>",
      );
      expect(sent.code, sent.output).toBe(0);
      expect(gw.fake.messagesIn("general")).toMatchObject([
        {
          msg: "# Build failed\nJob *nightly* failed: [details](https://ci.example/1)",
          avatar: expect.stringMatching(/^https:\/\/github\.com\/caronc\/apprise\//),
        },
      ]);
      const refused = await runApprise(`rocket://${ID}/notConfigured0123456789@${host}/#general`, "x", "y");
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/error=404/);
      expect(gw.fake.messages).toHaveLength(1);
    },
  );

  it.skipIf(!hasSymfony)(
    "Symfony's RocketChat bridge: success read from the JSON answer; an error's JSON shown",
    async () => {
      const sent = await runSymfony(host, `${ID}/${HOOK_TOKEN}`, "#general", "Disk almost full", {
        color: "danger",
        fields: [{ title: "used", value: 97 }],
      });
      expect(sent, sent.output).toMatchObject({ code: 0, output: expect.stringMatching(/^sent /) });
      expect(gw.fake.messagesIn("general")).toMatchObject([
        { msg: "Disk almost full", attachments: [{ color: "#a30200", fields: [{ title: "used", value: "97" }] }] },
      ]);
      const refused = await runSymfony(host, `${ID}/not-a-configured-token`, "#general", "x");
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('{"success":false,"error":"no_service"}');
      const locked = await runSymfony(host, `${ID}/${HOOK_TOKEN}`, "#no-such-room", "x");
      expect(locked.output).toContain('{"success":false,"error":"channel_not_found"}');
      expect(gw.fake.messages).toHaveLength(1);
    },
  );

  it.skipIf(!hasCurl)("netdata's alarm-notify format with curl: HTTP 200, which is all the script checks", async () => {
    const alarm = {
      host: "db-2",
      status: "CRITICAL",
      statusMessage: "is critical",
      chart: "disk.sda",
      alarm: "disk full",
      info: "",
      when: 1700000000,
      channel: "general",
    } as const;
    const sent = await runNetdata(base + hookPath(), alarm);
    expect(sent.output).toBe("200");
    // An empty `info` is no reason to lose the alarm: the attachment shows its title and field.
    expect(gw.fake.messagesIn("general")).toMatchObject([
      { alias: "netdata on db-2", attachments: [{ color: "#a30200", title: "disk full" }] },
    ]);
    expect(gw.fake.messages[0]!.attachments![0]).not.toHaveProperty("text");
  });

  it.skipIf(!hasPython)(
    "Ansible's module format with urllib: icon_emoji becomes the emoji, color an attachment",
    async () => {
      const sent = await runAnsible(base + hookPath(), {
        msg: "web-1 is alive!",
        color: "danger",
        icon_emoji: ":thumbsup:",
        channel: "@alice",
      });
      expect(sent.output.trim()).toBe("200");
      expect(gw.fake.messagesIn("@alice")).toMatchObject([
        { alias: "Ansible", emoji: ":thumbsup:", attachments: [{ color: "#a30200", text: "web-1 is alive!" }] },
      ]);
    },
  );
});

describe("any body", () => {
  const key = fc.constantFrom(
    "text",
    "msg",
    "alias",
    "avatar",
    "emoji",
    "username",
    "icon_url",
    "icon_emoji",
    "channel",
    "roomId",
    "tmid",
    "thread_ts",
    "parseUrls",
    "blocks",
    "mrkdwn",
    "x",
  );
  const attachmentKey = fc.constantFrom(
    "color",
    "text",
    "msg",
    "pretext",
    "title",
    "title_link",
    "title_link_download",
    "collapsed",
    "author_name",
    "author_link",
    "author_icon",
    "image_url",
    "thumb_url",
    "audio_url",
    "video_url",
    "message_link",
    "ts",
    "fields",
    "actions",
    "fallback",
    "button_alignment",
  );
  const field = fc.dictionary(fc.constantFrom("title", "value", "short"), fc.jsonValue({ maxDepth: 1 }));
  const attachment = fc.dictionary(
    attachmentKey,
    fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.webUrl(), fc.array(field, { maxLength: 3 })),
    { maxKeys: 8 },
  );
  const payload = fc.dictionary(
    key,
    fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("#alerts", "@alice", "#ops", "<https://x.example|x>")),
    {
      maxKeys: 6,
    },
  );
  const body = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .tuple(
        payload,
        fc.option(fc.array(fc.oneof(attachment, fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }), { nil: undefined }),
      )
      .map(([p, a]) => JSON.stringify(a === undefined ? p : { ...p, attachments: a })),
  );
  const contentType = fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "");

  // In process through the Hono route (as on Workers), and over a socket through Node's fast path.
  const post = {
    hono: (b: string, headers: Record<string, string>) => gw.post(hookPath(), b, headers),
    "node:http": (b: string, headers: Record<string, string>) =>
      fetch(base + hookPath(), { method: "POST", body: b, headers }),
  };
  it.each(Object.keys(post) as Array<keyof typeof post>)(
    'gets {"success":true} or a JSON error, never a 5xx, and nothing Rocket.Chat refuses (%s)',
    async (via) => {
      await fc.assert(
        fc.asyncProperty(body, contentType, async (b, type) => {
          const res = await post[via](b, type ? { "content-type": type } : {});
          expect(res.status).toBeLessThan(500);
          expect(res.headers.get("content-type")).toMatch(/^application\/json/);
          const answer = (await res.json()) as { success: boolean; error?: string };
          if (res.status === 200) expect(answer).toEqual({ success: true });
          else expect(answer).toEqual({ success: false, error: expect.stringMatching(/^[a-z_]+$/) });
          // The hook allows every override: a 403 could only be Rocket.Chat refusing what was sent.
          expect(res.status).not.toBe(403);
        }),
        { numRuns: 250 },
      );
    },
  );
});

describe("demo mode", () => {
  it("the inbox shows what came in on the Rocket.Chat URL, alias and attachment included", async () => {
    const loaded = loadConfig(demoConfigJson("DemoToken0123456789abcdef"), {});
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    const app = createApp(buildServices(loaded.config, { upstream, logger: silentLogger }));
    const { input } = readFixture("client-netdata-1");
    const res = await app.request("/hooks/demo/DemoToken0123456789abcdef", {
      method: "POST",
      body: input.body,
      headers: { "content-type": "application/json" },
    });
    expect([res.status, await res.text()]).toEqual([200, '{"success":true}']);
    const page = await (await app.request("/")).text();
    expect(page).toContain("netdata on web-1");
    expect(page).toContain("10min cpu usage = 97%");
    expect(page).toContain("average CPU utilization over the last 10 minutes");
  });
});
