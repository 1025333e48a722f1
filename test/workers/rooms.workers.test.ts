/**
 * The Workers outbox inside workerd: one Durable Object per room (ROOMS) storing what Rocket.Chat
 * has not confirmed, delivering it in order and exactly once through an outage, 429s and
 * connections reset after storing; its bounded line; a job far over a Queue message's 128 KB;
 * an object restarted mid-line resuming from its alarm; and a hook's rate limit held by the
 * LIMITS object when requests are spread over several isolates (each `createWorker()` keeps its
 * own gateway, as an isolate does). The fake Rocket.Chats run in Node (globalSetup).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createWorker } from "../../src/workers/entry.ts";
import { roomObjectName } from "../../src/workers/delivery.ts";
import type { WorkerEnv } from "../../src/workers/env.ts";
import { gatewayConfigJson, HOOK_TOKEN } from "../contract/config.ts";
import { remoteFake } from "../contract/remote.ts";
import type { FakeControl } from "../contract/runtime.ts";
import { testEnv } from "./support.ts";

const rooms = testEnv.ROOMS!;
/** Quick retries, so a test sees many within seconds. */
const QUICK = { fastPathMs: 300, retryBaseMs: 50, retryMaxMs: 300, pollMs: 20 };
const WAIT = { timeout: 30_000, interval: 100 };

afterEach(() => {
  vi.restoreAllMocks();
});

/** A fresh fake with an #alerts room, and the Worker (one isolate's handler) configured for it. */
async function setUp(extra: Record<string, unknown> = {}, workers = [createWorker()], given?: FakeControl) {
  const fake = given ?? (await remoteFake(testEnv.TEST_CONTROL_URL));
  await fake.addRoom({ name: "alerts" });
  const config = JSON.stringify(gatewayConfigJson(fake, { delivery: QUICK, ...extra }));
  const env = { ...testEnv, SLACKLINE_CONFIG: config } as WorkerEnv;
  const post = async (text: string, worker = workers[0]!, token = HOOK_TOKEN) => {
    const request = new Request(`http://localhost/services/T0000/B0000/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    const res = await worker.fetch(request, env, {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext);
    return { status: res.status, body: await res.text(), retryAfter: res.headers.get("retry-after") };
  };
  const room = () => rooms.get(rooms.idFromName(roomObjectName(fake.url, "#alerts")));
  return { fake, post, room };
}

const texts = async (fake: FakeControl) => (await fake.messages("alerts")).map((m) => m.msg);

describe("a room's Durable Object as the outbox", () => {
  it("stores every ok'd message exactly once and in order through an outage, 429s and resets after storing", async () => {
    // Requests spread over three isolates: each one's answer comes before the next request.
    const isolates = [createWorker(), createWorker(), createWorker()];
    const { fake, post, room } = await setUp({}, isolates);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      if (i === 30) await fake.setDown(true);
      if (i === 80) {
        await fake.setDown(false);
        await fake.faults({ rateLimitNext: 6, rateLimitSeconds: 1 });
      }
      if (i === 130) await fake.faults({ resetAfterStore: 6 });
      const text = `m${String(i).padStart(3, "0")}`;
      const answer = await post(text, isolates[i % 3]);
      expect([answer.status, answer.body]).toEqual([200, "ok"]);
      sent.push(text);
    }
    await vi.waitFor(async () => expect((await texts(fake)).length).toBeGreaterThanOrEqual(200), WAIT);
    // Every ok'd message once, in the order the answers were given.
    expect(await texts(fake)).toEqual(sent);
    await vi.waitFor(async () => expect(await room().counts()).toEqual({ pending: 0, dead: 0 }), WAIT);
    // The outage and the resets were really met, and the resets were checked, not re-sent blindly.
    const calls = await fake.calls();
    expect(calls["chat.getMessage"]).toBeGreaterThan(0);
    expect(await texts(fake)).toEqual(sent);
  }, 60_000);

  it("bounds the line: over delivery.maxQueuedPerRoom the sender is told 429 with Retry-After", async () => {
    const { fake, post, room } = await setUp({ delivery: { ...QUICK, maxQueuedPerRoom: 3 } });
    await fake.setDown(true);
    for (const text of ["a", "b", "c"]) expect((await post(text)).body).toBe("ok");
    const refused = await post("d");
    expect([refused.status, refused.body]).toEqual([429, "rate_limited"]);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await room().counts()).toEqual({ pending: 3, dead: 0 });
    await fake.setDown(false);
    await vi.waitFor(async () => expect(await texts(fake)).toEqual(["a", "b", "c"]), WAIT);
    // The line moved: the room takes messages again.
    expect((await post("e")).body).toBe("ok");
    await vi.waitFor(async () => expect(await texts(fake)).toEqual(["a", "b", "c", "e"]), WAIT);
  });

  it("stores and delivers a job far larger than a Queue message (128 KB)", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    // One Rocket.Chat message may be this large on both sides, so the job is one big message.
    await fake.settings({ maxMessageSize: 400_000 });
    const rocketchat = {
      url: fake.url,
      userId: fake.userId,
      authToken: fake.authToken,
      timeoutMs: 2000,
      maxMessageSize: 400_000,
    };
    const { post, room } = await setUp({ rocketchat }, [createWorker()], fake);
    const text = Array.from({ length: 20_000 }, (_, i) => `word${i}`).join(" ");
    expect(text.length).toBeGreaterThan(150_000);
    await fake.setDown(true);
    expect((await post(text)).body).toBe("ok");
    const stored = await runInDurableObject(room(), (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT length(job) AS n FROM outbox").toArray(),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.n).toBeGreaterThan(128 * 1024);
    await fake.setDown(false);
    await vi.waitFor(async () => expect(await texts(fake)).toEqual([text]), WAIT);
  });

  it("resumes a restarted object's line from its alarm, checking the job that was in flight", async () => {
    // The Worker's own config (a binding), so the object woken alone can read it.
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL, testEnv.TEST_FAKE_ID);
    await fake.reset();
    // Rocket.Chat stores the first message but answers only after the request was answered `ok`:
    // that job is in flight (stored `inflight`) when the object crashes.
    await fake.faults({ delayMs: 4000, storeThenDelay: true });
    const hook = (text: string) =>
      exports.default.fetch(`http://localhost/services/T0000/B0000/${HOOK_TOKEN}`, {
        method: "POST",
        body: JSON.stringify({ text }),
      });
    for (const text of ["before", "restart"]) expect(await (await hook(text)).text()).toBe("ok");
    const stub = rooms.get(rooms.idFromName(roomObjectName(fake.url, "#alerts")));
    expect(await stub.counts()).toMatchObject({ pending: 2 });
    // A crash: the object's memory (its timer, its delivery) is gone; its storage stays.
    await runInDurableObject(stub, (_instance, state) => state.abort("test: crash")).catch(() => {});
    await fake.faults({ delayMs: 0, storeThenDelay: false });
    // Only the alarm runs the object now: nothing else calls it.
    // A stub breaks with its object: from here on, new ones.
    const fresh = () => rooms.get(rooms.idFromName(roomObjectName(fake.url, "#alerts")));
    await vi.waitFor(async () => {
      await runDurableObjectAlarm(fresh());
      expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["before", "restart"]);
    }, WAIT);
    await vi.waitFor(async () => expect(await fresh().counts()).toEqual({ pending: 0, dead: 0 }), WAIT);
    // Each message once: the job cut short was asked about (chat.getMessage), not sent again.
    expect((await fake.calls())["chat.getMessage"]).toBeGreaterThan(0);
    expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["before", "restart"]);
  });
});

