/**
 * Files on their way in through `files.getUploadURLExternal` → upload → `files.completeUploadExternal`
 * (what `filesUploadV2` does). Between the three calls the file waits in an {@link UploadStore},
 * at most {@link UPLOAD_TTL_MS} and {@link MAX_FILE_BYTES} each: in memory per process on Node,
 * in the `STATE` Durable Object on Workers, where the three calls may reach three isolates
 * (docs/web-api.md).
 */
import { newMessageId } from "../rocketchat/ids.ts";
import { dropOldest } from "../bounded-map.ts";

export const UPLOAD_TTL_MS = 10 * 60 * 1000;
/** Largest file accepted (Rocket.Chat's own default limit is 100 MB; this bounds memory). */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Most uploads waiting at once; the oldest go first. */
export const MAX_PENDING_UPLOADS = 100;

export interface PendingFile {
  readonly id: string;
  /** The bot that asked for it: only it may complete it. */
  readonly bot: string;
  readonly name: string;
  /** The length announced; the upload must not exceed it. */
  readonly length: number;
  readonly expiresAt: number;
}

export interface UploadedFile extends PendingFile {
  readonly bytes: Uint8Array;
}

/** Pending uploads, async so a durable store (Workers) can stand behind it. */
export interface UploadStore {
  /** A new pending upload for `bot`; its id is the upload URL's secret. */
  create(bot: string, name: string, length: number): Promise<PendingFile>;
  /** The upload awaiting its bytes: known, not expired, not uploaded yet. */
  pending(id: string): Promise<PendingFile | undefined>;
  /** Stores the bytes of a pending upload; false when it is not pending (any more) or they are longer than announced. */
  attach(id: string, bytes: Uint8Array): Promise<boolean>;
  /**
   * Completes an upload of `bot`: removes it, and answers it with its bytes (undefined when
   * unknown, expired, another bot's, or not uploaded yet; the id is used up all the same).
   */
  take(id: string, bot: string): Promise<UploadedFile | undefined>;
}

/** `F` + a random id: Slack's file id shape, unguessable as the upload URL's secret. */
export function newFileId(): string {
  return "F" + newMessageId().toUpperCase() + newMessageId().toUpperCase();
}

/** Per process (per isolate on Workers without `STATE`). */
export class MemoryUploadStore implements UploadStore {
  readonly #files = new Map<string, PendingFile & { bytes?: Uint8Array }>();
  readonly #now: () => number;

  constructor(opts: { readonly now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async create(bot: string, name: string, length: number): Promise<PendingFile> {
    const now = this.#now();
    for (const [id, file] of this.#files) if (file.expiresAt <= now) this.#files.delete(id);
    const file: PendingFile = { id: newFileId(), bot, name, length, expiresAt: now + UPLOAD_TTL_MS };
    this.#files.set(file.id, { ...file });
    dropOldest(this.#files, MAX_PENDING_UPLOADS);
    return file;
  }

  #live(id: string): (PendingFile & { bytes?: Uint8Array }) | undefined {
    const file = this.#files.get(id);
    return file !== undefined && file.expiresAt > this.#now() ? file : undefined;
  }

  async pending(id: string): Promise<PendingFile | undefined> {
    const file = this.#live(id);
    if (file === undefined || file.bytes !== undefined) return undefined;
    const { bytes: _, ...meta } = file;
    return meta;
  }

  async attach(id: string, bytes: Uint8Array): Promise<boolean> {
    const file = this.#live(id);
    if (file === undefined || file.bytes !== undefined || bytes.byteLength > file.length) return false;
    file.bytes = bytes;
    return true;
  }

  async take(id: string, bot: string): Promise<UploadedFile | undefined> {
    const file = this.#live(id);
    if (file === undefined || file.bot !== bot) return undefined;
    this.#files.delete(id);
    return file.bytes === undefined ? undefined : (file as UploadedFile);
  }
}

/** Slack's file object for a file posted (or only uploaded) by slackline. */
export function fileObject(
  file: PendingFile,
  title: string,
  mimetype: string,
  channel?: string,
): Record<string, unknown> {
  const ext = file.name.includes(".") ? file.name.split(".").pop()! : "";
  return {
    id: file.id,
    name: file.name,
    title,
    mimetype,
    filetype: ext,
    size: file.length,
    is_external: false,
    channels: channel === undefined ? [] : [channel],
  };
}
