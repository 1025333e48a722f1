/**
 * The one Rocket.Chat REST client (docs/rocketchat.md §2). Every call answers a value: the result,
 * or a classified failure that delivery turns into a retry, a dead letter or a Slack answer.
 */
import type { Upstream, UpstreamResponse } from "../http/upstream.ts";
import type { RocketChatMessage } from "../model/message.ts";
import { trimEndOf } from "../text/trim.ts";

export type RocketChatFailureKind =
  /** The room (or user, or message) does not exist. */
  | "not_found"
  | "archived"
  /** Rocket.Chat refused the post: permissions, read-only room, muted, impersonation. */
  | "forbidden"
  /** Rocket.Chat rejected the message itself (validation, size). Permanent. */
  | "invalid"
  | "rate_limited"
  /** Our credentials are wrong: an operator must fix the config; retrying later may work. */
  | "unauthorized"
  /** Nothing reached Rocket.Chat (connection refused, DNS): safe to retry as is. */
  | "unavailable"
  /** The request may have been stored (timeout, reset, 5xx): check before sending again. */
  | "ambiguous";

export interface RocketChatFailure {
  readonly kind: RocketChatFailureKind;
  readonly message: string;
  readonly status?: number;
  /** For `rate_limited`: when Rocket.Chat says to come back. */
  readonly retryAfterMs?: number;
}

export type RocketChatResult<T> = { ok: true; value: T } | { ok: false; failure: RocketChatFailure };

export interface RoomInfo {
  readonly _id: string;
  readonly name?: string;
  readonly t?: string;
}

export interface StoredMessage {
  readonly _id: string;
  readonly rid: string;
  readonly ts?: string;
  readonly tmid?: string;
}

/** What delivery needs from Rocket.Chat; the REST client and the demo inbox both provide it. */
export interface RocketChatApi {
  sendMessage(message: RocketChatMessage): Promise<RocketChatResult<StoredMessage>>;
  /** `undefined` when there is no such message. */
  getMessage(id: string): Promise<RocketChatResult<StoredMessage | undefined>>;
  roomInfo(query: { roomName: string } | { roomId: string }): Promise<RocketChatResult<RoomInfo>>;
  /** The direct-message room with a user, created if needed. */
  createDirect(username: string): Promise<RocketChatResult<RoomInfo>>;
  /**
   * Who the credentials log in as (`GET /api/v1/me`): checked at start-up, and the probe while
   * Rocket.Chat is unreachable or refuses the credentials. Absent on the demo inbox.
   */
  me?(): Promise<RocketChatResult<{ readonly username: string }>>;
}

export interface RocketChatClientOptions {
  readonly url: string;
  readonly userId: string;
  readonly authToken: string;
  readonly timeoutMs: number;
  readonly upstream: Upstream;
  readonly now?: () => number;
}

interface Envelope {
  success?: boolean;
  error?: unknown;
  errorType?: unknown;
  [key: string]: unknown;
}

const WAIT_SECONDS = /wait (\d+) seconds?/i;

export class RocketChatClient implements RocketChatApi {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  /** For calls with a JSON body; built once, not per call. */
  readonly #jsonHeaders: Record<string, string>;
  readonly #opts: RocketChatClientOptions;

  constructor(opts: RocketChatClientOptions) {
    this.#opts = opts;
    this.#base = trimEndOf(opts.url, "/") + "/api/v1/";
    this.#headers = { "X-User-Id": opts.userId, "X-Auth-Token": opts.authToken, Accept: "application/json" };
    this.#jsonHeaders = { ...this.#headers, "Content-Type": "application/json" };
  }

  async sendMessage(message: RocketChatMessage): Promise<RocketChatResult<StoredMessage>> {
    const res = await this.#call("POST", "chat.sendMessage", { message });
    if (!res.ok) return res;
    const stored = res.value["message"] as StoredMessage | undefined;
    return { ok: true, value: stored ?? { _id: message._id, rid: message.rid } };
  }

