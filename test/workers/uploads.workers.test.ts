/**
 * `files.getUploadURLExternal` → upload → `files.completeUploadExternal` (what `filesUploadV2`
 * does) on the Worker, each call on another isolate (`createWorker()`: its own gateways, nothing
 * shared in memory): the file waits in the STATE Durable Object, its bytes in chunks of rows, and
 * lands in the fake Rocket.Chat's room with its comment. Then the store itself, on a moved clock:
 * expiry, one upload per id, and no chunk left behind.
 */
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectOneUploadPerId } from "../support/upload-store.ts";
import { toSlackChannelId } from "../../src/slack/ids.ts";
import { MAX_FILE_BYTES, MAX_PENDING_UPLOADS, UPLOAD_TTL_MS } from "../../src/webapi/files.ts";
import { createWorker } from "../../src/workers/entry.ts";
import type { WorkerEnv } from "../../src/workers/env.ts";
import { DurableUploadStore, UPLOAD_CHUNK_BYTES } from "../../src/workers/stores.ts";
import { remoteFake } from "../contract/remote.ts";
import { testEnv } from "./support.ts";

const TOKEN = "xoxb-worker-upload-token-0001";
const state = testEnv.STATE!;

let n = 0;
const named = () => `uploads-${++n}-${crypto.randomUUID()}`;

/** Random bytes (getRandomValues fills at most 64 KiB at a time). */
function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

const sha256 = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

const text = (s: string) => new TextEncoder().encode(s);

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const chunkRows = (name: string) =>
  runInDurableObject(
    state.get(state.idFromName(name)),
    (_instance, ctx) => ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM upload_chunks").one().n,
  );

async function setUp() {
  const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
  await fake.addRoom({ name: "ops", id: "OPS" });
  const config = JSON.stringify({
    rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken },
    bots: [{ name: "ci", token: TOKEN, channels: ["#ops"] }],
  });
  const env = { ...testEnv, SLACKLINE_CONFIG: config } as WorkerEnv;
  const isolates = [createWorker(), createWorker(), createWorker()];
  const call = async (isolate: number, request: Request) => {
    const ctx = createExecutionContext();
    const res = await isolates[isolate]!.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
  const api = async (isolate: number, method: string, body: Record<string, unknown>) => {
    const res = await call(
      isolate,
      new Request(`http://localhost/api/${method}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
      }),
    );
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const upload = async (isolate: number, url: string, body: BodyInit) => {
    const res = await call(isolate, new Request(url, { method: "POST", body }));
    return { status: res.status, text: await res.text() };
  };
  return { fake, api, upload };
}

describe("filesUploadV2's three calls on three isolates", () => {
  it("posts the file into the room with its comment, the bytes as uploaded (multipart)", async () => {
    const { fake, api, upload } = await setUp();
    const bytes = text("a,b\n1,2\n");
    const url = await api(0, "files.getUploadURLExternal", { filename: "report.csv", length: bytes.byteLength });
    expect(url).toMatchObject({ ok: true, file_id: expect.stringMatching(/^F[A-Z0-9]+$/) });
    expect(url["upload_url"]).toBe(`http://localhost/api/upload/${url["file_id"]}`);

    const form = new FormData();
    form.append("file", new Blob([bytes]), "report.csv");
    expect(await upload(1, String(url["upload_url"]), form)).toEqual({ status: 200, text: "OK - 8" });
    // An upload URL takes one upload.
    expect(await upload(0, String(url["upload_url"]), "again")).toEqual({ status: 404, text: "file_not_found" });

    const done = await api(2, "files.completeUploadExternal", {
      files: [{ id: url["file_id"], title: "Report" }],
      channel_id: toSlackChannelId("OPS"),
      initial_comment: "Here is the *report*",
    });
    expect(done).toMatchObject({ ok: true, files: [{ id: url["file_id"], name: "report.csv", title: "Report" }] });
    const uploads = await fake.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ rid: "OPS", name: "report.csv", confirmed: true });
    expect(new TextDecoder().decode(fromBase64(uploads[0]!.base64))).toBe("a,b\n1,2\n");
    const [message] = await fake.messages("ops");
    expect(message).toMatchObject({ msg: "Here is the *report*" });
    expect(message!.attachments?.[0]).toMatchObject({ title: "report.csv", description: "Report" });

    // Completed: the id is used up, wherever the next call lands.
    const again = { files: [{ id: url["file_id"] }], channel_id: toSlackChannelId("OPS") };
    expect(await api(1, "files.completeUploadExternal", again)).toEqual({ ok: false, error: "file_not_found" });
    expect(await chunkRows("slackline")).toBe(0);
  });

  it("carries a file of several chunks byte for byte (raw body)", async () => {
    const { fake, api, upload } = await setUp();
    const bytes = randomBytes(2 * UPLOAD_CHUNK_BYTES + 12345);
    const url = await api(2, "files.getUploadURLExternal", { filename: "dump.bin", length: bytes.byteLength });
    expect(url["ok"]).toBe(true);
    const uploaded = await upload(0, String(url["upload_url"]), bytes);
    expect(uploaded).toEqual({ status: 200, text: `OK - ${bytes.byteLength}` });
    const done = await api(1, "files.completeUploadExternal", {
      files: [{ id: url["file_id"] }],
      channel_id: toSlackChannelId("OPS"),
      initial_comment: "the dump",
    });
    expect(done).toMatchObject({ ok: true, files: [{ size: bytes.byteLength }] });
    const [stored] = await fake.uploads();
    const received = fromBase64(stored!.base64);
    expect(received.byteLength).toBe(bytes.byteLength);
    expect(await sha256(received)).toBe(await sha256(bytes));
    expect((await fake.messages("ops"))[0]).toMatchObject({ msg: "the dump" });
    expect(await chunkRows("slackline")).toBe(0);
  });

  it("answers an unknown upload id, an oversized upload and an oversized file as on Node", async () => {
    const { fake, api, upload } = await setUp();
    expect(await upload(1, "http://localhost/api/upload/FNOSUCHUPLOAD0000", "x")).toEqual({
      status: 404,
      text: "file_not_found",
    });
    const done = await api(2, "files.completeUploadExternal", {
      files: [{ id: "FNOSUCHUPLOAD0000" }],
      channel_id: toSlackChannelId("OPS"),
    });
    expect(done).toEqual({ ok: false, error: "file_not_found" });
    // More than announced: refused, and the upload still waits for its bytes.
    const url = await api(0, "files.getUploadURLExternal", { filename: "a.txt", length: 3 });
    expect(await upload(1, String(url["upload_url"]), "four")).toEqual({ status: 413, text: "request_too_large" });
    expect(await upload(2, String(url["upload_url"]), "abc")).toEqual({ status: 200, text: "OK - 3" });
    expect(await fake.uploads()).toEqual([]);
    // The 20 MiB limit, as on Node.
    const big = { filename: "big.bin", length: MAX_FILE_BYTES + 1 };
    expect(await api(1, "files.getUploadURLExternal", big)).toEqual({ ok: false, error: "file_too_large" });
  });
});

