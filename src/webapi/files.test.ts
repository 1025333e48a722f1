import { describe, expect, it } from "vitest";
import { expectOneUploadPerId } from "../../test/support/upload-store.ts";
import { MAX_PENDING_UPLOADS, MemoryUploadStore, UPLOAD_TTL_MS } from "./files.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** The same rules as DurableUploadStore (test/workers/uploads.workers.test.ts). */
describe("MemoryUploadStore", () => {
  it("gives an upload to its bot only, once, and takes one upload per id", async () => {
    const store = new MemoryUploadStore();
    await expectOneUploadPerId(store);
  });

  it("forgets an upload 10 minutes after it was asked for", async () => {
    let clock = 1_000;
    const store = new MemoryUploadStore({ now: () => clock });
    const waiting = await store.create("ci", "late.txt", 5);
    const uploaded = await store.create("ci", "done.txt", 5);
    expect(await store.attach(uploaded.id, text("hello"))).toBe(true);
    clock += UPLOAD_TTL_MS - 1;
    expect(await store.pending(waiting.id)).toEqual(waiting);
    clock += 1;
    expect(await store.pending(waiting.id)).toBeUndefined();
    expect(await store.attach(waiting.id, text("hello"))).toBe(false);
    expect(await store.take(uploaded.id, "ci")).toBeUndefined();
  });

  it(`keeps at most ${MAX_PENDING_UPLOADS} uploads: the oldest go first`, async () => {
    const store = new MemoryUploadStore();
    const first = await store.create("ci", "0.txt", 1);
    for (let i = 1; i <= MAX_PENDING_UPLOADS; i++) await store.create("ci", `${i}.txt`, 1);
    expect(await store.pending(first.id)).toBeUndefined();
  });
});
