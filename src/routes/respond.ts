/**
 * `POST /respond/{id}`: the `response_url` handed to slash-command targets, "valid 30 minutes,
 * 5 uses" (docs/contract.md §3.4). Bolt's `respond()` posts JSON here; a form `payload=` and plain text
 * (shown as the text) are read too. `replace_original` / `delete_original` edit or delete the last
 * message this response_url posted. Answers are JSON with Slack's `ok`; Slack does not document
 * its error statuses, so `expired_url` (also for ids never issued) is 404 and `used_url` 410.
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import { decodePayload, queryOf, readLimited } from "../http/body.ts";
import { retryAfter } from "../http/answers.ts";
import type { Relay } from "../outgoing/relay.ts";
import { parseSlackReply, replyFromObject, type SlackReplyResult } from "../outgoing/reply.ts";
import type { RocketChatApi } from "../rocketchat/client.ts";
import { slackErrorStatus, type SlackErrorCode } from "../slack/errors.ts";
import { editMessage, restClient } from "../webapi/edit.ts";

export function respondRoutes(relay: Relay, rocketchat: RocketChatApi, maxBodyBytes: number): Hono {
  const app = new Hono();
  const { stores } = relay.deps;

  app.post("/respond/:id", async (c) => {
    const origin = await stores.responseUrls.use(c.req.param("id"));
    if (origin === "used") return c.json({ ok: false, error: "used_url" }, 410);
    if (typeof origin === "string") return c.json({ ok: false, error: "expired_url" }, 404);

    const body = await readLimited(c.req.raw, maxBodyBytes);
    if (!body.ok) return failure(c, body.error);
    const query = queryOf(c.req.url);
    const answer = await readAnswer(body.value, c.req.header("content-type") ?? null, query);
    if (answer.kind === "error") return c.json({ ok: false, error: "invalid_payload" }, 400);
    if (answer.kind === "none") return c.json({ ok: true });

    // The last message this response_url posted is its "original" (docs/web-api.md).
    const originalKey = `respond:${c.req.param("id")}`;
    const original =
      answer.reply.delete_original === true || answer.reply.replace_original === true
        ? await stores.ts.get(originalKey)
        : undefined;
    const rc = restClient(rocketchat);
    if (original !== undefined && rc !== undefined && answer.reply.delete_original === true) {
      const deleted = await rc.deleteMessage(original.rid, original.messageId);
      if (!deleted.ok && deleted.failure.kind !== "invalid" && deleted.failure.kind !== "not_found")
        return failure(c, "service_unavailable");
    }

    const prepared = await relay.prepareReply(origin, answer.reply, "response-url");
    if (!prepared.ok) return failure(c, prepared.error.code);
    if (prepared.value === undefined) return c.json({ ok: true });

    if (
      original !== undefined &&
      rc !== undefined &&
      answer.reply.replace_original === true &&
      prepared.value.messages.length === 1
    ) {
      const doc = await rc.getMessage(original.messageId);
      if (doc.ok && doc.value !== undefined) {
        const current = doc.value as unknown as Record<string, unknown>;
        const edited = await editMessage(rc, original.rid, original.messageId, current, prepared.value.messages[0]!);
        if (edited.ok) return c.json({ ok: true });
      }
    }
    const posted = await relay.postMessages(origin.source, prepared.value.room, prepared.value.messages);
    if (posted.outcome.kind === "failed") return failure(c, posted.outcome.error, posted.outcome.retryAfterSeconds);
    const ref = "ts" in posted ? await stores.ts.get(posted.ts) : undefined;
    if (ref !== undefined) await stores.ts.put(originalKey, ref);
    return c.json({ ok: true });
  });
  return app;
}

/** Delivery's error, in the status an incoming webhook would answer it with. */
function failure(c: Context, code: SlackErrorCode, retryAfterSeconds?: number): Response {
  if (retryAfterSeconds !== undefined) c.header("Retry-After", retryAfter(retryAfterSeconds));
  return c.json({ ok: false, error: code }, slackErrorStatus[code]);
}

/** JSON or a form's `payload` as an object; anything else as a bot's plain-text reply. */
async function readAnswer(bytes: Uint8Array, contentType: string | null, query: string): Promise<SlackReplyResult> {
  const value = await decodePayload(bytes, contentType, query);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return replyFromObject(value);
  return parseSlackReply({ status: 200, contentType, body: new TextDecoder().decode(bytes) });
}
