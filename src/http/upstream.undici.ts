/**
 * Node: undici with a keep-alive pool, so each delivery reuses a warm connection to
 * Rocket.Chat. Kept out of the Worker bundle by the `#upstream` import map (undici's WASM
 * parser cannot run in workerd; reference/hono-workers.md §3.1).
 */
import { Agent, fetch as undiciFetch } from "undici";
import type { Upstream } from "./upstream.ts";

const dispatcher = new Agent({
  connections: 64,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  pipelining: 1,
});

export const upstream: Upstream = (input, { timeoutMs, ...init }) =>
  undiciFetch(input, {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher,
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  }) as unknown as Promise<Response>;
