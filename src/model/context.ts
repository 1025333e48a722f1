/** Everything the pure translator needs to know about the deployment; built once at start-up. */
export interface TranslateContext {
  /** Slack user id → Rocket.Chat username (config `users`). */
  readonly users: Readonly<Record<string, string>>;
  /** Slack channel id → Rocket.Chat room name (config `channels`). */
  readonly channels: Readonly<Record<string, string>>;
  /** IANA time zone for `<!date…>` and `ts` rendering. */
  readonly timeZone: string;
  /** Rocket.Chat's `Message_MaxAllowedSize` (UTF-16 code units). */
  readonly maxMessageSize: number;
  /** Rocket.Chat 8.7+ renders Markdown tables; older servers get a monospace block. */
  readonly tables: boolean;
  /** Most messages one request becomes (config `limits.maxParts`); default 10. */
  readonly maxParts?: number;
  /**
   * The sender may notify a whole room (`<!channel>`, `<!here>`, a typed `@all`/`@here`); default
   * true. false: every such mention is shown as text (per hook or bot: `allowMentionAll`).
   */
  readonly allowMentionAll?: boolean;
  /** The clock (epoch milliseconds) for relative dates (`{ago}`, `{date_pretty}`): the core reads no clock of its own. */
  readonly now: () => number;
}

export const defaultTranslateContext: TranslateContext = {
  users: {},
  channels: {},
  timeZone: "UTC",
  maxMessageSize: 5000,
  tables: true,
  // A fixed instant: the default context is for tests and tools, whose output must not depend on the day.
  now: () => Date.UTC(2024, 0, 1),
};
