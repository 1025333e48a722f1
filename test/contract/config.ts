/**
 * The config the HTTP-level suites run against, as the JSON a user would write: an open hook, a
 * locked one and a Mattermost-style one, delivering to a fake Rocket.Chat. Runtime-neutral, so
 * the workerd runner can hand it to the Worker as `SLACKLINE_CONFIG`.
 */
import type { FakeControl, FakeInfo, StoredMessage } from "./runtime.ts";

export const HOOK_TOKEN = "alerts-token-0123456789";
export const LOCKED_TOKEN = "locked-token-0123456789";
export const MM_TOKEN = "mattermost-token-012345";
/** Rocket.Chat's outgoing-webhook token for the relay rules. */
export const RC_TOKEN = "rc-outgoing-token-0123456789";
/** The token Slack's legacy outgoing-webhook consumer (the `legacy` bot) expects. */
export const LEGACY_TOKEN = "legacy-outgoing-token";

export function gatewayConfigJson(fake: FakeInfo, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs: 2000 },
    users: { U0123ABCD: "alice", U024BE7LH: "bob" },
    channels: { C024BE7LR: "general" },
    incoming: [
      {
        name: "alerts",
        token: HOOK_TOKEN,
        channel: "#alerts",
        allowChannelOverride: true,
        rateLimit: { perSecond: 1000, burst: 1000 },
      },
      {
        name: "locked",
        token: LOCKED_TOKEN,
        channel: "#alerts",
        allowChannelOverride: false,
        allowUsernameOverride: false,
        allowIconOverride: false,
        username: "Locked",
        iconEmoji: ":lock:",
        rateLimit: { perSecond: 1000, burst: 1000 },
      },
      { name: "mm", token: MM_TOKEN, channel: "town-square", rateLimit: { perSecond: 1000, burst: 1000 } },
    ],
    ...extra,
  };
}

/** The rooms `startGateway` (test/support/gateway.ts) creates. */
export const GATEWAY_ROOMS = [
  "alerts",
  "ops",
  "deploys",
  "logs",
  "devops",
  "alerts-full",
  "town-square",
  "prometheus-alerts",
  "bugs",
];

export async function setUpGatewayRooms(fake: FakeControl): Promise<void> {
  for (const name of GATEWAY_ROOMS) await fake.addRoom({ name });
  await fake.addRoom({ name: "archived-room", archived: true });
  await fake.addUser("alice");
}

/** A message as a Rocket.Chat user would have written it, stored in the fake over its REST API. */
export async function seed(fake: FakeInfo, rid: string, text: string, tmid?: string): Promise<StoredMessage> {
  const res = await fetch(`${fake.url}/api/v1/chat.sendMessage`, {
    method: "POST",
    headers: { "X-User-Id": fake.userId, "X-Auth-Token": fake.authToken, "Content-Type": "application/json" },
    body: JSON.stringify({ message: { rid, msg: text, ...(tmid ? { tmid } : {}) } }),
  });
  const body = (await res.json()) as { message: StoredMessage };
  return body.message;
}

/** Rocket.Chat's outgoing `sendMessage` body for a seeded message (docs/rocketchat.md §4.4). */
export function eventFor(message: StoredMessage, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: RC_TOKEN,
    bot: false,
    channel_id: message.rid,
    channel_name: "general",
    message_id: message._id,
    timestamp: message.ts,
    user_id: "alice-id",
    user_name: "alice",
    text: message.msg,
    siteUrl: "https://chat.example.com",
    ...(message.tmid ? { tmid: message.tmid } : {}),
    ...overrides,
  };
}
