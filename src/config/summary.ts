/**
 * What a config sets up, in words: the start-up log lines and `slackline check`. Pure; never a
 * token (hooks are named by `name`, Rocket.Chat by URL and user id).
 */
import type { Config } from "./schema.ts";
import { trimEndOf } from "../text/trim.ts";

export interface SummaryLine {
  readonly level: "info" | "warn";
  readonly message: string;
}

/** Bots come with the Slack Web API; read loosely so this works with and without them. */
interface BotLike {
  readonly name: string;
  readonly channels?: readonly string[];
}
export const botsOf = (config: Config): readonly BotLike[] => (config as { bots?: readonly BotLike[] }).bots ?? [];

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A URL without what may be a secret in it (user info, query; a target's path too). */
export const where = (url: string, keepPath: boolean): string => {
  try {
    const u = new URL(url);
    return keepPath ? `${u.origin}${trimEndOf(u.pathname, "/")}` : u.origin;
  } catch {
    return "(invalid URL)";
  }
};

export function summarize(
  config: Config,
  opts: { readonly demo?: boolean; readonly outboxPath?: string } = {},
): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const bots = botsOf(config);
  if (config.rocketchat) {
    lines.push({
      level: "info",
      message: `delivering to Rocket.Chat at ${where(config.rocketchat.url, true)} as user id ${config.rocketchat.userId}`,
    });
    if (opts.outboxPath)
      lines.push({ level: "info", message: `outbox (messages accepted but not yet delivered): ${opts.outboxPath}` });
  } else if (!opts.demo && (config.incoming.length > 0 || bots.length > 0)) {
    lines.push({
      level: "warn",
      message:
        "no rocketchat section: messages go only to the built-in in-memory inbox (shown at GET /, lost on restart)",
    });
  } else {
    lines.push({ level: "info", message: "delivering to the built-in inbox (shown at GET /)" });
  }
  lines.push({
    level: "info",
    message: `${plural(config.incoming.length, "incoming hook")}, ${plural(bots.length, "bot")}, ${plural(config.outgoing.length, "outgoing rule")}`,
  });
  for (const h of config.incoming) {
    const overrides = [
      h.allowChannelOverride && "channel",
      h.allowUsernameOverride && "username",
      h.allowIconOverride && "icon",
    ].filter(Boolean);
    lines.push({
      level: "info",
      message: `incoming hook "${h.name}" → ${h.channel} (rate ${h.rateLimit.perSecond}/s, burst ${h.rateLimit.burst}; overrides: ${overrides.join(", ") || "none"})`,
    });
  }
  for (const b of bots)
    lines.push({
      level: "info",
      message: `bot "${b.name}" → ${b.channels?.length ? b.channels.join(", ") : "any room"}`,
    });
  for (const o of config.outgoing) {
    const rooms = o.channels.length ? o.channels.join(", ") : "every room";
    const words = o.triggerWords.length
      ? `${o.triggerMatch} ${o.triggerWords.map((w) => JSON.stringify(w)).join(", ")}`
      : "every message";
    const targets = o.targets.map((t) => `${t.format} ${where(t.url, false)}`).join(", ");
    lines.push({ level: "info", message: `outgoing rule "${o.name}": ${rooms}, ${words} → ${targets}` });
  }
  return lines;
}
