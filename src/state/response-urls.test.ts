import { describe, expect, it } from "vitest";
import type { ReplyOrigin } from "./response-urls.ts";
import { MemoryResponseUrlStore, newResponseUrlId, RESPONSE_URL_TTL_MS } from "./response-urls.ts";

const origin: ReplyOrigin = { source: "deploy", rid: "GENERAL", messageId: "m1", userName: "alice" };

describe("response_url ids", () => {
  it("are 144 random bits, URL-safe, and do not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, newResponseUrlId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});

describe("MemoryResponseUrlStore", () => {
  it("answers the origin 5 times, then used", async () => {
    const store = new MemoryResponseUrlStore();
    const id = await store.create(origin);
    for (let i = 0; i < 5; i++) expect(await store.use(id)).toEqual(origin);
    expect(await store.use(id)).toBe("used");
    expect(await store.use("nope")).toBe("unknown");
  });

  it("expires after 30 minutes by the injected clock, and forgets later", async () => {
    let now = 1_000_000;
    const store = new MemoryResponseUrlStore({ now: () => now });
    const id = await store.create(origin);
    now += RESPONSE_URL_TTL_MS - 1;
    expect(await store.use(id)).toEqual(origin);
    now += 1;
    expect(await store.use(id)).toBe("expired");
    now += 2 * RESPONSE_URL_TTL_MS;
    await store.create(origin);
    expect(await store.use(id)).toBe("unknown");
  });

  it("keeps its own copy of the origin", async () => {
    const store = new MemoryResponseUrlStore();
    const mine = { ...origin };
    const id = await store.create(mine);
    Object.assign(mine, { userName: "mallory" });
    const got = await store.use(id);
    expect(got).toEqual(origin);
  });

  it("drops the oldest past its size cap", async () => {
    const store = new MemoryResponseUrlStore({ maxEntries: 2 });
    const first = await store.create(origin);
    await store.create(origin);
    await store.create(origin);
    expect(await store.use(first)).toBe("unknown");
  });
});
