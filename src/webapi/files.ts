/**
 * Files on their way in through `files.getUploadURLExternal` → upload → `files.completeUploadExternal`
 * (what `filesUploadV2` does). The bytes wait in memory between the upload and the completion,
 * at most {@link UPLOAD_TTL_MS} and {@link MAX_FILE_BYTES} each: per process on Node, per isolate
 * on Workers (docs/web-api.md says so).
 */
import { newMessageId } from "../rocketchat/ids.ts";

export const UPLOAD_TTL_MS = 10 * 60 * 1000;
/** Largest file accepted (Rocket.Chat's own default limit is 100 MB; this bounds memory). */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
const MAX_PENDING = 100;

export interface PendingFile {
  readonly id: string;
  /** The bot that asked for it: only it may complete it. */
  readonly bot: string;
  readonly name: string;
  /** The length announced; the upload must not exceed it. */
  readonly length: number;
  bytes?: Uint8Array;
  readonly expiresAt: number;
}

export class FileUploads {
  readonly maxBytes = MAX_FILE_BYTES;
  readonly #files = new Map<string, PendingFile>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** `F` + a random id: Slack's file id shape, unguessable as the upload URL's secret. */
  newId(): string {
    return "F" + newMessageId().toUpperCase() + newMessageId().toUpperCase();
  }

  create(bot: string, name: string, length: number): PendingFile {
    this.#sweep();
    const file: PendingFile = { id: this.newId(), bot, name, length, expiresAt: this.#now() + UPLOAD_TTL_MS };
    this.#files.set(file.id, file);
    while (this.#files.size > MAX_PENDING) this.#files.delete(this.#files.keys().next().value!);
    return file;
  }

  /** The file awaiting its bytes, if the id is known and not expired. */
  pending(id: string): PendingFile | undefined {
    const file = this.#files.get(id);
    return file !== undefined && file.expiresAt > this.#now() ? file : undefined;
  }

  /** Removes and returns an uploaded file of `bot`. */
  take(id: string, bot: string): PendingFile | undefined {
    const file = this.pending(id);
    if (file === undefined || file.bot !== bot) return undefined;
    this.#files.delete(id);
    return file;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, file] of this.#files) if (file.expiresAt <= now) this.#files.delete(id);
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
