/**
 * Node: undici with a keep-alive pool, so each delivery reuses a warm connection to
 * Rocket.Chat. Kept out of the Worker bundle by the `#upstream` import map (undici's WASM
 * parser cannot run in workerd; reference/hono-workers.md §3.1).
 *
 * Calls go through undici's `request` rather than its `fetch`: the same pool and parser without
 * fetch's spec machinery. That took 170 µs of CPU off every incoming webhook (a Rocket.Chat call
 * each; `npm run bench`, small payload: 506 → 333 µs per request). Callers still get what `fetch`
 * gives them: a `Response` with a streamed body, a total timeout that rejects with the signal's
 * TimeoutError, transport errors as `TypeError("fetch failed")` with the cause. What `request`
 * does differently is left to `fetch`: following a redirect, bodies other than strings, a
 * caller's own signal. Remaining differences no caller sees: only the caller's headers are sent
 * (no `accept-encoding`, so nothing comes back compressed), fetch's "bad port" list does not
 * apply, and a body cut short fails with undici's own error rather than `TypeError("terminated")`.
 */
import { Readable } from "node:stream";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import type { Upstream } from "./upstream.ts";

const dispatcher = new Agent({
  connections: 64,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  pipelining: 1,
});

/** Statuses a `Response` must have no body for (its constructor throws otherwise). */
const NULL_BODY = new Set([101, 204, 205, 304]);

export const upstream: Upstream = async (input, { timeoutMs, ...init }) => {
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const viaFetch = () =>
    undiciFetch(input, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
      ...(signal === undefined ? {} : { signal }),
    }) as unknown as Promise<Response>;
  if ((init.body != null && typeof init.body !== "string") || init.signal != null) return viaFetch();

  const url = new URL(input);
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: init.headers as Dispatcher.DispatchOptions["headers"],
      body: init.body ?? null,
      signal,
    });
  } catch (e) {
    throw signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: e });
  }

  const { statusCode: status, statusText } = res;
  if (status >= 300 && status < 400 && init.redirect !== "manual" && res.headers["location"] !== undefined) {
    // A redirect stored nothing: let fetch follow it (or refuse it) by its own rules.
    void res.body.dump().catch(() => {});
    return viaFetch();
  }
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
    else if (value !== undefined) headers.push([name, value]);
  }
  const answer = { status, statusText, headers };
  if (NULL_BODY.has(status)) {
    void res.body.dump().catch(() => {});
    return new Response(null, answer);
  }
  return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, answer);
};
