/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the Worker's `fetch` handler and its
 * Durable Object classes. workerd reads every export of this module as a handler or a class, so
 * nothing else is exported here; the wiring is in `workers/entry.ts`.
 */
import { createWorker } from "./workers/entry.ts";

export { SlacklineRoom } from "./workers/delivery.ts";
export { SlacklineLimiter } from "./workers/limits.ts";
export { SlacklineMetrics } from "./workers/metrics.ts";
export { SlacklineState } from "./workers/state.ts";

export default createWorker();
