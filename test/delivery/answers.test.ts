/**
 * docs/contract.md §3.1: "delivered, or durably queued" → 200 ok; "Rocket.Chat unreachable and nothing
 * could be queued" → 503 service_unavailable. One test for each side of that line.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Outbox } from "../../src/delivery/outbox.ts";
import { HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";
import { hookPath, startDurable, until, type DurableGateway } from "./harness.ts";

let gw: DurableGateway | undefined;
let direct: Gateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await direct?.close();
  gw = direct = undefined;
});

async function expectAnswer(res: Response, status: number, body: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.text()).toBe(body);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
}

const hello = JSON.stringify({ text: "hello" });

describe("Rocket.Chat unreachable", () => {
  it("with the outbox: 200 ok (queued), delivered once it is back", async () => {
    gw = await startDurable();
    await gw.fake.setDown(true);
    await expectAnswer(await gw.post(hookPath("h1"), hello), 200, "ok");
    await gw.fake.setDown(false);
    await until(() => gw!.fake.messages.length === 1, "the queued message");
    expect(gw.fake.messagesIn("alerts").map((m) => m.msg)).toEqual(["hello"]);
  });

  it("with the outbox failing to store: 503 service_unavailable, nothing delivered later", async () => {
    const broken = (outbox: Outbox): Outbox =>
      new Proxy(outbox, {
        get: (target, key) =>
          key === "write"
            ? () => {
                throw new Error("disk I/O error");
              }
            : (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target),
      });
    gw = await startDurable({ outbox: broken });
    await gw.fake.setDown(true);
    await expectAnswer(await gw.post(hookPath("h1"), hello), 503, "service_unavailable");
    await gw.fake.setDown(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gw.fake.messages).toEqual([]);
  });

  it("without an outbox (direct delivery, e.g. on Workers): 503 service_unavailable", async () => {
    direct = await startGateway();
    await direct.fake.setDown(true);
    await expectAnswer(await direct.post(`/services/T/B/${HOOK_TOKEN}`, hello), 503, "service_unavailable");
  });

  it("without an outbox, Rocket.Chat's 429 becomes 503 with its Retry-After", async () => {
    direct = await startGateway();
    direct.fake.faults.rateLimitSeconds = 7;
    direct.fake.faults.rateLimitNext = 1;
    const res = await direct.post(`/services/T/B/${HOOK_TOKEN}`, hello);
    expect(res.headers.get("retry-after")).toBe("7");
    await expectAnswer(res, 503, "service_unavailable");
  });
});
