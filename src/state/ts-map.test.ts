import { describe, expect, it } from "vitest";
import { MemoryTsStore, mintTs, threadLookup } from "./ts-map.ts";
describe("MemoryTsStore", () => {
  const ref = (n: number) => ({ rid: `room${n}`, messageId: `msg${n}` });

  it("stores and returns refs", async () => {
    const store = new MemoryTsStore();
    await store.put("1.000001", ref(1));
    expect(await store.get("1.000001")).toEqual(ref(1));
    expect(await store.get("2.000000")).toBeUndefined();
  });

  it("forgets entries after the TTL, by the injected clock", async () => {
    let now = 1_000;
    const store = new MemoryTsStore({ ttlMs: 500, now: () => now });
    await store.put("a", ref(1));
    now = 1_499;
    expect(await store.get("a")).toEqual(ref(1));
    now = 1_500;
    expect(await store.get("a")).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("evicts the least recently used entry past the size cap", async () => {
    const store = new MemoryTsStore({ maxEntries: 2, now: () => 0 });
    await store.put("a", ref(1));
    await store.put("b", ref(2));
    await store.get("a"); // a is now the most recent
    await store.put("c", ref(3));
    expect(store.size).toBe(2);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toEqual(ref(1));
    expect(await store.get("c")).toEqual(ref(3));
  });

  it("overwriting refreshes the entry and its TTL", async () => {
    let now = 0;
    const store = new MemoryTsStore({ ttlMs: 100, now: () => now });
    await store.put("a", ref(1));
    now = 90;
    await store.put("a", ref(2));
    now = 150;
    expect(await store.get("a")).toEqual(ref(2));
    expect(store.size).toBe(1);
  });

  it("returns copies, not its own objects", async () => {
    const store = new MemoryTsStore();
    const r = ref(1);
    await store.put("a", r);
    r.rid = "changed";
    const got = await store.get("a");
    expect(got).toEqual(ref(1));
    if (got) got.rid = "changed again";
    expect(await store.get("a")).toEqual(ref(1));
  });
});

describe("MemoryTsStore, reverse lookups", () => {
  const ref = (n: number) => ({ rid: `room${n}`, messageId: `msg${n}` });
  it("finds the ts of a message id", async () => {
    const store = new MemoryTsStore();
    await store.put("1.000001", ref(1));
    expect(await store.tsFor("msg1")).toBe("1.000001");
    expect(await store.tsFor("msg2")).toBeUndefined();
  });
  it("forgets the reverse entry with the forward one (TTL, eviction, overwrite)", async () => {
    let now = 0;
    const store = new MemoryTsStore({ ttlMs: 100, maxEntries: 2, now: () => now });
    await store.put("a", ref(1));
    now = 100;
    expect(await store.tsFor("msg1")).toBeUndefined();
    await store.put("b", ref(2));
    await store.put("c", ref(3));
    await store.put("d", ref(4));
    expect(await store.tsFor("msg2")).toBeUndefined();
    expect(await store.tsFor("msg4")).toBe("d");
    await store.put("d", ref(5));
    expect(await store.tsFor("msg4")).toBeUndefined();
    expect(await store.tsFor("msg5")).toBe("d");
  });
});

describe("mintTs", () => {
  const at = "2024-11-22T08:00:00.123Z";
  it("stores the message's ts and answers the same one again", async () => {
    const store = new MemoryTsStore();
    const ts = await mintTs(store, at, { rid: "R", messageId: "m1" });
    expect(ts).toBe("1732262400.123000");
    expect(await store.get(ts)).toEqual({ rid: "R", messageId: "m1" });
    expect(await mintTs(store, new Date(0), { rid: "R", messageId: "m1" })).toBe(ts);
  });
  it("gives a second message of the same millisecond the next seq, in any room", async () => {
    const store = new MemoryTsStore();
    await mintTs(store, at, { rid: "R", messageId: "m1" });
    expect(await mintTs(store, at, { rid: "S", messageId: "m2" })).toBe("1732262400.123001");
    expect(await mintTs(store, at, { rid: "R", messageId: "m3" })).toBe("1732262400.123002");
  });
  it("backs delivery's thread lookup", async () => {
    const store = new MemoryTsStore();
    const ts = await mintTs(store, at, { rid: "R", messageId: "root" });
    const threads = threadLookup(store);
    expect(await threads.tmidFor(ts)).toBe("root");
    expect(await threads.tmidFor("1.000000")).toBeUndefined();
  });
});
