/**
 * The names behind the Slack ids slackline hands to bots. A bot that answers
 * `say(\`hi <@${message.user}>\`)` names the user by the id it was sent; Rocket.Chat mentions
 * need the username, which only the event carried. Learned from every relayed event, bounded,
 * per process: an id not (or no longer) known falls back to the `|label` or the bare id, as for
 * any unmapped Slack id.
 */
import type { TranslateContext } from "../model/context.ts";
import { dropOldest } from "../bounded-map.ts";

const MAX_NAMES = 1000;

class Bounded {
  readonly #map = new Map<string, string>();

  set(key: string, value: string): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    dropOldest(this.#map, MAX_NAMES);
  }

  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}

export class NameDirectory {
  readonly #users = new Bounded();
  readonly #channels = new Bounded();

  learnUser(slackId: string, username: string): void {
    if (username !== "") this.#users.set(slackId, username);
  }

  learnChannel(slackId: string, name: string): void {
    if (name !== "") this.#channels.set(slackId, name);
  }

  /** The translate context with the learned names added; the config's own maps win. */
  context(base: TranslateContext): TranslateContext {
    const merge = (learned: Bounded, own: Readonly<Record<string, string>>): Record<string, string> =>
      Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(learned.entries()), own);
    return { ...base, users: merge(this.#users, base.users), channels: merge(this.#channels, base.channels) };
  }
}
