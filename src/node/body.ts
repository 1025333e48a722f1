/**
 * Node: a stream's bytes, at most `limit`, for both ends of slackline's HTTP: a webhook's body
 * (node:http) and an answer to slackline's own request (undici). An excess, declared or read, is
 * refused without reading further; what happens to the rest is the caller's: a server still
 * answers 413 (and closes the connection), a client drops the body.
 */
import type { Readable } from "node:stream";
import type { Result } from "../result.ts";
import type { BodyError } from "../http/body.ts";

export function readStreamLimited(
  stream: Readable,
  limit: number,
  declaredLength: string | string[] | undefined,
): Promise<Result<Uint8Array, BodyError>> {
  if (Number(declaredLength) > limit) return Promise.resolve({ ok: false, error: "request_too_large" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stream.off("data", onData).off("end", onEnd).pause();
      resolve({ ok: false, error: "request_too_large" });
    };
    const onEnd = () => resolve({ ok: true, value: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    // The other side went away, or a timeout aborted the read, mid-body.
    stream
      .on("data", onData)
      .on("end", onEnd)
      .once("error", () => resolve({ ok: false, error: "invalid_payload" }));
  });
}
