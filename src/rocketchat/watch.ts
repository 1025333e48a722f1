/**
 * Rocket.Chat's state as the log tells it: credentials refused (HTTP 401) is an ERROR line, and
 * becoming unreachable and reachable again one WARN and one INFO line — once per change, not
 * per message (delivery keeps retrying from the outbox meanwhile).
 */
import type { Logger } from "../observability/log.ts";
import type { RocketChatFailure, RocketChatResult } from "./client.ts";

type State = "ok" | "unreachable" | "unauthorized";

function stateOf(result: unknown): State | undefined {
  if (typeof result !== "object" || result === null || !("ok" in result)) return undefined;
  const r = result as RocketChatResult<unknown>;
  if (r.ok) return "ok";
  const f: RocketChatFailure = r.failure;
  if (f.kind === "unauthorized") return "unauthorized";
  if (f.kind === "unavailable" || (f.kind === "ambiguous" && (f.status === undefined || f.status >= 500))) return "unreachable";
  // Any other answer (no such room, a refused post, 429) came from a server that is up.
  return "ok";
}

/** `api` with every call's result watched; same type, same behaviour. */
export function watchRocketChat<T extends object>(api: T, logger: Logger, url: string): T {
  let state: State = "ok";
  const observe = (result: unknown): unknown => {
    const next = stateOf(result);
    if (next === undefined || next === state) return result;
    const failure = (result as { failure?: RocketChatFailure }).failure;
    const detail = failure ? { ...(failure.status !== undefined && { status: failure.status }), error: failure.message } : undefined;
    if (next === "unauthorized")
      logger.error(`Rocket.Chat at ${url} refuses slackline's credentials: check rocketchat.userId and rocketchat.authToken (messages wait in the outbox)`, detail);
    else if (next === "unreachable") logger.warn(`Rocket.Chat at ${url} is unreachable; messages wait in the outbox`, detail);
    else logger.info(`Rocket.Chat at ${url} is ${state === "unauthorized" ? "accepting slackline's credentials" : "reachable"} again`);
    state = next;
    return result;
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(api, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let w = wrapped.get(prop);
      if (!w) {
        const fn = value as (...args: unknown[]) => unknown;
        w = (...args: unknown[]) => {
          const r = fn.apply(target, args);
          return r instanceof Promise ? r.then(observe) : r;
        };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}