  async getMessage(id: string): Promise<RocketChatResult<StoredMessage | undefined>> {
    const res = await this.#call("GET", `chat.getMessage?msgId=${encodeURIComponent(id)}`);
    if (res.ok) return { ok: true, value: res.value["message"] as StoredMessage | undefined };
    // Rocket.Chat answers 400 for a message id it does not know (not-allowed / not found).
    if (res.failure.kind === "invalid" || res.failure.kind === "not_found" || res.failure.kind === "forbidden")
      return { ok: true, value: undefined };
    return res;
  }

  async roomInfo(query: { roomName: string } | { roomId: string }): Promise<RocketChatResult<RoomInfo>> {
    const res = await this.roomDocument(query);
    if (!res.ok) return res;
    const room = res.value as Partial<RoomInfo> & { archived?: boolean };
    if (!room._id) return { ok: false, failure: { kind: "not_found", message: "rooms.info returned no room" } };
    if (room.archived) return { ok: false, failure: { kind: "archived", message: "room is archived" } };
    return { ok: true, value: room as RoomInfo };
  }

  /** Who the configured credentials belong to (`GET /api/v1/me`): `slackline check --probe`. */
  async me(): Promise<
    RocketChatResult<{ readonly _id: string; readonly username: string; readonly roles?: readonly string[] }>
  > {
    const res = await this.#call("GET", "me");
    if (!res.ok) return res;
    const { _id, username, roles } = res.value as { _id?: unknown; username?: unknown; roles?: unknown };
    if (typeof _id !== "string" || typeof username !== "string")
      return { ok: false, failure: { kind: "invalid", status: 200, message: "me returned no user" } };
    return {
      ok: true,
      value: {
        _id,
        username,
        ...(Array.isArray(roles) ? { roles: roles.filter((r): r is string => typeof r === "string") } : {}),
      },
    };
  }

  async createDirect(username: string): Promise<RocketChatResult<RoomInfo>> {
    const res = await this.#call("POST", "im.create", { username });
    if (!res.ok)
      return res.failure.kind === "invalid" ? { ok: false, failure: { ...res.failure, kind: "not_found" } } : res;
    const room = res.value["room"] as { _id?: string; rid?: string } | undefined;
    const id = room?.rid ?? room?._id;
    return id
      ? { ok: true, value: { _id: id, t: "d" } }
      : { ok: false, failure: { kind: "not_found", message: "im.create returned no room" } };
  }

  // -- What the Slack Web API needs beyond delivery (docs/web-api.md) --------------------------

  /** `chat.update`: text only (its body schema refuses every other key). */
  async updateText(rid: string, msgId: string, text: string): Promise<RocketChatResult<StoredMessage>> {
    const res = await this.#call("POST", "chat.update", { roomId: rid, msgId, text });
    return res.ok
      ? { ok: true, value: (res.value["message"] as StoredMessage | undefined) ?? { _id: msgId, rid } }
      : res;
  }

  /**
   * The `updateMessage` server method over `method.call`: the one way to change attachments,
   * alias, avatar or emoji of a posted message (`allowedEditedFields`). Rocket.Chat answers 200
   * with the method's result or error inside `message`, an EJSON string.
   */
  async updateMessage(message: RocketChatMessage): Promise<RocketChatResult<undefined>> {
    const call = { msg: "method", id: "1", method: "updateMessage", params: [message] };
    const res = await this.#call("POST", "method.call/updateMessage", { message: JSON.stringify(call) });
    if (!res.ok) return res;
    let result: { error?: { error?: unknown; reason?: unknown; message?: unknown } };
    try {
      result = JSON.parse(String(res.value["message"])) as typeof result;
    } catch {
      return { ok: false, failure: { kind: "invalid", status: 200, message: "method.call answered no result" } };
    }
    if (result.error === undefined || result.error === null) return { ok: true, value: undefined };
    const code = typeof result.error.error === "string" ? result.error.error : "";
    const text = typeof result.error.message === "string" ? result.error.message : code;
    const kind = /not-allowed|editing-blocked|update-key|unauthorized/i.test(code)
      ? "forbidden"
      : /size-exceeded|invalid/i.test(code)
        ? "invalid"
        : /too-many-requests/.test(code)
          ? "rate_limited"
          : "invalid";
    return { ok: false, failure: { kind, status: 200, message: text } };
  }

