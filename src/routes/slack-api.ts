/**
 * Slack's Web API under `/api/{method}` (GET or POST), for `bots[]` tokens and outgoing targets'
 * `botToken`s: a tool pointed at slackline as its Slack API base works unchanged. Slack's rules
 * (docs/web-api.md): answers are HTTP 200 with `{"ok":true,…}` or `{"ok":false,"error":"code"}`,
 * a rate limit is 429 with `Retry-After`; the token comes as `Authorization: Bearer …` or as a
 * `token` argument. `POST /api/upload/{id}` is the `upload_url` of `files.getUploadURLExternal`.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import { readLimited } from "../http/body.ts";
import { bearerToken, retryAfter } from "../http/answers.ts";
import { noteAnswer } from "../observability/access.ts";
import type { Config } from "../config/schema.ts";
import type { Limiter } from "../http/rate-limit.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import { decodeArgs, str } from "../webapi/args.ts";
import { botIndex } from "../webapi/bots.ts";
import { MAX_FILE_BYTES } from "../webapi/files.ts";
import { webApi, WRITES, type Answer, type WebApiDeps } from "../webapi/methods.ts";
import { trimEndOf } from "../text/trim.ts";

/** Multipart framing around a file, on top of its announced length. */
const MULTIPART_SLACK = 64 * 1024;

/** What the route uses beyond the methods: the bots' tokens and limits, and each call's accounting. */
export interface SlackApiRouteDeps {
  readonly config: Config;
  readonly webApi: WebApiDeps;
  readonly rateLimiter: Limiter;
  readonly metrics: Pick<Metrics, "webApi">;
  readonly logger: Logger;
}

export function slackApiRoutes(deps: SlackApiRouteDeps): Hono {
  const app = new Hono();
  const { config } = deps;
  const bots = botIndex(config);
  let origin = "";
  const api = webApi(deps.webApi, { baseUrl: () => trimEndOf(config.publicUrl ?? origin, "/") });
  const { maxBodyBytes } = config.limits;

  app.post("/api/upload/:id", async (c) => {
    const id = c.req.param("id");
    const file = await deps.webApi.uploads.pending(id);
    if (file === undefined) return c.text("file_not_found", 404);
    const body = await readLimited(c.req.raw, file.length + MULTIPART_SLACK);
    if (!body.ok) return c.text(body.error, body.error === "request_too_large" ? 413 : 400);
    const args = await decodeArgs("", c.req.header("content-type") ?? null, body.value);
    let bytes = body.value;
    if (args.ok && (c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/")) {
      const part = Object.values(args.value).find((v): v is File => v instanceof File);
      if (part === undefined) return c.text("no_file_data", 400);
      bytes = new Uint8Array(await part.arrayBuffer());
    }
    if (bytes.byteLength > file.length) return c.text("request_too_large", 413);
    // Another upload to the same id may have come first, or the upload expired meanwhile.
    if (!(await deps.webApi.uploads.attach(id, bytes))) return c.text("file_not_found", 404);
    return c.text(`OK - ${bytes.byteLength}`);
  });

  app.on(["GET", "POST"], "/api/:method", async (c) => {
    origin ||= new URL(c.req.url).origin;
    const name = c.req.param("method");
    const method = Object.hasOwn(api.methods, name) ? api.methods[name] : undefined;
    if (!method) return answer(c, { ok: false, error: "unknown_method" });
    const limit = name === "files.upload" ? Math.max(maxBodyBytes, MAX_FILE_BYTES + MULTIPART_SLACK) : maxBodyBytes;
    const body = await readLimited(c.req.raw, limit);
    if (!body.ok)
      return answer(c, {
        ok: false,
        error: body.error === "request_too_large" ? "request_too_large" : "invalid_form_data",
      });
    const args = await decodeArgs(new URL(c.req.url).search, c.req.header("content-type") ?? null, body.value);
    if (!args.ok) return answer(c, args);

    const bearer = bearerToken(c.req.header("authorization"));
    const token = bearer ?? str(args.value, "token");
    if (!token) return answer(c, { ok: false, error: "not_authed" });
    const bot = bots.find(token);
    if (!bot) return answer(c, { ok: false, error: "invalid_auth" });
    delete args.value["token"];

    if (bot.rateLimit && WRITES.has(name)) {
      const allowed = await deps.rateLimiter.take(`bot:${bot.name}`, bot.rateLimit);
      if (!allowed.allowed) {
        deps.metrics.webApi.inc({ bot: bot.name, method: name, answer: "ratelimited" });
        return answer(c, { ok: false, error: "ratelimited", retryAfterSeconds: allowed.retryAfterSeconds }, bot.name);
      }
    }
    const result = await method(bot, args.value);
    deps.metrics.webApi.inc({ bot: bot.name, method: name, answer: result.ok ? "ok" : result.error });
    if (!result.ok) deps.logger.info("web api call refused", { bot: bot.name, method: name, error: result.error });
    return answer(c, result, bot.name);
  });
  return app;
}

function answer(c: Context, a: Answer, bot?: string): Response {
  noteAnswer(c.req.raw, { code: a.ok ? "ok" : a.error, ...(bot !== undefined && { hook: bot }) });
  if (a.ok) return c.json(a);
  if (a.retryAfterSeconds !== undefined) {
    c.header("Retry-After", retryAfter(a.retryAfterSeconds));
    return c.json({ ok: false, error: a.error }, 429);
  }
  return c.json({ ok: false, error: a.error }, (a.status ?? 200) as 200);
}
