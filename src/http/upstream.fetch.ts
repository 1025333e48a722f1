/** Workers (and any runtime with a good `fetch`): the platform client, with a per-call timeout. */
import type { Upstream } from "./upstream.ts";

export const upstream: Upstream = (input, { timeoutMs, ...init }) =>
  fetch(input, timeoutMs === undefined ? init : { ...init, signal: AbortSignal.timeout(timeoutMs) });
