/**
 * The one HTTP client interface slackline's I/O goes through (Rocket.Chat, bots).
 * Node wires an undici pool behind it; Workers use the platform `fetch`.
 */
import type { Result } from "../result.ts";
import { readLimited, type BodyError } from "./body.ts";

export type Upstream = (input: string, init: RequestInit & { timeoutMs?: number }) => Promise<UpstreamResponse>;

/**
 * An answer, read once. Leaner than a `Response`: on Node it sits directly on undici's body stream.
 * A read that outlives the call's `timeoutMs` fails with fetch's `TimeoutError`.
 */
export interface UpstreamResponse {
  readonly status: number;
  /** A header by lower-case name, as `Headers.get` has it (repeated values joined by ", "), or null. */
  header(name: string): string | null;
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
  /** The whole body, refused past `limit` bytes; `invalid_payload` when it fails mid-way. */
  bytes(limit: number): Promise<Result<Uint8Array, BodyError>>;
  /** Drop the body unread (frees the connection); never fails. */
  discard(): Promise<void>;
}

/** A fetch `Response` as an {@link UpstreamResponse}. */
export function fromResponse(res: Response): UpstreamResponse {
  return {
    status: res.status,
    header: (name) => res.headers.get(name),
    text: () => res.text(),
    bytes: (limit) => readLimited(res, limit),
    discard: async () => {
      await res.body?.cancel().catch(() => {});
    },
  };
}
