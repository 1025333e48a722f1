/**
 * Node: undici with a keep-alive pool, so each delivery reuses a warm connection to
 * Rocket.Chat. Kept out of the Worker bundle by the `#upstream` import map (undici's WASM
 * parser cannot run in workerd; reference/hono-workers.md §3.1).
 *
 * Calls go through undici's `request` rather than its `fetch`: the same pool and parser, but
 * about a third of the CPU per call (bench: 85–97 µs against 310–370 µs with fetch's per-call
 * timeout signal), which was the largest single cost of an incoming webhook. The callers still
 * get what `fetch` gives them: a `Response` with a streamed body, a total timeout that rejects
 * with the signal's TimeoutError, and transport errors as `TypeError("fetch failed")` with the
 * cause. What `request` does not do the way `fetch` does (following a redirect, bodies other
 * than strings, a caller's own signal) is left to `fetch`.
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

/** Bodies up to this size, declared in Content-Length, are read before the Response is made. */
const SMALL_BODY = 64 * 1024;

/** Statuses a `Response` must have no body for (its constructor throws otherwise). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A total deadline that ends like `AbortSignal.timeout`'s (an abort with a TimeoutError), on a
 * plain timer cleared once the answer is read. `AbortSignal.timeout` leaves every signal to the
 * garbage collector (a weak reference and a finalizer per call): 5–20 µs more per call here.
 */
function deadline(ms: number | undefined): { signal: AbortSignal | undefined; clear: () => void } {
  if (ms === undefined) return { signal: undefined, clear: () => {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

export const upstream: Upstream = async (input, { timeoutMs, ...init }) => {
  const { signal, clear } = deadline(timeoutMs);
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
    clear();
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
    clear();
    void res.body.dump().catch(() => {});
    return new Response(null, answer);
  }
  // The deadline covers reading the body too: it ends when the body is read, cancelled or fails.
  res.body.once("close", clear);
  if (Number(res.headers["content-length"]) <= SMALL_BODY) {
    // A small body of known size (every Rocket.Chat answer) is read right away: far cheaper than
    // streaming it through a web ReadableStream (about 75 µs per call in the benchmark). A failure
    // still shows where and as fetch shows it: when the body is read.
    try {
      return new Response((await res.body.bytes()) as Uint8Array<ArrayBuffer>, answer);
    } catch (e) {
      const error = signal?.aborted ? signal.reason : new TypeError("terminated", { cause: e });
      return new Response(new ReadableStream({ start: (controller) => controller.error(error) }), answer);
    }
  }
  return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, answer);
};
