/**
 * `slackline check --probe`: asks Rocket.Chat who the configured user is (`GET /api/v1/me`) and
 * whether each hook's default room and each bot's rooms resolve, the way delivery will.
 */
import { botsOf, where } from "../config/summary.ts";
import type { Config } from "../config/schema.ts";
import type { Upstream } from "../http/upstream.ts";
import { RocketChatClient, type RocketChatFailure } from "../rocketchat/client.ts";
import { RoomResolver } from "../rocketchat/rooms.ts";

export interface ProbeReport {
  /** What answered as it should, one line each. */
  readonly passed: string[];
  /** One line per failure. */
  readonly failed: string[];
}

const why = (f: RocketChatFailure): string =>
  `${f.kind.replace("_", " ")}${f.status ? ` (HTTP ${f.status})` : ""}${f.message ? `: ${f.message}` : ""}`;

export async function probe(config: Config, upstream: Upstream): Promise<ProbeReport> {
  const passed: string[] = [];
  const failed: string[] = [];
  const rc = config.rocketchat;
  if (!rc) {
    passed.push("nothing to probe: no rocketchat section, messages go to the built-in inbox");
    return { passed, failed };
  }
  const url = where(rc.url, true);
  const client = new RocketChatClient({
    url: rc.url,
    userId: rc.userId,
    authToken: rc.authToken,
    timeoutMs: rc.timeoutMs,
    upstream,
  });
  const me = await client.me();
  if (!me.ok) {
    const hint =
      me.failure.kind === "unauthorized"
        ? " (check rocketchat.userId and rocketchat.authToken: a personal access token and its user id)"
        : me.failure.kind === "unavailable"
          ? " (check rocketchat.url and that this machine can reach it)"
          : "";
    failed.push(`rocketchat: ${url} GET /api/v1/me: ${why(me.failure)}${hint}`);
    return { passed, failed };
  }
  const roles = me.value.roles?.length ? ` (roles: ${me.value.roles.join(", ")})` : "";
  passed.push(`rocketchat: ${url} answers as @${me.value.username}${roles}`);
  if (me.value.roles && !me.value.roles.includes("bot"))
    passed.push(
      `rocketchat: note: @${me.value.username} has no bot role; alias and avatar overrides and high rates need it`,
    );

  const rooms = new RoomResolver(client);
  const targets: Array<{ readonly what: string; readonly room: string }> = [
    ...config.incoming.map((h, i) => ({ what: `incoming[${i}] "${h.name}"`, room: h.channel })),
    ...botsOf(config).flatMap((b, i) => (b.channels ?? []).map((room) => ({ what: `bots[${i}] "${b.name}"`, room }))),
  ];
  for (const t of targets) {
    const found = await rooms.resolve(t.room);
    if (found.ok) passed.push(`${t.what}: ${t.room} resolves (room id ${found.value})`);
    else failed.push(`${t.what}: ${t.room}: ${why(found.failure)}`);
  }
  return { passed, failed };
}
