/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the Worker's `fetch` and `queue`
 * handlers and its Durable Object class. workerd reads every export of this module as a
 * handler or a class, so nothing else is exported here; the wiring is in `workers/entry.ts`.
 */
import { createWorker } from "./workers/entry.ts";

export { SlacklineState } from "./workers/state.ts";

export default createWorker();
