/** Workers (and any runtime with a good `fetch`): the platform client, with a per-call timeout. */
import { fromResponse, type Upstream } from "./upstream.ts";

export const upstream: Upstream = async (input, { timeoutMs, ...init }) =>
  fromResponse(
    await fetch(input, timeoutMs === undefined ? init : { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  );
