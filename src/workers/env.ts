/**
 * The Worker's environment (wrangler.toml). Only `SLACKLINE_CONFIG` carries meaning on its own;
 * every binding is optional and its absence degrades one feature (README "Deploy on
 * Cloudflare Workers"). Any other string var or secret is a `${NAME}` for the config.
 */
import type { DeadLetter, DeliveryMessage } from "./delivery.ts";
import type { SlacklineState } from "./state.ts";

export interface WorkerEnv {
  /** The config JSON, a secret (`wrangler secret put SLACKLINE_CONFIG`); absent → demo mode. */
  readonly SLACKLINE_CONFIG?: string;
  /** `debug|info|warn|error`, default `info`. */
  readonly LOG_LEVEL?: string;
  /** `response_url` state and the ts map; without it both are per isolate. */
  readonly STATE?: DurableObjectNamespace<SlacklineState>;
  /** Delivery retries; without it a message Rocket.Chat does not confirm is answered 503. */
  readonly DELIVERIES?: Queue<DeliveryMessage>;
  /** Where permanent failures are kept; without it they are only logged. */
  readonly DEAD_LETTERS?: Queue<DeadLetter>;
  readonly [name: string]: unknown;
}
