/**
 * The outgoing relay's stores, and the Web API's pending uploads, on the `STATE` Durable Object:
 * the same interfaces as the in-memory ones (`TsStore`, `ResponseUrlStore`, `UploadStore`), one
 * RPC per call (per chunk of a file's bytes). A stub is made per call:
 * stubs are cheap, and one made in a request's context is not to be used from another's.
 */
import type { TsRef, TsStore } from "../state/ts-map.ts";
import type { ReplyOrigin } from "../state/response-urls.ts";
import type { ResponseUrlStore, ResponseUrlUse } from "../state/response-urls.ts";
import { SEEN_TTL_MS, type SeenEvents } from "../state/seen.ts";
import { newFileId, UPLOAD_TTL_MS, type PendingFile, type UploadedFile, type UploadStore } from "../webapi/files.ts";
import type { SlacklineState } from "./state.ts";

/** Bytes per stored chunk: a Durable Object SQLite row holds at most 2 MB (docs/workers.md §4.3). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

export interface DurableStoreOptions {
  /** Clock in epoch ms, passed to the object with every call (tests move it). */
  readonly now?: () => number;
  /** The object's name; one object holds the state of a deployment. Default "slackline". */
  readonly name?: string;
}

abstract class OnState {
  readonly #namespace: DurableObjectNamespace<SlacklineState>;
  readonly #name: string;
  protected readonly now: () => number;

  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions) {
    this.#namespace = namespace;
    this.#name = opts.name ?? "slackline";
    this.now = opts.now ?? Date.now;
  }

  protected stub(): DurableObjectStub<SlacklineState> {
    return this.#namespace.get(this.#namespace.idFromName(this.#name));
  }
}

export class DurableResponseUrlStore extends OnState implements ResponseUrlStore {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  create(origin: ReplyOrigin): Promise<string> {
    return this.stub().createResponseUrl(origin, this.now());
  }

  async use(id: string): Promise<ResponseUrlUse> {
    return (await this.stub().useResponseUrl(id, this.now())) as ResponseUrlUse;
  }
}

export class DurableTsStore extends OnState implements TsStore {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  async put(ts: string, ref: TsRef): Promise<void> {
    await this.stub().putTs(ts, { rid: ref.rid, messageId: ref.messageId }, this.now());
  }

  async get(ts: string): Promise<TsRef | undefined> {
    return this.stub().getTs(ts, this.now());
  }

  async tsFor(messageId: string): Promise<string | undefined> {
    return this.stub().tsFor(messageId, this.now());
  }
}

export class DurableSeenEvents extends OnState implements SeenEvents {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  firstSight(key: string): Promise<boolean> {
    return this.stub().firstSightOfEvent(key, this.now(), SEEN_TTL_MS);
  }
}

/**
 * Pending uploads in the object's SQLite: the metadata in one row, the bytes in rows of
 * {@link UPLOAD_CHUNK_BYTES}, one RPC each way per chunk (a copy: an RPC clones a view's whole
 * buffer), so no row and no RPC message is large.
 */
export class DurableUploadStore extends OnState implements UploadStore {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  async create(bot: string, name: string, length: number): Promise<PendingFile> {
    const now = this.now();
    const file: PendingFile = { id: newFileId(), bot, name, length, expiresAt: now + UPLOAD_TTL_MS };
    await this.stub().createUpload(file, now);
    return file;
  }

  async pending(id: string): Promise<PendingFile | undefined> {
    return this.stub().pendingUpload(id, this.now());
  }

  async attach(id: string, bytes: Uint8Array): Promise<boolean> {
    const state = this.stub();
    if (!(await state.beginUpload(id, bytes.byteLength, this.now()))) return false;
    let n = 0;
    for (let at = 0; at < bytes.byteLength; at += UPLOAD_CHUNK_BYTES, n++)
      if (!(await state.putUploadChunk(id, n, bytes.slice(at, at + UPLOAD_CHUNK_BYTES)))) return false;
    return state.finishUpload(id, bytes.byteLength, n, this.now());
  }

  async take(id: string, bot: string): Promise<UploadedFile | undefined> {
    const state = this.stub();
    const taken = await state.takeUpload(id, bot, this.now());
    if (taken === undefined) return undefined;
    try {
      const bytes = new Uint8Array(taken.size);
      for (let n = 0, at = 0; n < taken.chunks; n++) {
        const chunk = await state.uploadChunk(id, n);
        if (chunk === undefined) return undefined;
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      const { size: _, chunks: __, ...file } = taken;
      return { ...file, bytes };
    } finally {
      await state.deleteUpload(id);
    }
  }
}
