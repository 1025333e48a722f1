/** Dates render in UTC, or in the zone the config (or the hook) names. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig, HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";

const BERLIN_TOKEN = "berlin-token-0123456789";
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    config: (fake) =>
      gatewayConfig(fake, {
        incoming: [
          { name: "utc", token: HOOK_TOKEN, channel: "#alerts" },
          { name: "berlin", token: BERLIN_TOKEN, channel: "#alerts", timeZone: "Europe/Berlin" },
        ],
      }),
  });
});
afterAll(() => gw.close());

describe("time zones", () => {
  it("formats <!date> and attachment ts per hook", async () => {
    const body = JSON.stringify({
      text: "at <!date^1700000000^{time}|then>",
      attachments: [{ text: "x", ts: 1700000000 }],
    });
    for (const token of [HOOK_TOKEN, BERLIN_TOKEN])
      expect(await (await gw.post(`/services/T/B/${token}`, body)).text()).toBe("ok");
    const [utc, berlin] = gw.fake.messagesIn("alerts");
    expect(utc!.msg).toBe("at 10:13 PM");
    expect(berlin!.msg).toBe("at 11:13 PM");
    expect(String(utc!.attachments![0]!["text"])).toContain("Nov 14, 2023 at 10:13 PM UTC");
    expect(String(berlin!.attachments![0]!["text"])).toMatch(/Nov 14, 2023 at 11:13 PM (GMT\+1|CET)/);
  });
});
