/**
 * Visibility: `GET /deliveries` (admin token), `POST /deliveries/{id}/retry` for a dead letter,
 * and the delivery lines of `/metrics`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { gatewayConfig, HOOK_TOKEN, startGateway, type Gateway } from "../support/gateway.ts";
import { ADMIN_TOKEN, hookPath, startDurable, until, type DurableGateway } from "./harness.ts";

let gw: DurableGateway | undefined;
let plain: Gateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await plain?.close();
  gw = plain = undefined;
});

const admin = (g: Gateway, path = "/deliveries", method = "GET", token: string | undefined = ADMIN_TOKEN) =>
  Promise.resolve(g.app.request(path, { method, headers: token === undefined ? {} : { authorization: token } }));
const bearer = `Bearer ${ADMIN_TOKEN}`;

describe("GET /deliveries", () => {
  it("does not exist without an admin token configured", async () => {
    plain = await startGateway();
    expect((await admin(plain, "/deliveries", "GET", bearer)).status).toBe(404);
    expect((await admin(plain, "/deliveries/x/retry", "POST", bearer)).status).toBe(404);
  });

  it("401 without the right Bearer token", async () => {
    gw = await startDurable();
    for (const token of [
      undefined,
      "",
      ADMIN_TOKEN,
      `Bearer ${ADMIN_TOKEN}x`,
      "Bearer wrong-token-0123456789",
      `Basic ${ADMIN_TOKEN}`,
    ]) {
      const res = await admin(gw, "/deliveries", "GET", token);
      expect(res.status, String(token)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect((await admin(gw, "/deliveries/x/retry", "POST", undefined)).status).toBe(401);
    expect((await admin(gw, "/deliveries", "GET", bearer)).status).toBe(200);
  });

  it("lists recent deliveries on direct delivery too", async () => {
    plain = await startGateway({ config: (fake) => gatewayConfig(fake, { admin: { token: ADMIN_TOKEN } }) });
    await plain.post(`/services/T/B/${HOOK_TOKEN}`, JSON.stringify({ text: "hi" }));
    const view = (await (await admin(plain, "/deliveries", "GET", bearer)).json()) as { recent: unknown[] };
    expect(view.recent).toMatchObject([{ state: "delivered", source: "alerts", room: "#alerts", attempts: 1 }]);
  });
});

describe("dead letters", () => {
  it("a room archived after acceptance: kept with the reason, shown, retried on request, delivered once", async () => {
    gw = await startDurable();
    await gw.fake.setDown(true);
    const res = await gw.post(hookPath("h2"), JSON.stringify({ text: "secret-ish text", channel: "#ops" }));
    expect(res.status).toBe(200);
    gw.fake.room("ops")!.archived = true;
    await gw.fake.setDown(false);
    await until(async () => (await gw!.durable.view()).counts.dead === 1, "the dead letter");

    const listed = await admin(gw, "/deliveries", "GET", bearer);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    const body = await listed.text();
    expect(body).not.toContain("secret-ish");
    const view = JSON.parse(body) as { counts: unknown; dead: Array<Record<string, unknown>>; pending: unknown[] };
    expect(view.counts).toEqual({ pending: 0, dead: 1 });
    expect(view.pending).toEqual([]);
    const [dead] = view.dead;
    expect(dead).toMatchObject({
      state: "dead",
      room: "#ops",
      source: "h2",
      error: "channel_is_archived",
      confirmed: 0,
    });
    expect(dead!["attempts"]).toBeGreaterThanOrEqual(1);
    expect(dead!["lastError"]).toMatch(/archived/);
    expect(dead!["messageIds"]).toEqual([dead!["id"]]);
    expect(Date.parse(dead!["acceptedAt"] as string)).toBeLessThanOrEqual(Date.parse(dead!["updatedAt"] as string));

    const metrics = await (await gw.app.request("/metrics")).text();
    expect(metrics).toContain("slackline_outbox_depth 0");
    expect(metrics).toContain("slackline_outbox_dead_letters 1");
    expect(metrics).toContain('slackline_deliveries_total{hook="h2",outcome="queued"} 1');
    expect(metrics).toContain('slackline_deliveries_total{hook="h2",outcome="dead"} 1');

    expect((await admin(gw, "/deliveries/no-such-id/retry", "POST", bearer)).status).toBe(404);
    gw.fake.room("ops")!.archived = false;
    const retried = await admin(gw, `/deliveries/${dead!["id"] as string}/retry`, "POST", bearer);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ retried: { id: dead!["id"], state: "queued" } });
    await until(() => gw!.fake.messagesIn("ops").length === 1, "the retried message");
    await until(async () => (await gw!.durable.view()).counts.pending === 0, "the outbox to drain");
    expect(gw.fake.messagesIn("ops").map((m) => m.msg)).toEqual(["secret-ish text"]);
    expect((await gw.durable.view()).counts).toEqual({ pending: 0, dead: 0 });
    // No longer a dead letter: retrying again is refused.
    expect((await admin(gw, `/deliveries/${dead!["id"] as string}/retry`, "POST", bearer)).status).toBe(404);

    const after = await (await gw.app.request("/metrics")).text();
    expect(after).toContain("slackline_outbox_dead_letters 0");
    expect(after).toMatch(/slackline_delivery_latency_seconds_count 1\n/);
    expect(after).toContain('slackline_deliveries_total{hook="h2",outcome="delivered"} 1');
    expect(after).toMatch(/slackline_deliveries_total\{hook="h2",outcome="retried"\} [1-9]/);
  });

  it("retrying a job that is not a dead letter answers 409", async () => {
    gw = await startDurable({ paused: true });
    await gw.fake.setDown(true);
    await gw.post(hookPath("h1"), JSON.stringify({ text: "waiting", channel: "#ops" }));
    const [pending] = (await gw.durable.view()).pending;
    const res = await admin(gw, `/deliveries/${pending!.id}/retry`, "POST", bearer);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      error: "not_a_dead_letter",
      delivery: { id: pending!.id, state: "queued" },
    });
  });
});