  /** `chat.delete`. */
  async deleteMessage(rid: string, msgId: string): Promise<RocketChatResult<undefined>> {
    const res = await this.#call("POST", "chat.delete", { roomId: rid, msgId });
    return res.ok ? { ok: true, value: undefined } : res;
  }

  /** `chat.react`: `shouldReact` true adds the bot's reaction, false removes it. */
  async react(messageId: string, emoji: string, shouldReact: boolean): Promise<RocketChatResult<undefined>> {
    const res = await this.#call("POST", "chat.react", { messageId, emoji, shouldReact });
    return res.ok ? { ok: true, value: undefined } : res;
  }

  /** `rooms.get`: the rooms the user is subscribed to. */
  async rooms(): Promise<RocketChatResult<Array<Record<string, unknown>>>> {
    const res = await this.#call("GET", "rooms.get");
    if (!res.ok) return res;
    const update = res.value["update"];
    return { ok: true, value: Array.isArray(update) ? (update as Array<Record<string, unknown>>) : [] };
  }

  /** `rooms.info` as the whole room document (archived rooms included). */
  async roomDocument(
    query: { roomName: string } | { roomId: string },
  ): Promise<RocketChatResult<Record<string, unknown>>> {
    const q =
      "roomName" in query
        ? `roomName=${encodeURIComponent(query.roomName)}`
        : `roomId=${encodeURIComponent(query.roomId)}`;
    const res = await this.#call("GET", `rooms.info?${q}`);
    if (!res.ok) return res;
    const room = res.value["room"];
    return typeof room === "object" && room !== null
      ? { ok: true, value: room as Record<string, unknown> }
      : { ok: false, failure: { kind: "not_found", message: "rooms.info returned no room" } };
  }

  /** `users.info` by id, username or email (email needs `view-full-other-user-info`). */
  async userInfo(
    query: { userId: string } | { username: string } | { email: string },
  ): Promise<RocketChatResult<Record<string, unknown> | undefined>> {
    const [key, value] = Object.entries(query)[0]!;
    const res = await this.#call("GET", `users.info?${key}=${encodeURIComponent(value)}`);
    if (res.ok) return { ok: true, value: res.value["user"] as Record<string, unknown> | undefined };
    return res.failure.kind === "invalid" || res.failure.kind === "not_found" ? { ok: true, value: undefined } : res;
  }

