/**
 * Every row of docs/contract.md §3.1's incoming answer table, through HTTP, against the fake Rocket.Chat.
 * (Moved from test/incoming/answers.test.ts; it now runs on Node and in workerd.)
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gatewayConfigJson, HOOK_TOKEN, LOCKED_TOKEN, setUpGatewayRooms } from "./config.ts";
import type { ContractRuntime, FakeControl, GatewayClient } from "./runtime.ts";

const hook = (token = HOOK_TOKEN) => `/services/T0000/B0000/${token}`;
const json = (body: unknown) => JSON.stringify(body);

async function expectAnswer(res: Response, status: number, body: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.text()).toBe(body);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
}

export function incomingAnswers(rt: ContractRuntime): void {
  describe("incoming answers", () => {
    let fake: FakeControl;
    let gw: GatewayClient;
    beforeAll(async () => {
      fake = await rt.startFake();
      await setUpGatewayRooms(fake);
      gw = await rt.gateway(gatewayConfigJson(fake));
    });
    beforeEach(() => fake.reset());

    it("200 ok, as plain text, once Rocket.Chat has the message", async () => {
      await expectAnswer(await gw.post(hook(), json({ text: "hello" })), 200, "ok");
      expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["hello"]);
    });

    it("accepts the hook URL with a trailing slash", async () => {
      await expectAnswer(await gw.post(hook() + "/", json({ text: "slash" })), 200, "ok");
      expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["slash"]);
    });

    it("404 no_service for an unknown token, nothing sent", async () => {
      await expectAnswer(await gw.post(hook("not-a-configured-token"), json({ text: "x" })), 404, "no_service");
      await expectAnswer(await gw.post("/hooks/not-a-configured-token", json({ text: "x" })), 404, "no_service");
      expect(await fake.messages()).toHaveLength(0);
    });

    it("400 invalid_payload for unreadable bodies and impossible shapes", async () => {
      await expectAnswer(await gw.post(hook(), "{not json"), 400, "invalid_payload");
      await expectAnswer(await gw.post(hook(), "[1,2]"), 400, "invalid_payload");
      await expectAnswer(await gw.post(hook(), "42"), 400, "invalid_payload");
      await expectAnswer(await gw.post(hook(), json({ text: "x", attachments: "nope" })), 400, "invalid_payload");
      await expectAnswer(await gw.post(hook(), "", { "content-type": "application/json" }), 400, "invalid_payload");
      await expectAnswer(
        await gw.post(hook(), "a=1", { "content-type": "application/x-www-form-urlencoded" }),
        400,
        "invalid_payload",
      );
      expect(await fake.messages()).toHaveLength(0);
    });

    it("400 no_text when nothing would render", async () => {
      await expectAnswer(await gw.post(hook(), json({})), 400, "no_text");
      await expectAnswer(await gw.post(hook(), json({ text: "" })), 400, "no_text");
      await expectAnswer(await gw.post(hook(), json({ text: null, attachments: [] })), 400, "no_text");
      await expectAnswer(
        await gw.post(hook(), json({ attachments: [{ title: null, text: null, color: "good" }] })),
        400,
        "no_text",
      );
      await expectAnswer(await gw.post(hook(), json({ blocks: [{ type: "input" }] })), 400, "no_text");
      expect(await fake.messages()).toHaveLength(0);
    });

    it("400 too_many_attachments over Slack's 100", async () => {
      const attachments = Array.from({ length: 101 }, (_, i) => ({ text: `a${i}` }));
      await expectAnswer(await gw.post(hook(), json({ attachments })), 400, "too_many_attachments");
      await expectAnswer(await gw.post(hook(), json({ attachments: attachments.slice(0, 100) })), 200, "ok");
      expect((await fake.messages())[0]!.attachments).toHaveLength(100);
    });

    it("404 channel_not_found and 410 channel_is_archived from Rocket.Chat's rooms", async () => {
      await expectAnswer(
        await gw.post(hook(), json({ text: "x", channel: "#no-such-room" })),
        404,
        "channel_not_found",
      );
      await expectAnswer(
        await gw.post(hook(), json({ text: "x", channel: "#archived-room" })),
        410,
        "channel_is_archived",
      );
      await expectAnswer(await gw.post(hook(), json({ text: "x", channel: "@nobody-here" })), 404, "channel_not_found");
      expect(await fake.messages()).toHaveLength(0);
    });

    it("403 action_prohibited for a refused override, or when Rocket.Chat refuses the post", async () => {
      await expectAnswer(
        await gw.post(hook(LOCKED_TOKEN), json({ text: "x", channel: "#ops" })),
        403,
        "action_prohibited",
      );
      // Naming the locked hook's own room is fine.
      await expectAnswer(await gw.post(hook(LOCKED_TOKEN), json({ text: "own", channel: "#alerts" })), 200, "ok");
      await fake.settings({ allowMentionAll: false });
      try {
        await expectAnswer(await gw.post(hook(), json({ text: "<!channel> look" })), 403, "action_prohibited");
      } finally {
        await fake.settings({ allowMentionAll: true });
      }
      expect((await fake.messages()).map((m) => m.msg)).toEqual(["own"]);
    });

    it("413 request_too_large over the body limit", async () => {
      const big = json({ text: "x".repeat(1024 * 1024) });
      await expectAnswer(await gw.post(hook(), big), 413, "request_too_large");
      expect(await fake.messages()).toHaveLength(0);
    });

    it("429 rate_limited with Retry-After over the hook's rate", async () => {
      const limited = await rt.gateway(
        gatewayConfigJson(fake, {
          incoming: [{ name: "slow", token: HOOK_TOKEN, channel: "#alerts", rateLimit: { perSecond: 0.5, burst: 2 } }],
        }),
      );
      await expectAnswer(await limited.post(hook(), json({ text: "1" })), 200, "ok");
      await expectAnswer(await limited.post(hook(), json({ text: "2" })), 200, "ok");
      const third = await limited.post(hook(), json({ text: "3" }));
      expect(third.headers.get("retry-after")).toBe("2");
      await expectAnswer(third, 429, "rate_limited");
      expect((await fake.messages()).map((m) => m.msg)).toEqual(["1", "2"]);
    });
  });
}
