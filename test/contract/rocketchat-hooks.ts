/**
 * Rocket.Chat's own incoming-webhook URL, `POST /hooks/{id}/{token}`: Rocket.Chat's payload in,
 * Rocket.Chat's JSON answers out (every row of the answer table), the stored message checked in
 * the fake. Runs on Node (in process and through the node:http fast path) and inside workerd.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gatewayConfigJson, HOOK_TOKEN, LOCKED_TOKEN, MM_TOKEN, seed, setUpGatewayRooms } from "./config.ts";
import type { ContractRuntime, FakeControl, GatewayClient } from "./runtime.ts";

/** The integration id is free text: whatever Rocket.Chat had issued stays in the URL. */
const rc = (token = HOOK_TOKEN, id = "6Wv4ZtxxKk3vdqe4G") => `/hooks/${id}/${token}`;
const json = (body: unknown) => JSON.stringify(body);
const BLANK = "\u200b";

async function expectJson(res: Response, status: number, body: Record<string, unknown>): Promise<void> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect({ status: res.status, body: (await res.json()) as unknown }).toEqual({ status, body });
}

const success = (res: Response) => expectJson(res, 200, { success: true });
const failure = (res: Response, status: number, error: string) => expectJson(res, status, { success: false, error });

export function rocketChatHooks(rt: ContractRuntime): void {
  describe("Rocket.Chat incoming webhooks (/hooks/{id}/{token})", () => {
    let fake: FakeControl;
    let gw: GatewayClient;
    let alerts: string;
    beforeAll(async () => {
      fake = await rt.startFake();
      await setUpGatewayRooms(fake);
      alerts = await fake.addRoom({ name: "alerts" });
      gw = await rt.gateway(gatewayConfigJson(fake));
    });
    beforeEach(() => fake.reset());

    it('200 {"success":true} as JSON; alias, avatar and emoji as Rocket.Chat names them', async () => {
      await success(
        await gw.post(rc(), json({ text: "hello", alias: "netdata on web-1", avatar: "https://img.example/n.png" })),
      );
      await success(await gw.post(rc(HOOK_TOKEN, "any-id") + "/", json({ msg: "via msg", emoji: ":ghost:" })));
      expect(await fake.messages("alerts")).toMatchObject([
        { msg: "hello", alias: "netdata on web-1", avatar: "https://img.example/n.png" },
        { msg: "via msg", emoji: ":ghost:" },
      ]);
    });

    it("text is Rocket.Chat Markdown, passed through; Slack links in it are converted", async () => {
      const text =
        "# Build failed\r\n*bold* _italic_ ~strike~ `code` [docs](https://d.example) <https://ci.example/1|build 1> @alice";
      await success(await gw.post(rc(), json({ text })));
      const [m] = await fake.messages("alerts");
      expect(m!.msg).toBe(
        "# Build failed\n*bold* _italic_ ~strike~ `code` [docs](https://d.example) [build 1](https://ci.example/1) @alice",
      );
    });

    it("Slack keys are still understood, and win over Rocket.Chat's as they do in Rocket.Chat", async () => {
      await success(
        await gw.post(
          rc(),
          json({ text: "x", username: "Slacky", alias: "ignored", icon_emoji: ":rocket:", emoji: ":ghost:" }),
        ),
      );
      expect(await fake.messages("alerts")).toMatchObject([{ alias: "Slacky", emoji: ":rocket:" }]);
    });

    it("overrides are gated as for Slack senders: a locked hook keeps its own name and icon", async () => {
      await success(
        await gw.post(
          rc(LOCKED_TOKEN),
          json({ text: "x", alias: "Someone", avatar: "https://img.example/a.png", emoji: ":ghost:" }),
        ),
      );
      const [m] = await fake.messages("alerts");
      expect(m).toMatchObject({ alias: "Locked", emoji: ":lock:" });
      expect(m).not.toHaveProperty("avatar");
    });

    it("attachments in Rocket.Chat's shape, repaired instead of rejected", async () => {
      const attachment = {
        color: "warning",
        title: "CPU",
        title_link: "https://netdata.example/goto",
        title_link_download: true,
        collapsed: false,
        text: "load *high* <https://netdata.example|see>",
        ts: "1700000000",
        fields: [
          { title: "critical", value: 0, short: true },
          { title: "empty value", value: "" },
          { title: "", value: "" },
          { title: "flag", value: false },
        ],
        thumb_url: "not a url",
        audio_url: "https://media.example/a.mp3",
        message_link: "javascript:alert(1)",
        unknown_key: { nested: true },
      };
      await success(await gw.post(rc(), json({ attachments: [attachment], unknown: 1 })));
      const [m] = await fake.messages("alerts");
      expect(m!.attachments).toEqual([
        {
          color: "#daa038",
          title: "CPU",
          title_link: "https://netdata.example/goto",
          title_link_download: true,
          text: "load *high* [see](https://netdata.example)",
          fields: [
            { title: "critical", value: "0", short: true },
            { title: "empty value", value: BLANK },
            { title: "flag", value: "false" },
          ],
          audio_url: "https://media.example/a.mp3",
          ts: "1700000000",
          collapsed: false,
        },
      ]);
    });

    it("tmid (or thread_ts) posts into the thread", async () => {
      const root = await seed(fake, alerts, "root message");
      await success(await gw.post(rc(), json({ text: "in thread", tmid: root._id })));
      await success(await gw.post(rc(), json({ text: "also", thread_ts: root._id })));
      expect((await fake.messages("alerts")).filter((m) => m.tmid === root._id).map((m) => m.msg)).toEqual([
        "in thread",
        "also",
      ]);
    });

    it("channel: #room, @user, a room id, or a list of them (each gets the message)", async () => {
      const ops = await fake.addRoom({ name: "ops" });
      await success(await gw.post(rc(), json({ text: "to ops", channel: "#ops" })));
      await success(await gw.post(rc(), json({ text: "to alice", channel: "@alice" })));
      await success(await gw.post(rc(), json({ text: "by id", roomId: ops })));
      await success(await gw.post(rc(), json({ text: "both", channel: ["#ops", "#deploys", "#ops"] })));
      expect((await fake.messages("ops")).map((m) => m.msg)).toEqual(["to ops", "by id", "both"]);
      expect((await fake.messages("deploys")).map((m) => m.msg)).toEqual(["both"]);
      expect((await fake.messages("@alice")).map((m) => m.msg)).toEqual(["to alice"]);
    });

    it("/hooks/{token} (Mattermost's URL) also honours Rocket.Chat's alias and avatar", async () => {
      const res = await gw.post(
        `/hooks/${MM_TOKEN}`,
        json({ text: "mm", alias: "netdata on web-1", avatar: "https://img.example/n.png" }),
      );
      expect([res.status, await res.text()]).toEqual([200, "ok"]);
      expect(await fake.messages("town-square")).toMatchObject([
        { msg: "mm", alias: "netdata on web-1", avatar: "https://img.example/n.png" },
      ]);
    });

    it("every error is Rocket.Chat's JSON with the Slack status: 404, 400, 403, 410, 413", async () => {
      await failure(await gw.post(rc("not-a-configured-token"), json({ text: "x" })), 404, "no_service");
      await failure(await gw.post(rc(), "{not json"), 400, "invalid_payload");
      await failure(await gw.post(rc(), "[1,2]"), 400, "invalid_payload");
      await failure(await gw.post(rc(), json({})), 400, "no_text");
      await failure(await gw.post(rc(), json({ text: "", attachments: [{ color: "good" }] })), 400, "no_text");
      const many = Array.from({ length: 101 }, (_, i) => ({ text: `a${i}` }));
      await failure(await gw.post(rc(), json({ attachments: many })), 400, "too_many_attachments");
      await failure(await gw.post(rc(), json({ text: "x", channel: "#no-such-room" })), 404, "channel_not_found");
      await failure(await gw.post(rc(), json({ text: "x", channel: "#archived-room" })), 410, "channel_is_archived");
      await failure(
        await gw.post(rc(), json({ text: "x", channel: ["#ops", "#archived-room"] })),
        410,
        "channel_is_archived",
      );
      await failure(await gw.post(rc(LOCKED_TOKEN), json({ text: "x", channel: "#ops" })), 403, "action_prohibited");
      await failure(
        await gw.post(rc(LOCKED_TOKEN), json({ text: "x", channel: ["#alerts", "#ops"] })),
        403,
        "action_prohibited",
      );
      await failure(await gw.post(rc(), json({ text: "x".repeat(1024 * 1024) })), 413, "request_too_large");
      // Only the first room of the list that failed at Rocket.Chat got its message.
      expect((await fake.messages()).map((m) => m.msg)).toEqual(["x"]);
    });

    it("429 rate_limited as JSON with Retry-After over the hook's rate", async () => {
      const limited = await rt.gateway(
        gatewayConfigJson(fake, {
          incoming: [
            { name: "slow-rocketchat", token: HOOK_TOKEN, channel: "#alerts", rateLimit: { perSecond: 0.5, burst: 1 } },
          ],
        }),
      );
      await success(await limited.post(rc(), json({ text: "1" })));
      const second = await limited.post(rc(), json({ text: "2" }));
      expect(second.headers.get("retry-after")).toBe("2");
      await failure(second, 429, "rate_limited");
      expect((await fake.messages()).map((m) => m.msg)).toEqual(["1"]);
    });
  });
}
