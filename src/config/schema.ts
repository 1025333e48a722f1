/**
 * The config file (docs/contract.md §2). Strict: an unknown key is a typo and fails start-up.
 */
import * as z from "zod/mini";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const nonEmpty = z.string().check(z.minLength(1, "must not be empty"));
/** An IANA zone name Intl knows (dates and attachment `ts` are shown in it). */
const timeZone = z.string().check(
  z.refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/Berlin"),
);

/** `#name`, `@username` or a room id (docs/contract.md §2). */
const room = z.string().check(z.regex(/^[#@]?[^\s#@][^\s]*$/, "must be #name, @username or a room id"));

export const rateLimitSchema = z.strictObject({
  perSecond: z.number().check(z.positive("must be positive")),
  burst: z.int().check(z.minimum(1, "must be at least 1")),
});

/** An integer in [min, max] (either bound optional) with zod's own too_small/too_big issues. */
const int = (min: number, max?: number): z.ZodMiniInt =>
  max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max));

export const incomingHookSchema = z.strictObject({
  name: nonEmpty,
  token: z.string().check(z.minLength(16, "must be at least 16 characters")),
  channel: room,
  allowChannelOverride: z._default(z.boolean(), false),
  allowUsernameOverride: z._default(z.boolean(), true),
  allowIconOverride: z._default(z.boolean(), true),
  username: z.optional(z.string().check(z.minLength(1))),
  iconUrl: z.optional(httpUrl),
  iconEmoji: z.optional(z.string().check(z.regex(/^:?[\w+'-]+:?$/, "must be an emoji name like :bell:"))),
  rateLimit: z._default(rateLimitSchema, { perSecond: 1, burst: 10 }),
  /** How `text` is read: `slack` mrkdwn or `markdown` (Mattermost). Default: by the URL it came to. */
  dialect: z.optional(z.enum(["slack", "markdown"])),
  /** Dates in this hook's messages; the top-level `timeZone` otherwise. */
  timeZone: z.optional(timeZone),
  /** false: `<!channel>`, `<!here>`, `<!everyone>` and a typed `@all`/`@here` are shown as text. */
  allowMentionAll: z._default(z.boolean(), true),
});

export const targetSchema = z.strictObject({
  url: httpUrl,
  format: z.enum(["outgoing-webhook", "slash-command", "events-api"]),
  token: z.optional(z.string().check(z.minLength(1))),
  signingSecret: z.optional(z.string().check(z.minLength(1))),
  command: z.optional(z.string().check(z.regex(/^\/\S+$/, "must start with / and have no spaces"))),
  timeoutMs: z._default(int(100, 60_000), 3000),
  /** The `xoxb-…` token the bot sends to slackline's Web API (`/api/…`): answering via `say()`. */
  botToken: z.optional(z.string().check(z.minLength(8, "must be at least 8 characters"))),
  /** What the bot is told about its workspace; defaults derive from the Rocket.Chat URL. */
  teamId: z.optional(z.string().check(z.regex(/^T[A-Z0-9]+$/, "must look like a Slack team id (T…)"))),
  teamDomain: z.optional(z.string().check(z.regex(/^[a-z0-9-]+$/, "must be lowercase letters, digits or '-'"))),
  apiAppId: z.optional(z.string().check(z.regex(/^A[A-Z0-9]+$/, "must look like a Slack app id (A…)"))),
});

/** A Slack bot token for senders that use the Web API (`/api/{method}`), gated like a hook. */
export const botSchema = z.strictObject({
  name: z.string().check(z.regex(/^[\w.-]+$/, "must be letters, digits, '.', '_' or '-'")),
  token: z.string().check(z.minLength(16, "must be at least 16 characters")),
  /** Rooms the bot may use; empty: any room the Rocket.Chat user can post to. */
  channels: z._default(z.array(room), []),
  username: z.optional(z.string().check(z.minLength(1))),
  iconUrl: z.optional(httpUrl),
  iconEmoji: z.optional(z.string().check(z.regex(/^:?[\w+'-]+:?$/, "must be an emoji name like :bell:"))),
  allowUsernameOverride: z._default(z.boolean(), true),
  allowIconOverride: z._default(z.boolean(), true),
  allowMentionAll: z._default(z.boolean(), true),
  rateLimit: z._default(rateLimitSchema, { perSecond: 1, burst: 10 }),
});

export const outgoingSchema = z.strictObject({
  name: z.string().check(z.regex(/^[\w.-]+$/, "must be letters, digits, '.', '_' or '-'")),
  rocketchatToken: nonEmpty,
  channels: z._default(z.array(room), []),
  triggerWords: z._default(z.array(nonEmpty), []),
  triggerMatch: z._default(z.enum(["first-word", "prefix", "anywhere"]), "prefix"),
  caseSensitive: z._default(z.boolean(), true),
  runOnEdits: z._default(z.boolean(), false),
  targets: z.array(targetSchema).check(z.minLength(1, "needs at least one target")),
});

export const configSchema = z
  .strictObject({
    publicUrl: z.optional(httpUrl),
    rocketchat: z.optional(
      z.strictObject({
        url: httpUrl,
        userId: nonEmpty,
        authToken: nonEmpty,
        /** Rocket.Chat's Message_MaxAllowedSize. */
        maxMessageSize: z._default(int(100), 5000),
        /** Rocket.Chat 8.7+ renders Markdown tables and rules; older servers get monospace blocks. */
        tables: z._default(z.boolean(), true),
        timeoutMs: z._default(int(100, 120_000), 10_000),
      }),
    ),
    users: z._default(z.record(z.string(), z.string().check(z.minLength(1))), {}),
    channels: z._default(z.record(z.string(), z.string().check(z.minLength(1))), {}),
    timeZone: z._default(timeZone, "UTC"),
    incoming: z._default(z.array(incomingHookSchema), []),
    outgoing: z._default(z.array(outgoingSchema), []),
    bots: z._default(z.array(botSchema), []),
    limits: z.prefault(
      z.strictObject({
        maxBodyBytes: z._default(int(1024), 1024 * 1024),
        /** Most Rocket.Chat messages one request may become; the rest is cut with a note. */
        maxParts: z._default(int(1, 1000), 10),
      }),
      {},
    ),
    /** How long the Node server waits for slow or idle clients (docs/hostile-input.md). */
    server: z.prefault(
      z
        .strictObject({
          /** A request's headers must have arrived within this. */
          headersTimeoutMs: z._default(int(10, 600_000), 10_000),
          /** A request's headers and body must have arrived within this. */
          requestTimeoutMs: z._default(int(10, 3_600_000), 30_000),
          /** An idle keep-alive connection is closed after this. */
          keepAliveTimeoutMs: z._default(int(10, 600_000), 5_000),
          /** Bytes all requests together may hold in flight (declared, or the body limit when chunked); 503 past it. */
          maxInFlightBytes: z._default(int(1024), 64 * 1024 * 1024),
        })
        .check(
          z.refine((s) => s.requestTimeoutMs >= s.headersTimeoutMs, {
            path: ["requestTimeoutMs"],
            message: "must be at least headersTimeoutMs",
          }),
        ),
      {},
    ),
    delivery: z.prefault(
      z
        .strictObject({
          /** Where the Node outbox lives (node:sqlite, WAL). */
          outboxPath: z._default(z.string().check(z.minLength(1)), "data/outbox.sqlite"),
          /** How long a request waits for Rocket.Chat before answering from the outbox. */
          fastPathMs: z._default(int(0, 30_000), 2000),
          /** Give up (dead letter) after this long. */
          maxAgeSeconds: z._default(int(60), 24 * 3600),
          /** Dead letters are deleted this long after they died; 0 keeps them until retried. */
          deadLetterSeconds: z._default(int(0), 7 * 24 * 3600),
          /** Concurrent requests to Rocket.Chat. */
          concurrency: z._default(int(1, 256), 16),
          /** Retry n waits a random time up to retryBaseMs·2^(n−1) (full jitter), at most retryMaxMs. */
          retryBaseMs: z._default(int(10, 60_000), 1000),
          retryMaxMs: z._default(int(10, 3_600_000), 300_000),
          /** How often the worker looks for due jobs; it is also woken when one is queued. */
          pollMs: z._default(int(10, 60_000), 1000),
          /** Accepted, undelivered messages that may wait for one room; past it: 429 with Retry-After. */
          maxQueuedPerRoom: z._default(int(1, 10_000_000), 1000),
          /** The same bound over all rooms. */
          maxQueued: z._default(int(1, 100_000_000), 100_000),
          /** SIGTERM: how long in-flight deliveries may take to finish before the process exits. */
          shutdownGraceMs: z._default(int(0, 120_000), 10_000),
        })
        .check(
          z.refine((d) => d.retryMaxMs >= d.retryBaseMs, {
            path: ["retryMaxMs"],
            message: "must be at least retryBaseMs",
          }),
        ),
      {},
    ),
    admin: z.optional(z.strictObject({ token: z.string().check(z.minLength(16, "must be at least 16 characters")) })),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      unique(ctx, "incoming", cfg.incoming, "token");
      unique(ctx, "incoming", cfg.incoming, "name");
      unique(ctx, "outgoing", cfg.outgoing, "name");
      unique(ctx, "bots", cfg.bots, "name");
      unique(ctx, "bots", cfg.bots, "token");
      cfg.outgoing.forEach((o, i) => {
        o.targets.forEach((t, j) => {
          if (t.format === "slash-command" && !t.command)
            ctx.addIssue({
              code: "custom",
              path: ["outgoing", i, "targets", j, "command"],
              message: "is required for slash-command targets",
            });
        });
      });
    }),
  );

/** `list[i].key` must differ from every earlier item's. */
function unique<K extends string>(
  ctx: z.core.$RefinementCtx,
  list: string,
  items: ReadonlyArray<Record<K, string>>,
  key: K,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item[key])) ctx.addIssue({ code: "custom", path: [list, i, key], message: "must be unique" });
    seen.add(item[key]);
  });
}

export type Config = z.infer<typeof configSchema>;
export type IncomingHook = z.infer<typeof incomingHookSchema>;
export type OutgoingConfig = z.infer<typeof outgoingSchema>;
export type TargetConfigInput = z.infer<typeof targetSchema>;