describe("a room's dead letters", () => {
  it("are deleted delivery.deadLetterSeconds after they died, once the room's object runs", async () => {
    const { fake, post, room } = await setUp({ delivery: { ...QUICK, deadLetterSeconds: 3600 } });
    expect((await post("first")).body).toBe("ok"); // the object and its outbox exist
    // A dead letter that died two hours ago, and one that died now.
    await runInDurableObject(room(), (_instance, state) => {
      const dead = (id: string, diedAt: number) =>
        state.storage.sql.exec(
          `INSERT INTO outbox (seq, id, room, job, state, sent, uncertain, attempts, next_at, expires_at, updated_at, error, last_error)
           VALUES (?, ?, '#alerts', ?, 'dead', 0, 0, 1, 0, 0, ?, 'channel_not_found', 'gone')`,
          1000 + (Math.floor(diedAt / 1000) % 1_000_000),
          id,
          JSON.stringify({ id, source: "test", room: "#alerts", messages: [], acceptedAt: diedAt }),
          diedAt,
        );
      dead("old", Date.now() - 2 * 3600_000);
      dead("new", Date.now());
    });
    // A new object reads them (a running one looks again a minute after its last look).
    await runInDurableObject(room(), (_instance, state) => state.abort("test: restart")).catch(() => {});
    expect(await room().counts()).toEqual({ pending: 0, dead: 2 });
    expect((await post("second")).body).toBe("ok");
    await vi.waitFor(async () => expect(await room().counts()).toEqual({ pending: 0, dead: 1 }), WAIT);
    const left = await runInDurableObject(room(), (_instance, state) =>
      state.storage.sql.exec<{ id: string }>("SELECT id FROM outbox").toArray(),
    );
    expect(left.map((r) => r.id)).toEqual(["new"]);
    expect(await texts(fake)).toEqual(["first", "second"]);
  });
});

