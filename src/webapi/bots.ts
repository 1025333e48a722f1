/**
 * Who calls the Web API: a `bots[]` entry, or an outgoing target's `botToken` (a bot answering
 * through `say()`), both as one {@link WebBot}, gated like an incoming hook.
 */
import type { Config } from "../config/schema.ts";
import type { RateLimit } from "../http/rate-limit.ts";
import { TokenIndex } from "../http/tokens.ts";
import type { HookSettings } from "../translate/incoming.ts";

export interface WebBot {
  /** The bot's or outgoing rule's name: delivery source, metrics, logs, `bot_id`. */
  readonly name: string;
  /** Rooms it may use (`#name`, `@user`, room id); empty: any. */
  readonly channels: readonly string[];
  /** May it notify a whole room (`<!channel>`, `@all`)? Default true, as Slack. */
  readonly allowMentionAll?: boolean;
  readonly username?: string;
  readonly iconUrl?: string;
  readonly iconEmoji?: string;
  readonly allowUsernameOverride: boolean;
  readonly allowIconOverride: boolean;
  readonly rateLimit?: RateLimit;
  /** What `auth.test` tells an outgoing target's bot about its workspace. */
  readonly teamId?: string;
  readonly teamDomain?: string;
  readonly apiAppId?: string;
}

export function botIndex(config: Config): TokenIndex<WebBot> {
  const bots: Array<readonly [string, WebBot]> = config.bots.map((b) => [
    b.token,
    {
      name: b.name,
      channels: b.channels,
      ...(b.username !== undefined && { username: b.username }),
      ...(b.iconUrl !== undefined && { iconUrl: b.iconUrl }),
      ...(b.iconEmoji !== undefined && { iconEmoji: b.iconEmoji }),
      allowUsernameOverride: b.allowUsernameOverride,
      allowIconOverride: b.allowIconOverride,
      allowMentionAll: b.allowMentionAll,
      rateLimit: b.rateLimit,
    },
  ]);
  for (const rule of config.outgoing)
    for (const target of rule.targets)
      if (target.botToken)
        bots.push([
          target.botToken,
          {
            name: rule.name,
            channels: [],
            allowUsernameOverride: true,
            allowIconOverride: true,
            ...(target.teamId !== undefined && { teamId: target.teamId }),
            ...(target.teamDomain !== undefined && { teamDomain: target.teamDomain }),
            ...(target.apiAppId !== undefined && { apiAppId: target.apiAppId }),
          },
        ]);
  return new TokenIndex(bots);
}

/** The bot as the translator's hook settings, for a message to `room`. */
export function hookFor(bot: WebBot, room: string): HookSettings {
  return {
    channel: room,
    allowChannelOverride: true,
    allowUsernameOverride: bot.allowUsernameOverride,
    allowIconOverride: bot.allowIconOverride,
    ...(bot.username !== undefined && { username: bot.username }),
    ...(bot.iconUrl !== undefined && { iconUrl: bot.iconUrl }),
    ...(bot.iconEmoji !== undefined && { iconEmoji: bot.iconEmoji }),
  };
}
