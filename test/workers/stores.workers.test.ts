/**
 * The relay's stores on the STATE Durable Object (SQLite), inside workerd: `response_url`
 * valid 30 minutes and 5 uses, the ts ↔ message map, shared by every store (isolate) of a
 * deployment and kept across the object's eviction.
 */
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintTs, threadLookup } from "../../src/state/ts-map.ts";
import { toSlackTs } from "../../src/slack/ids.ts";
import type { ReplyOrigin } from "../../src/state/response-urls.ts";
import { RESPONSE_URL_TTL_MS } from "../../src/state/response-urls.ts";
import { TS_TTL_MS } from "../../src/workers/state.ts";
import { DurableResponseUrlStore, DurableTsStore } from "../../src/workers/stores.ts";
import { testEnv } from "./support.ts";

const state = testEnv.STATE!;
const origin: ReplyOrigin = { source: "deploy", rid: "GENERAL", messageId: "m1", userName: "alice", tmid: "root1" };

/** Each test its own object, so tests do not see each other's rows. */
let n = 0;
const named = () => `test-${++n}-${crypto.randomUUID()}`;

describe("DurableResponseUrlStore", () => {
  it("answers the origin 5 times, then used", async () => {
    let clock = Date.now();
    const store = new DurableResponseUrlStore(state, { now: () => clock, name: named() });
    const id = await store.create(origin);
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      expect(await store.use(id)).toEqual(origin);
    }
    expect(await store.use(id)).toBe("used");
    expect(await store.use(id)).toBe("used");
  });

  it("expires 30 minutes after its creation, and tells expired from unknown", async () => {
    let clock = Date.now();
    const store = new DurableResponseUrlStore(state, { now: () => clock, name: named() });
    const id = await store.create(origin);
    clock += RESPONSE_URL_TTL_MS - 1;
    expect(await store.use(id)).toEqual(origin);
    clock += 1;
    expect(await store.use(id)).toBe("expired");
    expect(await store.use("AAAAAAAAAAAAAAAAAAAAAAAA")).toBe("unknown");
  });

  it("counts uses across stores (isolates) and survives the object's eviction", async () => {
    const name = named();
    const a = new DurableResponseUrlStore(state, { name });
    const b = new DurableResponseUrlStore(state, { name });
    const id = await a.create(origin);
    expect(await a.use(id)).toEqual(origin);
    expect(await b.use(id)).toEqual(origin);
    await evictAllDurableObjects();
    expect(await b.use(id)).toEqual(origin);
    expect(await a.use(id)).toEqual(origin);
    expect(await b.use(id)).toEqual(origin);
    expect(await a.use(id)).toBe("used");
  });

  it("answers five concurrent uses of six", async () => {
    const store = new DurableResponseUrlStore(state, { name: named() });
    const id = await store.create(origin);
    const uses = await Promise.all(Array.from({ length: 6 }, () => store.use(id)));
    expect(uses.filter((u) => typeof u === "object")).toHaveLength(5);
    expect(uses.filter((u) => u === "used")).toHaveLength(1);
  });

  it("keeps its rows in the object's SQLite", async () => {
    const name = named();
    await new DurableResponseUrlStore(state, { name }).create(origin);
    const rows = await runInDurableObject(
      state.get(state.idFromName(name)),
      (_instance, ctx) => ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM response_urls").one().n,
    );
    expect(rows).toBe(1);
  });
});

describe("DurableTsStore", () => {
  it("maps ts ↔ message both ways, and a ts taken by another message moves to it", async () => {
    const store = new DurableTsStore(state, { name: named() });
    await store.put("1700000000.000100", { rid: "R1", messageId: "M1" });
    expect(await store.get("1700000000.000100")).toEqual({ rid: "R1", messageId: "M1" });
    expect(await store.tsFor("M1")).toBe("1700000000.000100");
    expect(await store.get("1700000000.000200")).toBeUndefined();
    await store.put("1700000000.000100", { rid: "R2", messageId: "M2" });
    expect(await store.tsFor("M1")).toBeUndefined();
    expect(await store.tsFor("M2")).toBe("1700000000.000100");
    expect(await threadLookup(store).tmidFor("1700000000.000100")).toBe("M2");
  });

  it("mints distinct ts values for messages of the same millisecond, stably", async () => {
    const store = new DurableTsStore(state, { name: named() });
    const at = "2024-05-01T12:00:00.123Z";
    const first = await mintTs(store, at, { rid: "R", messageId: "A" });
    const second = await mintTs(store, at, { rid: "R", messageId: "B" });
    expect(first).toBe(toSlackTs(at, 0));
    expect(second).toBe(toSlackTs(at, 1));
    expect(await mintTs(store, at, { rid: "R", messageId: "A" })).toBe(first);
  });

  it("forgets a mapping after its TTL, and keeps it for another store of the deployment", async () => {
    const name = named();
    let clock = Date.now();
    const store = new DurableTsStore(state, { now: () => clock, name });
    await store.put("1700000000.000300", { rid: "R", messageId: "M3" });
    expect(await new DurableTsStore(state, { name }).tsFor("M3")).toBe("1700000000.000300");
    clock += TS_TTL_MS;
    expect(await store.get("1700000000.000300")).toBeUndefined();
    expect(await store.tsFor("M3")).toBeUndefined();
  });
});
