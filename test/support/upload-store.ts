/**
 * The rules every UploadStore keeps (src/webapi/files.ts): in memory on Node, in the STATE
 * Durable Object on Workers. Each store's suite runs this on a fresh store.
 */
import { expect } from "vitest";
import type { UploadStore } from "../../src/webapi/files.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** An upload goes to its bot only, once; one upload per id; completing first uses the id up. */
export async function expectOneUploadPerId(store: UploadStore): Promise<void> {
  const file = await store.create("ci", "a.txt", 3);
  expect(file.id).toMatch(/^F[A-Z0-9]+$/);
  expect(await store.pending(file.id)).toEqual(file);
  expect(await store.attach(file.id, text("abcd"))).toBe(false);
  expect(await store.attach(file.id, text("abc"))).toBe(true);
  expect(await store.pending(file.id)).toBeUndefined();
  expect(await store.attach(file.id, text("xyz"))).toBe(false);
  expect(await store.take(file.id, "other-bot")).toBeUndefined();
  const taken = await store.take(file.id, "ci");
  expect(taken).toMatchObject({ id: file.id, name: "a.txt", length: 3 });
  expect(new TextDecoder().decode(taken!.bytes)).toBe("abc");
  expect(await store.take(file.id, "ci")).toBeUndefined();
  const early = await store.create("ci", "b.txt", 3);
  expect(await store.take(early.id, "ci")).toBeUndefined();
  expect(await store.attach(early.id, text("abc"))).toBe(false);
}
