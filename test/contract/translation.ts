/**
 * Translation through HTTP: what a Slack or Mattermost payload becomes in Rocket.Chat, seen in
 * the fake after the gateway answered `ok` (the fixtures test the translator itself; these
 * check that the whole path, body reading to `chat.sendMessage`, is the same in both runtimes).
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gatewayConfigJson, HOOK_TOKEN, MM_TOKEN, seed, setUpGatewayRooms } from "./config.ts";
import type { ContractRuntime, FakeControl, GatewayClient } from "./runtime.ts";

const slack = `/services/T0000/B0000/${HOOK_TOKEN}`;

export function translationThroughHttp(rt: ContractRuntime): void {
  describe("translation through HTTP", () => {
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

    async function ok(path: string, body: string, contentType = "application/json"): Promise<void> {
      const res = await gw.post(path, body, { "content-type": contentType });
      expect([res.status, await res.text()]).toEqual([200, "ok"]);
    }

    it("mrkdwn, mapped mentions, links, broadcasts and the sender's name and icon", async () => {
      const text = "Deploy *done* by <@U024BE7LH> in <#C024BE7LR>: <https://ci.example.com/b/1|build 1> & <!here>";
      await ok(slack, JSON.stringify({ text, username: "CI", icon_emoji: ":rocket:" }));
      expect(await fake.messages("alerts")).toMatchObject([
        {
          msg: "Deploy *done* by @bob in #general: [build 1](https://ci.example.com/b/1) & @here",
          alias: "CI",
          emoji: ":rocket:",
          mentions: [{ _id: "here" }],
        },
      ]);
    });

    it("attachments made valid for Rocket.Chat: named colours as hex, empty fields dropped", async () => {
      const attachment = {
        color: "danger",
        title: "Disk full",
        title_link: "https://grafana.example.com/d/1",
        text: "_/var_ at *97%*",
        fields: [
          { title: "host", value: "db1", short: true },
          { title: "", value: "" },
        ],
      };
      await ok(slack, JSON.stringify({ attachments: [attachment] }));
      const [message] = await fake.messages("alerts");
      expect(message).toMatchObject({
        attachments: [
          {
            color: "#a30200",
            title: "Disk full",
            title_link: "https://grafana.example.com/d/1",
            text: expect.stringContaining("_/var_ at **97%**"),
            fields: [{ title: "host", value: "db1", short: true }],
          },
        ],
      });
    });

    it("a form-encoded payload= with a channel override", async () => {
      const payload = JSON.stringify({ text: "from a form", channel: "#ops" });
      await ok(slack, `payload=${encodeURIComponent(payload)}`, "application/x-www-form-urlencoded");
      expect((await fake.messages("ops")).map((m) => m.msg)).toEqual(["from a form"]);
    });

    it("thread_ts naming a Rocket.Chat message threads under it", async () => {
      const root = await seed(fake, alerts, "root");
      await ok(slack, JSON.stringify({ text: "in the thread", thread_ts: root._id }));
      expect((await fake.messages("alerts")).at(-1)).toMatchObject({ msg: "in the thread", tmid: root._id });
    });

    it("reply_broadcast shows a threaded reply in the room too, and is dropped where there is no thread", async () => {
      const root = await seed(fake, alerts, "root");
      await ok(slack, JSON.stringify({ text: "broadcast", thread_ts: root._id, reply_broadcast: true }));
      // A Slack ts slackline never minted maps to no thread: the message goes to the room, and
      // Rocket.Chat would refuse `tshow` without `tmid`.
      await ok(slack, JSON.stringify({ text: "no thread", thread_ts: "1700000000.000100", reply_broadcast: true }));
      const [broadcast, unthreaded] = (await fake.messages("alerts")).slice(-2);
      expect(broadcast).toMatchObject({ msg: "broadcast", tmid: root._id, tshow: true });
      expect(unthreaded).toMatchObject({ msg: "no thread" });
      expect(unthreaded).not.toHaveProperty("tmid");
      expect(unthreaded).not.toHaveProperty("tshow");
    });

    it("Mattermost Markdown on /hooks/{token}", async () => {
      await ok(
        `/hooks/${MM_TOKEN}`,
        JSON.stringify({ text: "**bold** and [link](https://example.com)", props: { card: "x" } }),
      );
      expect((await fake.messages("town-square")).map((m) => m.msg)).toEqual([
        "*bold* and [link](https://example.com)",
      ]);
    });

    it("text over Message_MaxAllowedSize is split, never cut", async () => {
      const text = `${"x".repeat(6000)} end`;
      await ok(slack, JSON.stringify({ text }));
      const parts = (await fake.messages("alerts")).map((m) => m.msg);
      expect(parts.length).toBe(2);
      expect(parts.every((p) => p.length <= 5000)).toBe(true);
      expect(parts.join("").replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
    });
  });
}