  /**
   * A file into a room: `rooms.media/{rid}` stores it, `rooms.mediaConfirm/{rid}/{fileId}` posts
   * the message (with `msg` as the comment and `tmid` for a thread).
   */
  async upload(
    rid: string,
    file: { name: string; type: string; bytes: Uint8Array },
    message: { msg?: string; description?: string; tmid?: string },
  ): Promise<RocketChatResult<StoredMessage>> {
    const form = new FormData();
    form.append("file", new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }), file.name);
    const stored = await this.#call("POST", `rooms.media/${encodeURIComponent(rid)}`, form);
    if (!stored.ok) return stored;
    const fileId = (stored.value["file"] as { _id?: string } | undefined)?._id;
    if (!fileId) return { ok: false, failure: { kind: "invalid", message: "rooms.media returned no file" } };
    const confirm = await this.#call(
      "POST",
      `rooms.mediaConfirm/${encodeURIComponent(rid)}/${encodeURIComponent(fileId)}`,
      message,
    );
    if (!confirm.ok) return confirm;
    const posted = confirm.value["message"] as StoredMessage | undefined;
    return posted
      ? { ok: true, value: posted }
      : { ok: false, failure: { kind: "invalid", message: "rooms.mediaConfirm returned no message" } };
  }

  async #call(method: "GET" | "POST", path: string, body?: unknown): Promise<RocketChatResult<Envelope>> {
    let res: UpstreamResponse;
    try {
      const form = body instanceof FormData;
      res = await this.#opts.upstream(this.#base + path, {
        method,
        headers: body === undefined || form ? this.#headers : this.#jsonHeaders,
        ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
        timeoutMs: this.#opts.timeoutMs,
      });
    } catch (e) {
      return { ok: false, failure: transportFailure(e, method) };
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(await res.text()) as Envelope;
      // `null`, a number, a list: JSON, but no envelope to read.
      if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope))
        throw new TypeError("not an object");
    } catch {
      // A proxy page or a reset mid-body: for a POST we cannot know whether it was stored.
      const kind = method === "POST" ? "ambiguous" : res.status >= 500 ? "unavailable" : "invalid";
      return { ok: false, failure: { kind, status: res.status, message: `HTTP ${res.status} without a JSON body` } };
    }
    if (res.status >= 200 && res.status < 300 && envelope.success !== false) return { ok: true, value: envelope };
    return { ok: false, failure: classify(res, envelope, this.#opts.now?.() ?? Date.now(), method) };
  }
}

function transportFailure(e: unknown, method: string): RocketChatFailure {
  const err = e as { name?: string; message?: string; cause?: { code?: string } };
  const code = err.cause?.code ?? "";
  const message = `${err.name ?? "Error"}: ${err.message ?? String(e)}${code ? ` (${code})` : ""}`;
  // Refused or unresolvable: the request never reached Rocket.Chat.
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT/.test(code + message))
    return { kind: "unavailable", message };
  // Timed out or reset after sending: a POST may have been stored.
  return { kind: method === "POST" ? "ambiguous" : "unavailable", message };
}

/** Rocket.Chat's error envelope (docs/rocketchat.md §2.2 (429 and its headers: §2.6)) → what it means for delivery. */
function classify(res: UpstreamResponse, env: Envelope, now: number, method: string): RocketChatFailure {
  const error = typeof env.error === "string" ? env.error : JSON.stringify(env.error ?? "");
  const type = typeof env.errorType === "string" ? env.errorType : "";
  const both = `${type} ${error}`;
  const status = res.status;
  if (status === 429 || /error-too-many-requests/.test(both))
    return { kind: "rate_limited", status, message: error, retryAfterMs: retryAfter(res, error, now) };
  if (status === 401) return { kind: "unauthorized", status, message: error };
  if (status >= 500) return { kind: method === "POST" ? "ambiguous" : "unavailable", status, message: error };
  if (/error-room-archived|room[_ ]?archived/i.test(both)) return { kind: "archived", status, message: error };
  if (
    /error-room-not-found|error-invalid-room|invalid-channel|error-invalid-user|error-user-not-found|does not match any channel/i.test(
      both,
    )
  )
    return { kind: "not_found", status, message: error };
  if (
    /not-allowed|not allowed|error-action-not-allowed|Not enough permission|error-unauthorized|error-forbidden|read.?only|muted|room_is_blocked/i.test(
      both,
    ) ||
    status === 403
  )
    return { kind: "forbidden", status, message: error };
  return { kind: "invalid", status, message: error };
}

/** `Retry-After` (seconds), `X-RateLimit-Reset` (epoch ms), or "wait N seconds" in the body. */
function retryAfter(res: UpstreamResponse, error: string, now: number): number {
  const header = Number(res.header("retry-after"));
  if (Number.isFinite(header) && header > 0) return header * 1000;
  const reset = Number(res.header("x-ratelimit-reset"));
  if (Number.isFinite(reset) && reset > now) return reset - now;
  const wait = WAIT_SECONDS.exec(error);
  return wait ? Number(wait[1]) * 1000 : 1000;
}
