/**
 * The config file (CONTRACT §2). Strict: an unknown key is a typo and fails start-up.
 */
import * as z from "zod";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const name = z.string().min(1, "must not be empty");
/** An IANA zone name Intl knows (dates and attachment `ts` are shown in it). */
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Berlin");

/** `#name`, `@username` or a room id (CONTRACT §2). */
const room = z.string().regex(/^[#@]?[^\s#@][^\s]*$/, "must be #name, @username or a room id");

export const rateLimitSchema = z.strictObject({
  perSecond: z.number().positive("must be positive"),
  burst: z.int().min(1, "must be at least 1"),
});

export const incomingHookSchema = z.strictObject({
  name,
  token: z.string().min(16, "must be at least 16 characters"),
  channel: room,
  allowChannelOverride: z.boolean().default(false),
  allowUsernameOverride: z.boolean().default(true),
  allowIconOverride: z.boolean().default(true),
  username: z.string().min(1).optional(),
  iconUrl: httpUrl.optional(),
  iconEmoji: z.string().regex(/^:?[\w+'-]+:?$/, "must be an emoji name like :bell:").optional(),
  rateLimit: rateLimitSchema.default({ perSecond: 1, burst: 10 }),
  /** How `text` is read: `slack` mrkdwn or `markdown` (Mattermost). Default: by the URL it came to. */
  dialect: z.enum(["slack", "markdown"]).optional(),
  /** Dates in this hook's messages; the top-level `timeZone` otherwise. */
  timeZone: timeZone.optional(),
});

export const targetSchema = z.strictObject({
  url: httpUrl,
  format: z.enum(["outgoing-webhook", "slash-command", "events-api"]),
  token: z.string().min(1).optional(),
  signingSecret: z.string().min(1).optional(),
  command: z.string().regex(/^\/\S+$/, "must start with / and have no spaces").optional(),
  timeoutMs: z.int().min(100).max(60_000).default(3000),
  /** The `xoxb-…` token the bot sends to slackline's Web API (`/api/…`): answering via `say()`. */
  botToken: z.string().min(8, "must be at least 8 characters").optional(),
  /** What the bot is told about its workspace; defaults derive from the Rocket.Chat URL. */
  teamId: z.string().regex(/^T[A-Z0-9]+$/, "must look like a Slack team id (T…)").optional(),
  teamDomain: z.string().regex(/^[a-z0-9-]+$/, "must be lowercase letters, digits or '-'").optional(),
  apiAppId: z.string().regex(/^A[A-Z0-9]+$/, "must look like a Slack app id (A…)").optional(),
});

export const outgoingSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/, "must be letters, digits, '.', '_' or '-'"),
  rocketchatToken: z.string().min(1, "must not be empty"),
  channels: z.array(room).default([]),
  triggerWords: z.array(z.string().min(1, "must not be empty")).default([]),
  triggerMatch: z.enum(["first-word", "prefix", "anywhere"]).default("prefix"),
  caseSensitive: z.boolean().default(true),
  runOnEdits: z.boolean().default(false),
  targets: z.array(targetSchema).min(1, "needs at least one target"),
});

export const configSchema = z
  .strictObject({
    publicUrl: httpUrl.optional(),
    rocketchat: z
      .strictObject({
        url: httpUrl,
        userId: z.string().min(1, "must not be empty"),
        authToken: z.string().min(1, "must not be empty"),
        /** Rocket.Chat's Message_MaxAllowedSize. */
        maxMessageSize: z.int().min(100).default(5000),
        /** Rocket.Chat 8.7+ renders Markdown tables and rules; older servers get monospace blocks. */
        tables: z.boolean().default(true),
        timeoutMs: z.int().min(100).max(120_000).default(10_000),
      })
      .optional(),
    users: z.record(z.string(), z.string().min(1)).default({}),
    channels: z.record(z.string(), z.string().min(1)).default({}),
    timeZone: timeZone.default("UTC"),
    incoming: z.array(incomingHookSchema).default([]),
    outgoing: z.array(outgoingSchema).default([]),
    limits: z.strictObject({ maxBodyBytes: z.int().min(1024).default(1024 * 1024) }).default({ maxBodyBytes: 1024 * 1024 }),
    delivery: z
      .strictObject({
        /** Where the Node outbox lives (node:sqlite, WAL). */
        outboxPath: z.string().min(1).default("data/outbox.sqlite"),
        /** How long a request waits for Rocket.Chat before answering from the outbox. */
        fastPathMs: z.int().min(0).max(30_000).default(2000),
        /** Give up (dead letter) after this long. */
        maxAgeSeconds: z.int().min(60).default(24 * 3600),
        /** Concurrent requests to Rocket.Chat. */
        concurrency: z.int().min(1).max(256).default(16),
        /** Retry n waits a random time up to retryBaseMs·2^(n−1) (full jitter), at most retryMaxMs. */
        retryBaseMs: z.int().min(10).max(60_000).default(1000),
        retryMaxMs: z.int().min(10).max(3_600_000).default(300_000),
        /** How often the worker looks for due jobs; it is also woken when one is queued. */
        pollMs: z.int().min(10).max(60_000).default(1000),
        /** SIGTERM: how long in-flight deliveries may take to finish before the process exits. */
        shutdownGraceMs: z.int().min(0).max(120_000).default(10_000),
        /** Undelivered jobs one room may hold; over it the sender is answered 429 with Retry-After. */
        maxQueuedPerRoom: z.int().min(1).default(1000),
        /** Undelivered jobs in all; over it the sender is answered 429 with Retry-After. */
        maxQueued: z.int().min(1).default(100000),
      })
      .refine((d) => d.retryMaxMs >= d.retryBaseMs, { path: ["retryMaxMs"], message: "must be at least retryBaseMs" })
      .prefault({}),
    admin: z.strictObject({ token: z.string().min(16, "must be at least 16 characters") }).optional(),
  })
  .superRefine((cfg, ctx) => {
    unique(cfg.incoming.map((h) => h.token), "incoming", "token", ctx);
    unique(cfg.incoming.map((h) => h.name), "incoming", "name", ctx);
    unique(cfg.outgoing.map((o) => o.name), "outgoing", "name", ctx);
    cfg.outgoing.forEach((o, i) =>
      o.targets.forEach((t, j) => {
        if (t.format === "slash-command" && !t.command)
          ctx.addIssue({ code: "custom", path: ["outgoing", i, "targets", j, "command"], message: "is required for slash-command targets" });
      }),
    );
  });

function unique(values: string[], list: string, key: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) ctx.addIssue({ code: "custom", path: [list, i, key], message: "must be unique" });
    seen.add(v);
  });
}

export type Config = z.infer<typeof configSchema>;
export type IncomingHook = z.infer<typeof incomingHookSchema>;
export type OutgoingConfig = z.infer<typeof outgoingSchema>;
export type TargetConfigInput = z.infer<typeof targetSchema>;
