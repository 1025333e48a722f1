/**
 * What the outgoing relay (Rocket.Chat → Slack-style bots, and their replies back) runs on:
 * exactly the parts it uses, built once in src/services.ts, never the whole services bag.
 */
import type { Config } from "../config/schema.ts";
import type { DeliveryService } from "../delivery/service.ts";
import type { Upstream } from "../http/upstream.ts";
import type { TranslateContext } from "../model/context.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { RocketChatApi } from "../rocketchat/client.ts";
import type { RoomResolver } from "../rocketchat/rooms.ts";
import { toSlackTeamId, toSlackUserId } from "../slack/ids.ts";
import type { NameDirectory } from "../state/names.ts";
import type { ResponseUrlStore } from "../state/response-urls.ts";
import type { SeenEvents } from "../state/seen.ts";
import type { TsStore } from "../state/ts-map.ts";
import { trimEndOf } from "../text/trim.ts";
import { DEFAULT_BOT_USER_ID } from "./slack-requests.ts";

/** State of the outgoing relay (Rocket.Chat → Slack-style bots). */
export interface OutgoingStores {
  /** Slack ts ↔ Rocket.Chat message; also answers delivery's `thread_ts` lookups. */
  readonly ts: TsStore;
  /** `response_url` state (`/respond/{id}`). */
  readonly responseUrls: ResponseUrlStore;
  /** Names behind the Slack ids handed to bots (per process). */
  readonly names: NameDirectory;
  /** Events already relayed: a replay reaches no bot. */
  readonly seen: SeenEvents;
}

/** The workspace bots are told they are in, and the bot user they are told they are. */
export interface Workspace {
  readonly teamId: string;
  readonly teamDomain: string;
  /** The workspace URL, ending in `/`. */
  readonly url: string;
  /** slackline's own Rocket.Chat user, as the bot user id Bolt learns from `auth.test`. */
  readonly botUserId: string;
}

/** What posting a bot's reply needs: translation, delivery, and thread roots. */
export interface ReplyDeps {
  readonly stores: OutgoingStores;
  /** Where replies go: the delivery policy (one attempt while the sender waits, or an outbox). */
  readonly post: Pick<DeliveryService, "submit">;
  /** A thread root's room and time (`chat.getMessage`). */
  readonly rocketchat: Pick<RocketChatApi, "getMessage">;
  /** Room names → ids, to tell whether a thread root is in the reply's room. */
  readonly rooms: Pick<RoomResolver, "resolve">;
  readonly translate: TranslateContext;
  readonly now: () => number;
}

/** What relaying an event to its rule's targets needs, on top of posting their replies. */
export interface RelayDeps extends ReplyDeps {
  /** The HTTP client the bots are called with. */
  readonly upstream: Upstream;
  readonly metrics: Pick<Metrics, "relayed">;
  readonly logger: Logger;
  readonly workspace: Workspace;
}

/** The workspace, derived from the Rocket.Chat server (else `publicUrl`): stable across restarts. */
export function workspaceOf(config: Pick<Config, "rocketchat" | "publicUrl">): Workspace {
  const base = trimEndOf(config.rocketchat?.url ?? config.publicUrl ?? "http://slackline", "/");
  const url = new URL(base);
  // `chat.example.com` → `chat`; an IP address names no workspace.
  const label = url.hostname
    .split(".")[0]!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "");
  const teamDomain = label === "" || /^\d+$/.test(label) ? "slackline" : label;
  const botUserId = config.rocketchat ? toSlackUserId(config.rocketchat.userId) : DEFAULT_BOT_USER_ID;
  return { teamId: toSlackTeamId(url.host), teamDomain, url: `${base}/`, botUserId };
}