describe("DurableUploadStore", () => {
  it("forgets an upload 10 minutes after it was asked for, bytes included", async () => {
    const name = named();
    let clock = Date.now();
    const store = new DurableUploadStore(state, { now: () => clock, name });
    const waiting = await store.create("ci", "late.txt", 5);
    const uploaded = await store.create("ci", "done.txt", 5);
    expect(await store.attach(uploaded.id, text("hello"))).toBe(true);
    expect(await chunkRows(name)).toBe(1);
    clock += UPLOAD_TTL_MS;
    expect(await store.pending(waiting.id)).toBeUndefined();
    expect(await store.attach(waiting.id, text("hello"))).toBe(false);
    expect(await store.take(uploaded.id, "ci")).toBeUndefined();
    // The next upload sweeps what expired.
    await store.create("ci", "next.txt", 5);
    expect(await chunkRows(name)).toBe(0);
  });

  it("sweeps expired bytes on its alarm, with no further upload", async () => {
    const name = named();
    let clock = Date.now() - UPLOAD_TTL_MS;
    const store = new DurableUploadStore(state, { now: () => clock, name });
    const file = await store.create("ci", "old.bin", 3 * UPLOAD_CHUNK_BYTES);
    expect(await store.attach(file.id, randomBytes(3 * UPLOAD_CHUNK_BYTES))).toBe(true);
    expect(await chunkRows(name)).toBe(3);
    clock = Date.now();
    expect(await runDurableObjectAlarm(state.get(state.idFromName(name)))).toBe(true);
    expect(await chunkRows(name)).toBe(0);
  });

  it("gives an upload to its bot only, once, and takes one upload per id", async () => {
    const name = named();
    const store = new DurableUploadStore(state, { name });
    await expectOneUploadPerId(store);
  });

  it(`keeps at most ${MAX_PENDING_UPLOADS} uploads: the oldest go first, with their bytes`, async () => {
    const name = named();
    let clock = Date.now();
    const store = new DurableUploadStore(state, { now: () => clock, name });
    const first = await store.create("ci", "0.txt", 1);
    expect(await store.attach(first.id, text("a"))).toBe(true);
    for (let i = 1; i <= MAX_PENDING_UPLOADS; i++) {
      clock += 1;
      await store.create("ci", `${i}.txt`, 1);
    }
    expect(await store.take(first.id, "ci")).toBeUndefined();
    expect(await chunkRows(name)).toBe(0);
  });
});
