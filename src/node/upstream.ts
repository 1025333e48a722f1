/**
 * Node: undici with a keep-alive pool, so each delivery reuses a warm connection to
 * Rocket.Chat. Kept out of the Worker bundle by the `#upstream` import map (undici's WASM
 * parser cannot run in workerd; docs/workers.md §3.1).
 *
 * Calls go through undici's `dispatch` with a handler of our own, not its `fetch` or `request`:
 * the handler is the answer, and the body's chunks go straight into it (no `Response`, web
 * stream, `Readable` or `AsyncResource` per call). Each step cut the CPU of every Rocket.Chat
 * call: `request` for `fetch` 170 µs (`npm run bench`), the lean answer on `request`'s stream
 * 45 µs, `dispatch` for `request` some 17 µs more per delivery (docs/delivery.md, "drain").
 * Callers still see what the fetch upstream gives them: a total timeout (headers and body) that
 * fails with fetch's `TimeoutError`, transport errors as `TypeError("fetch failed")` with the
 * cause. Left to undici's `fetch`: following a redirect (unless `redirect: "manual"`), bodies
 * other than strings, a caller's own signal. Differences no caller sees: only the caller's
 * headers are sent (no `accept-encoding`, so nothing comes back compressed), fetch's "bad port"
 * list does not apply, and a body cut short fails with undici's own error.
 */
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import type { IncomingHttpHeaders } from "node:http";
import { LimitedChunks } from "./body.ts";
import type { Result } from "../result.ts";
import type { BodyError } from "../http/body.ts";
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

/** A call's total budget as one plain timer; fetch (after a redirect) gets a signal made then. */
class Deadline {
  expired = false;
  readonly #timer: NodeJS.Timeout;
  #controller: AbortController | undefined;

  constructor(ms: number, onExpire: () => void) {
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#controller?.abort(timeoutError());
      onExpire();
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

/** An answer body read past this without a reader (`discard`) closes the connection instead. */
const DISCARD_MAX_BYTES = 128 * 1024;

/**
 * One call: undici's handler, and once the headers are in, the answer. The body is kept as it
 * arrives (answers to slackline are small; `bytes(limit)` bounds what it keeps).
 */
class Call implements Dispatcher.DispatchHandler, UpstreamResponse {
  status = 0;
  readonly answered: Promise<Call>;
  #answer!: { resolve: (call: Call) => void; reject: (e: unknown) => void };
  #headers: IncomingHttpHeaders = {};
  #controller: Dispatcher.DispatchController | undefined;
  #deadline: Deadline | undefined;
  #chunks = new LimitedChunks();
  #ended = false;
  #error: unknown;
  #onSettled: (() => void) | undefined;

  constructor(timeoutMs: number | undefined) {
    this.answered = new Promise((resolve, reject) => (this.#answer = { resolve, reject }));
    if (timeoutMs !== undefined) this.#deadline = new Deadline(timeoutMs, () => this.#abort(timeoutError()));
  }

  /** The budget left, for fetch after a redirect. */
  get signal(): AbortSignal | undefined {
    return this.#deadline?.signal;
  }

  // ----- undici's side

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#deadline?.expired) controller.abort(timeoutError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // informational: the answer follows
    this.status = statusCode;
    this.#headers = headers;
    this.#answer.resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#chunks.add(chunk)) return;
    // Over what `bytes` allows, or past what `discard` reads: no more of it is read.
    controller.abort(new Error("answer body over its limit"));
    this.#settle();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#error = error;
    const failure = this.#deadline?.expired ? timeoutError() : error;
    if (this.status === 0) {
      this.#deadline?.clear();
      this.#answer.reject(failure);
    }
    this.#settle();
  }

  // ----- the caller's side

  header(name: string): string | null {
    const value = this.#headers[name];
    // Own values only: `headers` is a plain object, and "constructor" is no header.
    if (!Object.hasOwn(this.#headers, name)) return null;
    return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
  }

  async text(): Promise<string> {
    await this.#body();
    // Not ended: it failed (#error is set), by the timer or otherwise.
    if (!this.#ended) throw this.#deadline?.expired ? timeoutError() : this.#error;
    return this.#chunks.bytes.toString("utf8");
  }

  async bytes(limit: number): Promise<Result<Uint8Array, BodyError>> {
    if (LimitedChunks.refused(limit, this.#headers["content-length"]) || !this.#chunks.limitTo(limit)) {
      this.#abort(new Error("answer body over its limit"));
      this.#deadline?.clear();
      return { ok: false, error: "request_too_large" };
    }
    await this.#body();
    if (this.#ended) return { ok: true, value: this.#chunks.bytes };
    return { ok: false, error: this.#chunks.within ? "invalid_payload" : "request_too_large" };
  }

  async discard(): Promise<void> {
    await this.drain();
    this.#deadline?.clear();
  }

  /**
   * Reads the body to the end and drops it (the connection is reused), unless it is long: then
   * the connection is closed. The call's timer keeps running (a redirect's fetch goes on in it).
   */
  drain(): Promise<void> {
    if (!this.#chunks.limitTo(DISCARD_MAX_BYTES)) this.#abort(new Error("answer body discarded"));
    return new Promise((resolve) => {
      if (this.#ended || this.#error !== undefined) resolve();
      else this.#onSettled = resolve;
    });
  }

  /** Until the body ended or failed; the call's timer goes then. */
  async #body(): Promise<void> {
    if (!this.#ended && this.#error === undefined) await new Promise<void>((resolve) => (this.#onSettled = resolve));
    this.#deadline?.clear();
  }

  #settle(): void {
    const settled = this.#onSettled;
    this.#onSettled = undefined;
    settled?.();
  }

  #abort(reason: Error | DOMException): void {
    if (this.#ended || this.#error !== undefined) return;
    this.#error = reason;
    if (this.#controller) this.#controller.abort(reason as Error);
    if (this.status === 0) this.#answer.reject(reason);
    this.#settle();
  }
}

export const upstream: Upstream = async (input, { timeoutMs, ...init }) => {
  if ((init.body != null && typeof init.body !== "string") || init.signal != null)
    return viaFetch(input, init, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs));

  const url = new URL(input);
  const call = new Call(timeoutMs);
  try {
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: init.headers as Dispatcher.DispatchOptions["headers"],
        body: init.body ?? null,
      },
      call,
    );
    await call.answered;
  } catch (e) {
    throw e instanceof DOMException ? e : new TypeError("fetch failed", { cause: e });
  }

  if (call.status >= 300 && call.status < 400 && init.redirect !== "manual" && call.header("location") !== null) {
    // A redirect stored nothing: let fetch follow it (or refuse it) by its own rules, within
    // what is left of the budget.
    void call.drain();
    return viaFetch(input, init, call.signal);
  }
  return call;
};

async function viaFetch(input: string, init: RequestInit, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
  const res = await undiciFetch(input, {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher,
    ...(signal === undefined ? {} : { signal }),
  });
  return fromResponse(res as unknown as Response);
}
