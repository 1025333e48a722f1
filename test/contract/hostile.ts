/**
 * Hostile input at the incoming routes, through HTTP against the fake Rocket.Chat, on
 * Node and in workerd: a thread root never moves a message, one request stays a bounded number of
 * messages, `allowMentionAll: false` holds on every route, Slack's block limit, own-key tables.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gatewayConfigJson, HOOK_TOKEN, LOCKED_TOKEN, MM_TOKEN, seed, setUpGatewayRooms } from "./config.ts";
import type { ContractRuntime, FakeControl, GatewayClient } from "./runtime.ts";

const slack = (token: string) => `/services/T0000/B0000/${token}`;
const mattermost = (token: string) => `/hooks/${token}`;
const json = (body: unknown) => JSON.stringify(body);
const QUIET_TOKEN = "quiet-hook-token-0123456789";
const QUIET_MM_TOKEN = "quiet-mm-token-0123456789";

async function expectAnswer(res: Response, status: number, body: string): Promise<void> {
  expect({ status: res.status, body: await res.text() }).toEqual({ status, body });
}

export function hostileInput(rt: ContractRuntime): void {
  describe("hostile input", () => {
    let fake: FakeControl;
    let gw: GatewayClient;
    let ops: string;
    let alerts: string;
    beforeAll(async () => {
      fake = await rt.startFake();
      await setUpGatewayRooms(fake);
      ops = await fake.addRoom({ name: "ops" });
      alerts = await fake.addRoom({ name: "alerts" });
      const base = gatewayConfigJson(fake);
      const hooks = base["incoming"] as Array<Record<string, unknown>>;
      gw = await rt.gateway({
        ...base,
        limits: { maxParts: 3 },
        incoming: [
          ...hooks,
          {
            name: "quiet",
            token: QUIET_TOKEN,
            channel: "#alerts",
            allowMentionAll: false,
            rateLimit: { perSecond: 1000, burst: 1000 },
          },
          {
            name: "quiet-mm",
            token: QUIET_MM_TOKEN,
            channel: "#alerts",
            dialect: "markdown",
            allowMentionAll: false,
            rateLimit: { perSecond: 1000, burst: 1000 },
          },
        ],
      });
    });
    beforeEach(() => fake.reset());

    describe("a thread root never moves a message out of its hook's rooms", () => {
      it("a locked hook's reply to a root in another room is posted in its own room, outside the thread", async () => {
        const root = await seed(fake, ops, "root in ops");
        await expectAnswer(
          await gw.post(slack(LOCKED_TOKEN), json({ text: "x", thread_ts: root._id, reply_broadcast: true })),
          200,
          "ok",
        );
        await expectAnswer(await gw.post(mattermost(LOCKED_TOKEN), json({ text: "y", root_id: root._id })), 200, "ok");
        await expectAnswer(
          await gw.post(`/hooks/any-id/${LOCKED_TOKEN}`, json({ text: "w", tmid: root._id })),
          200,
          '{"success":true}',
        );
        expect((await fake.messages("ops")).map((m) => m.msg)).toEqual(["root in ops"]);
        const posted = await fake.messages("alerts");
        expect(posted.map((m) => [m.msg, m.tmid, m.tshow])).toEqual([
          ["x", undefined, undefined],
          ["y", undefined, undefined],
          ["w", undefined, undefined],
        ]);
      });

      it("an open hook posts to the room it names (or its own), never to the root's", async () => {
        const root = await seed(fake, ops, "root in ops");
        await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: "x", thread_ts: root._id })), 200, "ok");
        await expectAnswer(
          await gw.post(slack(HOOK_TOKEN), json({ text: "z", channel: "#deploys", thread_ts: root._id })),
          200,
          "ok",
        );
        expect((await fake.messages("ops")).map((m) => m.msg)).toEqual(["root in ops"]);
        expect((await fake.messages("alerts")).map((m) => [m.msg, m.tmid])).toEqual([["x", undefined]]);
        expect((await fake.messages("deploys")).map((m) => [m.msg, m.tmid])).toEqual([["z", undefined]]);
      });

      it("a thread whose root is in the hook's room keeps working, also when the hook names its room", async () => {
        const root = await seed(fake, alerts, "root in alerts");
        await expectAnswer(
          await gw.post(slack(LOCKED_TOKEN), json({ text: "in thread", thread_ts: root._id, reply_broadcast: true })),
          200,
          "ok",
        );
        await expectAnswer(
          await gw.post(mattermost(LOCKED_TOKEN), json({ text: "mm thread", channel: "alerts", root_id: root._id })),
          200,
          "ok",
        );
        // The root of an open hook's named room works as well.
        const opsRoot = await seed(fake, ops, "root in ops");
        await expectAnswer(
          await gw.post(slack(HOOK_TOKEN), json({ text: "ops thread", channel: "#ops", thread_ts: opsRoot._id })),
          200,
          "ok",
        );
        const posted = (await fake.messages()).filter((m) => !m.msg.startsWith("root"));
        expect(posted.map((m) => [m.msg, m.rid, m.tmid, m.tshow])).toEqual([
          ["in thread", alerts, root._id, true],
          ["mm thread", alerts, root._id, undefined],
          ["ops thread", ops, opsRoot._id, undefined],
        ]);
      });
    });

    describe("one request stays a bounded number of messages", () => {
      it.each([["~"], ["*"], ["_"]])(
        "900 KB of %s: at most limits.maxParts messages, the last saying what was left out",
        async (c) => {
          await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: c.repeat(900_000) })), 200, "ok");
          const posted = await fake.messages("alerts");
          expect(posted.length).toBeGreaterThan(0);
          expect(posted.length).toBeLessThanOrEqual(3);
          for (const m of posted) expect(m.msg.length).toBeLessThanOrEqual(5000);
          const note = /_\(… ([\d,]+) more characters not shown: the message was too long\)_$/.exec(posted.at(-1)!.msg);
          expect(note).not.toBeNull();
          expect(Number(note![1]!.replace(/,/g, ""))).toBeGreaterThan(800_000);
        },
      );

      it("Markdown text and many attachments are bounded too", async () => {
        await expectAnswer(await gw.post(mattermost(MM_TOKEN), json({ text: "~a~ ".repeat(200_000) })), 200, "ok");
        const attachments = Array.from({ length: 100 }, (_, i) => ({
          color: "good",
          text: `${i} ` + "*".repeat(8000),
        }));
        await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: "alerts", attachments })), 200, "ok");
        const [md, ...rest] = await fake.messages();
        const all = [md!, ...rest];
        expect(all.filter((m) => m.rid !== alerts).length).toBeLessThanOrEqual(3);
        const withAttachments = all.filter((m) => m.attachments !== undefined);
        expect(withAttachments).toHaveLength(1);
        const kept = withAttachments[0]!.attachments!.reduce((n, a) => n + String(a["text"] ?? "").length, 0);
        expect(kept).toBeLessThanOrEqual(3 * 5000 * 2 + 200);
        expect(withAttachments[0]!.msg).toMatch(/more characters not shown/);
      });

      it("text within the bounds is split as before, with no note", async () => {
        await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: "word ".repeat(2500) })), 200, "ok");
        const posted = await fake.messages("alerts");
        expect(posted).toHaveLength(3);
        expect(posted.some((m) => m.msg.includes("not shown"))).toBe(false);
      });
    });

    describe("allowMentionAll: false shows every room-wide mention as text, on every route", () => {
      const loud = "<!channel> <!here> <!everyone> <!group> @all @here @channel *@all* _@here_";
      it.each([
        ["/services", slack(QUIET_TOKEN)],
        ["/hooks", mattermost(QUIET_TOKEN)],
        ["/hooks (Markdown hook)", mattermost(QUIET_MM_TOKEN)],
        ["/services (Markdown hook)", slack(QUIET_MM_TOKEN)],
      ])("%s", async (_, path) => {
        await expectAnswer(await gw.post(path, json({ text: loud, link_names: 1 })), 200, "ok");
        await expectAnswer(
          await gw.post(
            path,
            json({
              blocks: [
                {
                  type: "rich_text",
                  elements: [
                    {
                      type: "rich_text_section",
                      elements: [
                        { type: "broadcast", range: "channel" },
                        { type: "text", text: " and " },
                        { type: "broadcast", range: "here" },
                      ],
                    },
                  ],
                },
              ],
            }),
          ),
          200,
          "ok",
        );
        await expectAnswer(
          await gw.post(path, json({ text: "<!subteam^S123|@all> <@U999|all>", link_names: true })),
          200,
          "ok",
        );
        const posted = await fake.messages("alerts");
        expect(posted).toHaveLength(3);
        for (const m of posted) {
          expect(m.mentions.filter((x) => x._id === "all" || x._id === "here")).toEqual([]);
          expect(m.msg.replace(/\u2060/g, "")).toMatch(/@(all|here)/);
        }
      });

      it("a hook that allows them (the default) still notifies the room", async () => {
        await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: "<!channel> and <!here>" })), 200, "ok");
        expect((await fake.messages("alerts"))[0]!.mentions.map((m) => m._id).sort()).toEqual(["all", "here"]);
      });
    });

    it("more than 50 blocks, or blocks that are not a list of objects: 400 invalid_blocks, nothing posted", async () => {
      const block = { type: "section", text: { type: "mrkdwn", text: "b" } };
      await expectAnswer(
        await gw.post(slack(HOOK_TOKEN), json({ text: "t", blocks: Array.from({ length: 51 }, () => block) })),
        400,
        "invalid_blocks",
      );
      await expectAnswer(
        await gw.post(slack(HOOK_TOKEN), json({ text: "t", blocks: "not a list" })),
        400,
        "invalid_blocks",
      );
      await expectAnswer(
        await gw.post(slack(HOOK_TOKEN), json({ text: "t", blocks: [block, "x"] })),
        400,
        "invalid_blocks",
      );
      expect(await fake.messages()).toHaveLength(0);
      await expectAnswer(
        await gw.post(slack(HOOK_TOKEN), json({ text: "t", blocks: Array.from({ length: 50 }, () => block) })),
        200,
        "ok",
      );
      await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ text: "null is none", blocks: null })), 200, "ok");
      expect(await fake.messages()).toHaveLength(2);
    });

    it("markdown blocks over 12,000 characters in one payload: 400 invalid_blocks, as Slack answers", async () => {
      const markdown = (chars: number) => ({ type: "markdown", text: "*a".repeat(chars / 2) });
      const over = [
        { text: "t", blocks: [markdown(12_002)] },
        { text: "t", blocks: [markdown(6_000), markdown(6_002)] },
        // blocks inside attachments count too
        { text: "t", blocks: [markdown(6_000)], attachments: [{ blocks: [markdown(6_002)] }] },
      ];
      for (const body of over) await expectAnswer(await gw.post(slack(HOOK_TOKEN), json(body)), 400, "invalid_blocks");
      expect(await fake.messages()).toHaveLength(0);
      await expectAnswer(
        await gw.post(slack(HOOK_TOKEN), json({ text: "t", blocks: [markdown(6_000), markdown(6_000)] })),
        200,
        "ok",
      );
      // 12,000 characters of emphasis become several messages (Rocket.Chat's 5,000 each).
      expect((await fake.messages()).length).toBeGreaterThan(1);
    });

    it("built-in names are no colour, emoji or alignment", async () => {
      const table = {
        type: "table",
        column_settings: [{ align: "constructor" }],
        rows: [[{ type: "raw_text", text: "a" }], [{ type: "raw_text", text: "b" }]],
      };
      await expectAnswer(
        await gw.post(
          slack(HOOK_TOKEN),
          json({
            text: "x",
            attachments: [
              { color: "__proto__", text: "a" },
              { color: "constructor", text: "b" },
            ],
          }),
        ),
        200,
        "ok",
      );
      await expectAnswer(
        await gw.post(
          slack(HOOK_TOKEN),
          json({ text: ":constructor::skin-tone-3:", icon_emoji: ":constructor::skin-tone-3:" }),
        ),
        200,
        "ok",
      );
      await expectAnswer(await gw.post(slack(HOOK_TOKEN), json({ blocks: [table] })), 200, "ok");
      const [colours, emoji, aligned] = await fake.messages("alerts");
      expect(colours!.attachments!.map((a) => a["color"])).toEqual([undefined, undefined]);
      expect(emoji!.msg).toBe(":constructor_tone2:");
      expect(emoji!.emoji).toBe(":constructor_tone2:");
      expect(aligned!.msg).not.toMatch(/function|native/);
    });
  });
}