/** A Worker (one isolate) for `fake` with an admin token: hook posts and the admin routes. */
function adminWorker(fake: FakeControl) {
  const admin = { token: "admin-token-0123456789" };
  const env = {
    ...testEnv,
    SLACKLINE_CONFIG: JSON.stringify(gatewayConfigJson(fake, { delivery: QUICK, admin })),
  } as WorkerEnv;
  const worker = createWorker();
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const call = (method: string, path: string, body?: unknown) =>
    worker.fetch(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      env,
      ctx,
    );
  type Pending = { room: string; nextAttemptAt?: string };
  return {
    call,
    post: async (message: { text: string; channel?: string }) =>
      (await call("POST", `/services/T0000/B0000/${HOOK_TOKEN}`, message)).text(),
    pending: async () => ((await (await call("GET", "/deliveries")).json()) as { pending: Pending[] }).pending,
  };
}

describe("GET /deliveries and POST /deliveries/{id}/retry across room objects", () => {
  it("show every busy room's line and dead letters, and put a dead letter back in line", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "alerts" });
    const worker = adminWorker(fake);
    const post = worker.post;
    const call = async (method: string, path: string) => {
      const res = await worker.call(method, path);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    type Record_ = { id: string; room: string; state: string; error?: string };
    const view = async () => (await call("GET", "/deliveries")).body as { pending: Record_[]; dead: Record_[] };
    // Rocket.Chat down: one job waits in #alerts, one in #later (no such room yet: it will die).
    await fake.setDown(true);
    expect(await post({ text: "waits" })).toBe("ok");
    expect(await post({ text: "to a later room", channel: "#later" })).toBe("ok");
    await vi.waitFor(async () => {
      const v = await view();
      expect(v.pending.filter((r) => r.room === "#alerts")).toHaveLength(1);
      expect(v.pending.filter((r) => r.room === "#later")).toHaveLength(1);
    }, WAIT);
    await fake.setDown(false);
    await vi.waitFor(async () => {
      const v = await view();
      expect(v.dead.filter((r) => r.room === "#later")).toMatchObject([{ state: "dead", error: "channel_not_found" }]);
    }, WAIT);
    await vi.waitFor(async () => expect(await texts(fake)).toEqual(["waits"]), WAIT);
    const [dead] = (await view()).dead.filter((r) => r.room === "#later");
    // The room made: the dead letter goes back in line and is delivered.
    await fake.addRoom({ name: "later" });
    const retried = await call("POST", `/deliveries/${dead!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body["retried"]).toMatchObject({ id: dead!.id, room: "#later" });
    await vi.waitFor(
      async () => expect((await fake.messages("later")).map((m) => m.msg)).toEqual(["to a later room"]),
      WAIT,
    );
    expect((await call("POST", `/deliveries/${dead!.id}/retry`)).status).toBe(404);
    expect((await call("POST", "/deliveries/no-such-job/retry")).status).toBe(404);
  }, 60_000);
});

describe("a Rocket.Chat 429 across room objects (METRICS)", () => {
  const metricsHub = () => testEnv.METRICS!.get(testEnv.METRICS!.idFromName("metrics"));
  it("a room that meets a 429 tells the METRICS object", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "alerts" });
    const { post } = adminWorker(fake);
    await fake.faults({ rateLimitNext: 1, rateLimitSeconds: 60 });
    expect(await post({ text: "meets a 429" })).toBe("ok");
    await vi.waitFor(async () => expect((await metricsHub().lastPause())?.url).toBe(fake.url), WAIT);
    expect((await metricsHub().lastPause())!.until).toBeGreaterThan(Date.now() + 30_000);
  });

  it("which pauses every other room of that Rocket.Chat that has a line", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "alerts" });
    await fake.addRoom({ name: "ops" });
    const { post, pending } = adminWorker(fake);
    await fake.setDown(true);
    expect(await post({ text: "to alerts" })).toBe("ok");
    expect(await post({ text: "to ops", channel: "#ops" })).toBe("ok");
    const ops = rooms.idFromName(roomObjectName(fake.url, "#ops")).toString();
    await vi.waitFor(async () => expect(await metricsHub().busyRooms(100)).toContain(ops), WAIT);
    const until = Date.now() + 60_000;
    await metricsHub().pauseRooms(until, fake.url, "another room");
    await metricsHub().pauseRooms(until + 60_000, "https://another.rocket.chat", "another room");
    const lines = await pending();
    expect(lines.map((p) => p.room).sort()).toEqual(["#alerts", "#ops"]);
    // Due when the pause ends, not later (another server's pause is not theirs).
    for (const p of lines) expect(Date.parse(p.nextAttemptAt!)).toBeGreaterThanOrEqual(until);
    for (const p of lines) expect(Date.parse(p.nextAttemptAt!)).toBeLessThan(until + 60_000);
  });
});

describe("a hook's rate limit across isolates (LIMITS)", () => {
  const limited = (name: string) => ({
    incoming: [{ name, token: HOOK_TOKEN, channel: "#alerts", rateLimit: { perSecond: 0.001, burst: 4 } }],
  });

  it("holds one bucket for the hook wherever its requests land", async () => {
    const isolates = [createWorker(), createWorker(), createWorker()];
    const name = `limited-${crypto.randomUUID()}`;
    const { fake, post } = await setUp(limited(name), isolates);
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const a = await post(`r${i}`, isolates[i % 3]);
      answers.push(`${a.status} ${a.body}`);
    }
    expect(answers.filter((a) => a === "200 ok")).toHaveLength(4);
    expect(answers.filter((a) => a === "429 rate_limited")).toHaveLength(8);
    expect(await texts(fake)).toEqual(["r0", "r1", "r2", "r3"]);
    // A slow limit is kept in the object's storage: a restarted object does not start afresh.
    const limits = testEnv.LIMITS!;
    const object = limits.get(limits.idFromName(name));
    await runInDurableObject(object, (_instance, state) => state.abort("test: restart")).catch(() => {});
    const after = await post("after a restart", isolates[0]);
    expect([after.status, after.body]).toEqual([429, "rate_limited"]);
    expect(Number(after.retryAfter)).toBeGreaterThan(1);
  });

  it("counts per isolate without the LIMITS binding (what the binding fixes)", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const isolates = [createWorker(), createWorker(), createWorker()];
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "alerts" });
    const config = JSON.stringify(gatewayConfigJson(fake, { delivery: QUICK, ...limited("per-isolate") }));
    const env = { ...testEnv, SLACKLINE_CONFIG: config, LIMITS: undefined } as WorkerEnv;
    let ok = 0;
    for (let i = 0; i < 12; i++) {
      const request = new Request(`http://localhost/services/T0000/B0000/${HOOK_TOKEN}`, {
        method: "POST",
        body: JSON.stringify({ text: `p${i}` }),
      });
      const res = await isolates[i % 3]!.fetch(request, env, {
        waitUntil() {},
        passThroughOnException() {},
        props: {},
      } as unknown as ExecutionContext);
      if ((await res.text()) === "ok") ok++;
    }
    expect(ok).toBe(12);
  });
});

