/**
 * Node: a stream's bytes, at most `limit`, for both ends of slackline's HTTP: a webhook's body
 * (node:http) and an answer to slackline's own request (undici). An excess, declared or read, is
 * refused without reading further; what happens to the rest is the caller's: a server still
 * answers 413 (and closes the connection), a client drops the body.
 */
import type { Readable } from "node:stream";
import type { Result } from "../result.ts";
import type { BodyError } from "../http/body.ts";

/** A body's chunks, kept while they stay within a limit: the one rule of both readers here. */
export class LimitedChunks {
  #chunks: Buffer[] = [];
  #size = 0;
  #limit: number;

  constructor(limit = Infinity) {
    this.#limit = limit;
  }

  /** A declared length already over `limit` refuses the body unread. */
  static refused(limit: number, declaredLength: string | string[] | undefined): boolean {
    return Number(declaredLength) > limit;
  }

  /** False once the chunks passed the limit (they are dropped then). */
  get within(): boolean {
    return this.#size <= this.#limit;
  }

  /** A limit set once chunks may have arrived; false when they are already over it. */
  limitTo(limit: number): boolean {
    this.#limit = limit;
    if (!this.within) this.#chunks = [];
    return this.within;
  }

  /** False when this chunk takes the body over the limit. */
  add(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (!this.within) {
      this.#chunks = [];
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  get bytes(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
  }
}

export function readStreamLimited(
  stream: Readable,
  limit: number,
  declaredLength: string | string[] | undefined,
): Promise<Result<Uint8Array, BodyError>> {
  if (LimitedChunks.refused(limit, declaredLength)) return Promise.resolve({ ok: false, error: "request_too_large" });
  return new Promise((resolve) => {
    const chunks = new LimitedChunks(limit);
    const onData = (chunk: Buffer) => {
      if (chunks.add(chunk)) return;
      stream.off("data", onData).off("end", onEnd).pause();
      resolve({ ok: false, error: "request_too_large" });
    };
    const onEnd = () => resolve({ ok: true, value: chunks.bytes });
    // The other side went away, or a timeout aborted the read, mid-body.
    stream
      .on("data", onData)
      .on("end", onEnd)
      .once("error", () => resolve({ ok: false, error: "invalid_payload" }));
  });
}
