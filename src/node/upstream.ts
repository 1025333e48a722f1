/**
 * Node: undici with a keep-alive pool, so each delivery reuses a warm connection to
 * Rocket.Chat. Kept out of the Worker bundle by the `#upstream` import map (undici's WASM
 * parser cannot run in workerd; docs/workers.md §3.1).
 *
 * Calls go through undici's `request`, not its `fetch`, and answers sit directly on its body
 * stream: no `Response`, web stream or `AbortSignal` per call. Each step cut the CPU of every
 * Rocket.Chat call: `request` for `fetch` 170 µs (`npm run bench`), then the lean answer 45 µs
 * (150 → 105 µs per call, the client against a local server).
 * Callers still see what the fetch upstream gives them: a total timeout (headers and body) that
 * fails with fetch's `TimeoutError`, transport errors as `TypeError("fetch failed")` with the
 * cause. Left to undici's `fetch`: following a redirect (unless `redirect: "manual"`), bodies
 * other than strings, a caller's own signal. Differences no caller sees: only the caller's
 * headers are sent (no `accept-encoding`, so nothing comes back compressed), fetch's "bad port"
 * list does not apply, and a body cut short fails with undici's own error.
 */
import { EventEmitter } from "node:events";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import { readStreamLimited } from "./body.ts";
import { fromResponse, type Upstream, type UpstreamResponse } from "../http/upstream.ts";

const dispatcher = new Agent({
  connections: 64,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  pipelining: 1,
});

/** What fetch rejects with when an `AbortSignal.timeout` fires. */
const timeoutError = () => new DOMException("The operation was aborted due to timeout", "TimeoutError");

/**
 * A call's total budget as one plain timer. undici takes an EventEmitter as its signal, which
 * costs far less to listen on than an `AbortSignal`; fetch (after a redirect) gets one made then.
 */
class Deadline extends EventEmitter {
  expired = false;
  readonly #timer: NodeJS.Timeout;
  #controller: AbortController | undefined;

  constructor(ms: number) {
    super();
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#controller?.abort(timeoutError());
      this.emit("abort");
    }, ms).unref();
  }

  get signal(): AbortSignal {
    if (this.expired) return AbortSignal.abort(timeoutError());
    return (this.#controller ??= new AbortController()).signal;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

export const upstream: Upstream = async (input, { timeoutMs, ...init }) => {
  if ((init.body != null && typeof init.body !== "string") || init.signal != null)
    return viaFetch(input, init, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs));

  const url = new URL(input);
  const deadline = timeoutMs === undefined ? undefined : new Deadline(timeoutMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: init.headers as Dispatcher.DispatchOptions["headers"],
      body: init.body ?? null,
      signal: deadline,
    });
  } catch (e) {
    deadline?.clear();
    throw deadline?.expired ? timeoutError() : new TypeError("fetch failed", { cause: e });
  }

  if (
    res.statusCode >= 300 &&
    res.statusCode < 400 &&
    init.redirect !== "manual" &&
    res.headers["location"] !== undefined
  ) {
    // A redirect stored nothing: let fetch follow it (or refuse it) by its own rules, within
    // what is left of the budget (the timer, not cleared, then aborts fetch).
    void res.body.dump().catch(() => {});
    return viaFetch(input, init, deadline?.signal);
  }
  return answer(res, deadline);
};

async function viaFetch(input: string, init: RequestInit, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
  const res = await undiciFetch(input, {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher,
    ...(signal === undefined ? {} : { signal }),
  });
  return fromResponse(res as unknown as Response);
}

const noop = () => {};

function answer(
  { statusCode, headers, body }: Dispatcher.ResponseData,
  deadline: Deadline | undefined,
): UpstreamResponse {
  // Reading the body ends the call: the timer goes, and a read it cut short is a timeout.
  const ending = <T>(read: Promise<T>): Promise<T> =>
    deadline === undefined
      ? read
      : read.then(
          (value) => {
            deadline.clear();
            return value;
          },
          (e: unknown) => {
            deadline.clear();
            throw deadline.expired ? timeoutError() : e;
          },
        );
  return {
    status: statusCode,
    header: (name) => {
      const value = headers[name];
      // Own values only: `headers` is a plain object, and "constructor" is no header.
      return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
    },
    text: () => ending(body.text()),
    // Refused or failed: the rest is dropped, not buffered (and the connection not reused).
    bytes: (limit) =>
      ending(
        readStreamLimited(body, limit, headers["content-length"]).then((read) => {
          if (!read.ok) body.destroy();
          return read;
        }),
      ),
    // dump reads at most 128 KiB before closing the connection instead.
    discard: () => ending(body.dump().then(noop, noop)),
  };
}