describe("/metrics across isolates (METRICS)", () => {
  it("sums what every isolate and room object counted", async () => {
    const isolates = [createWorker({ metricsPushMs: 0 }), createWorker({ metricsPushMs: 0 })];
    const { fake, post } = await setUp({}, isolates);
    const env = {
      ...testEnv,
      SLACKLINE_CONFIG: JSON.stringify(gatewayConfigJson(fake, { delivery: QUICK })),
    } as WorkerEnv;
    const scrape = async () => {
      const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
      const res = await isolates[0]!.fetch(new Request("http://localhost/metrics"), env, ctx);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const value = (text: string, series: RegExp) =>
      text
        .split("\n")
        .filter((l) => series.test(l))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    const hooks = /^slackline_http_requests_total\{route="\/services\/:team\/:bot\/:token",status="200"\} /;
    const delivered = /^slackline_deliveries_total\{hook="[^"]*",outcome="delivered"\} /;
    const before = await scrape();
    expect(before).toContain("# TYPE slackline_http_requests_total counter");
    expect((await post("x1", isolates[0])).body).toBe("ok");
    expect((await post("x2", isolates[1])).body).toBe("ok");
    expect((await post("x3", isolates[1])).body).toBe("ok");
    const after = await scrape();
    // Both isolates' requests, in one answer.
    expect(value(after, hooks) - value(before, hooks)).toBe(3);
    // The room object's deliveries are summed in (it pushes its first count at once).
    expect(value(after, delivered)).toBeGreaterThan(value(before, delivered));
    expect(await texts(fake)).toEqual(["x1", "x2", "x3"]);
  });
});
