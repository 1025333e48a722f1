/**
 * The Slack Web API methods slackline answers (docs/web-api.md), each as Slack answers it:
 * `{ok:true,…}` or `{ok:false,error}` with Slack's codes. Messages go through the same
 * translation and the same durable delivery as an incoming webhook; edits, deletes, reactions,
 * files and look-ups call Rocket.Chat's REST API directly.
 */
import type { Services } from "../services.ts";
import type { RocketChatClient, RocketChatFailure } from "../rocketchat/client.ts";
import { RoomResolver } from "../rocketchat/rooms.ts";
import { emojiName } from "../slack/emoji.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { translateIncoming } from "../translate/incoming.ts";
import { fromSlackChannelId, fromSlackUserId, toSlackBotId, toSlackChannelId, toSlackUserId, type TsRef } from "../outgoing/ids.ts";
import { botUserIdOf, workspaceOf } from "../outgoing/relay.ts";
import { postMessages } from "../outgoing/replies.ts";
import { DEFAULT_API_APP_ID } from "../outgoing/slack-requests.ts";
import { flag, int, str, type Args } from "./args.ts";
import { hookFor, type WebBot } from "./bots.ts";
import { editMessage, restClient } from "./edit.ts";
import { FileUploads, fileObject, type PendingFile } from "./files.ts";

export type Answer =
  | { readonly ok: true; readonly [key: string]: unknown }
  | { readonly ok: false; readonly error: string; readonly retryAfterSeconds?: number; readonly status?: number };

export type Method = (bot: WebBot, args: Args) => Promise<Answer>;

const fail = (error: string): Answer => ({ ok: false, error });
const unavailable: Answer = { ok: false, error: "service_unavailable", status: 503 };

/** Delivery's answers (incoming-webhook codes) in Web API words. */
const DELIVERY_ERRORS: Partial<Record<SlackErrorCode, string>> = {
  channel_is_archived: "is_archived",
  action_prohibited: "restricted_action",
  invalid_payload: "invalid_arguments",
};

/** Slack-shaped ids: what a bot holds for a channel or user. */
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]+$/;

export interface WebApiOptions {
  /** Where `files.getUploadURLExternal` points (`publicUrl`, else the request's origin). */
  readonly baseUrl: () => string;
}

export class WebApi {
  readonly #services: Services;
  readonly #rooms: RoomResolver;
  readonly #rc: RocketChatClient | undefined;
  readonly #opts: WebApiOptions;
  readonly uploads: FileUploads;
  #me: string | undefined;
  readonly methods: Record<string, Method>;

  constructor(services: Services, opts: WebApiOptions) {
    this.#services = services;
    this.#opts = opts;
    this.#rooms = new RoomResolver(services.rocketchat, { now: services.now });
    this.#rc = restClient(services);
    this.uploads = new FileUploads(services.now);
    this.methods = {
      "auth.test": async (bot) => this.authTest(bot),
      "chat.postMessage": (bot, args) => this.postMessage(bot, args),
      "chat.update": (bot, args) => this.update(bot, args),
      "chat.delete": (bot, args) => this.delete(bot, args),
      "chat.postEphemeral": (bot, args) => this.postEphemeral(bot, args),
      "chat.getPermalink": (bot, args) => this.getPermalink(bot, args),
      "reactions.add": (bot, args) => this.react(bot, args, true),
      "reactions.remove": (bot, args) => this.react(bot, args, false),
      "conversations.list": (bot, args) => this.conversationsList(bot, args),
      "conversations.info": (bot, args) => this.conversationsInfo(bot, args),
      "users.info": (bot, args) => this.usersInfo(bot, args),
      "users.lookupByEmail": (bot, args) => this.lookupByEmail(bot, args),
      "files.upload": (bot, args) => this.filesUpload(bot, args),
      "files.getUploadURLExternal": (bot, args) => this.getUploadUrl(bot, args),
      "files.completeUploadExternal": (bot, args) => this.completeUpload(bot, args),
    };
  }

  /** Methods that post or change something count against the bot's rate limit. */
  static readonly WRITES = new Set([
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "chat.postEphemeral",
    "reactions.add",
    "reactions.remove",
    "files.upload",
    "files.completeUploadExternal",
  ]);

  // -- auth -----------------------------------------------------------------------------------

  authTest(bot: WebBot): Answer {
    const workspace = workspaceOf(this.#services);
    return {
      ok: true,
      url: workspace.url,
      team: bot.teamDomain ?? workspace.teamDomain,
      user: "slackline",
      team_id: bot.teamId ?? workspace.teamId,
      user_id: botUserIdOf(this.#services),
      bot_id: toSlackBotId(bot.name),
      app_id: bot.apiAppId ?? DEFAULT_API_APP_ID,
      is_enterprise_install: false,
    };
  }

  // -- rooms ----------------------------------------------------------------------------------

  /** A `channel` argument as a delivery target (`#name`, `@user`, a room id), or undefined. */
  async #target(channel: string | undefined): Promise<string | undefined> {
    if (channel === undefined) return undefined;
    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    const key = channel.replace(/^#/, "");
    if (Object.hasOwn(ctx.users, channel)) return `@${ctx.users[channel]}`;
    if (Object.hasOwn(ctx.channels, key)) return `#${ctx.channels[key]}`;
    const rid = fromSlackChannelId(channel);
    if (rid !== undefined) return rid;
    const uid = fromSlackUserId(channel);
    if (uid !== undefined) return (await this.#usernameOf(uid)) ?? undefined;
    return channel;
  }

  /** A Rocket.Chat user id → `@username` for a direct message. */
  async #usernameOf(uid: string): Promise<string | undefined> {
    if (!this.#rc) return undefined;
    const user = await this.#rc.userInfo({ userId: uid });
    const name = user.ok ? user.value?.["username"] : undefined;
    return typeof name === "string" ? `@${name}` : undefined;
  }

  async #resolve(room: string): Promise<{ ok: true; rid: string } | { ok: false; answer: Answer }> {
    const r = await this.#rooms.resolve(room);
    if (r.ok) return { ok: true, rid: r.value };
    return { ok: false, answer: this.#failure(r.failure, "channel_not_found", "channel_not_found") };
  }

  /** Whether `room` (resolved to `rid` when known) is on the bot's allow-list. */
  async #allowed(bot: WebBot, room: string, rid?: string): Promise<boolean> {
    if (bot.channels.length === 0) return true;
    const norm = (r: string) => r.replace(/^#/, "").toLowerCase();
    if (bot.channels.some((c) => norm(c) === norm(room))) return true;
    const target = rid ?? (await this.#rooms.resolve(room));
    const targetRid = typeof target === "string" ? target : target.ok ? target.value : undefined;
    if (targetRid === undefined) return false;
    for (const c of bot.channels) {
      const r = await this.#rooms.resolve(c);
      if (r.ok && r.value === targetRid) return true;
    }
    return false;
  }

  /** A Rocket.Chat failure as a Slack code; `notFound` for a missing room or message. */
  #failure(f: RocketChatFailure, notFound: string, refused: string): Answer {
    switch (f.kind) {
      case "not_found":
        return fail(notFound);
      case "archived":
        return fail("is_archived");
      case "forbidden":
        return fail(refused);
      case "invalid":
        return fail(refused);
      case "rate_limited":
        return { ok: false, error: "ratelimited", retryAfterSeconds: (f.retryAfterMs ?? 1000) / 1000 };
      default:
        return unavailable;
    }
  }

  /** The message behind `ts` in `channel`, checked against the allow-list. */
  async #message(bot: WebBot, channel: string | undefined, ts: string | undefined, missing = "message_not_found"): Promise<
    { ok: true; ref: TsRef; rid: string; doc: Record<string, unknown> } | { ok: false; answer: Answer }
  > {
    if (!this.#rc) return { ok: false, answer: fail("not_supported") };
    const room = await this.#target(channel);
    if (room === undefined) return { ok: false, answer: fail("channel_not_found") };
    const resolved = await this.#resolve(room);
    if (!resolved.ok) return resolved;
    if (!(await this.#allowed(bot, room, resolved.rid))) return { ok: false, answer: fail("channel_not_found") };
    const ref = ts === undefined ? undefined : await this.#services.outgoing.ts.get(ts);
    if (ref === undefined) return { ok: false, answer: fail(missing) };
    const doc = await this.#rc.messageDocument(ref.messageId);
    if (!doc.ok) return { ok: false, answer: this.#failure(doc.failure, missing, missing) };
    if (doc.value === undefined || doc.value["rid"] !== resolved.rid) return { ok: false, answer: fail(missing) };
    return { ok: true, ref, rid: resolved.rid, doc: doc.value };
  }

  // -- chat -----------------------------------------------------------------------------------

  async postMessage(bot: WebBot, args: Args, forcedRoom?: string): Promise<Answer> {
    const channel = str(args, "channel");
    const room = forcedRoom ?? (await this.#target(channel));
    if (room === undefined) return fail("channel_not_found");
    if (!(await this.#allowed(bot, room))) return fail("channel_not_found");

    const threadTs = str(args, "thread_ts");
    if (threadTs !== undefined && bot.channels.length > 0) {
      // A thread root never moves a message out of the rooms the bot may use.
      const root = await this.#services.outgoing.ts.get(threadTs);
      if (root !== undefined && !(await this.#allowed(bot, root.rid))) return fail("channel_not_found");
    }

    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    const { channel: _c, ...rest } = args;
    const payload = parseSlackPayload({ ...rest, channel: room });
    if (!payload) return fail("invalid_arguments");
    const translated = translateIncoming(payload, hookFor(bot, room), ctx, "slack");
    if (!translated.ok) return fail(DELIVERY_ERRORS[translated.error.code] ?? translated.error.code);

    const { room: target, messages } = translated.value;
    const posted = await postMessages(this.#services, bot.name, target, messages, translated.value.threadTs);
    if (!("ts" in posted)) {
      const { error, retryAfterSeconds } = posted.outcome;
      if (retryAfterSeconds !== undefined) return { ok: false, error: "ratelimited", retryAfterSeconds };
      if (error === "service_unavailable") return unavailable;
      return fail(DELIVERY_ERRORS[error] ?? error);
    }
    const { ts, rid } = posted;
    const message: Record<string, unknown> = {
      type: "message",
      subtype: "bot_message",
      text: payload.text ?? "",
      bot_id: toSlackBotId(bot.name),
    };
    const alias = messages[0]?.alias;
    if (alias !== undefined) message["username"] = alias;
    if (payload.attachments !== undefined) message["attachments"] = payload.attachments;
    if (payload.blocks !== undefined) message["blocks"] = payload.blocks;
    message["ts"] = ts;
    if (translated.value.threadTs !== undefined) message["thread_ts"] = translated.value.threadTs;
    const answerChannel = channel !== undefined && SLACK_CHANNEL_ID.test(channel) ? channel : toSlackChannelId(rid);
    return { ok: true, channel: answerChannel, ts, message };
  }

  async update(bot: WebBot, args: Args): Promise<Answer> {
    const ts = str(args, "ts");
    const found = await this.#message(bot, str(args, "channel"), ts);
    if (!found.ok) return found.answer;
    const { ref, rid, doc } = found;
    const rc = this.#rc!;

    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    const { channel: _c, thread_ts: _t, ...rest } = args;
    const payload = parseSlackPayload({ ...rest, channel: rid });
    if (!payload) return fail("invalid_arguments");
    const translated = translateIncoming(payload, hookFor(bot, rid), ctx, "slack");
    if (!translated.ok) return fail(DELIVERY_ERRORS[translated.error.code] ?? translated.error.code);
    if (translated.value.messages.length > 1) return fail("msg_too_long");
    const m = translated.value.messages[0]!;

    const result = await editMessage(rc, rid, ref.messageId, doc, m);
    if (!result.ok) return this.#failure(result.failure, "message_not_found", "cant_update_message");
    const message: Record<string, unknown> = { type: "message", subtype: "bot_message", text: payload.text ?? "", bot_id: toSlackBotId(bot.name), ts };
    if (payload.attachments !== undefined) message["attachments"] = payload.attachments;
    if (payload.blocks !== undefined) message["blocks"] = payload.blocks;
    return { ok: true, channel: toSlackChannelId(rid), ts, text: payload.text ?? "", message };
  }

  async delete(bot: WebBot, args: Args): Promise<Answer> {
    const ts = str(args, "ts");
    const found = await this.#message(bot, str(args, "channel"), ts);
    if (!found.ok) return found.answer;
    const deleted = await this.#rc!.deleteMessage(found.rid, found.ref.messageId);
    if (!deleted.ok) return this.#failure(deleted.failure, "message_not_found", "cant_delete_message");
    return { ok: true, channel: toSlackChannelId(found.rid), ts };
  }

  /** Rocket.Chat has no ephemeral posts over REST: the user gets a direct message instead. */
  async postEphemeral(bot: WebBot, args: Args): Promise<Answer> {
    const user = str(args, "user");
    if (user === undefined) return fail("user_not_in_channel");
    const room = await this.#target(str(args, "channel"));
    if (room === undefined || !(await this.#allowed(bot, room))) return fail("channel_not_found");
    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    const uid = fromSlackUserId(user);
    const dm = Object.hasOwn(ctx.users, user) ? `@${ctx.users[user]}` : uid !== undefined ? await this.#usernameOf(uid) : `@${user.replace(/^@/, "")}`;
    if (dm === undefined) return fail("user_not_in_channel");
    const { thread_ts: _t, ...rest } = args;
    const posted = await this.postMessage({ ...bot, channels: [] }, rest, dm);
    if (!posted.ok) return posted.error === "channel_not_found" ? fail("user_not_in_channel") : posted;
    return { ok: true, message_ts: posted["ts"] };
  }

  async getPermalink(bot: WebBot, args: Args): Promise<Answer> {
    const found = await this.#message(bot, str(args, "channel"), str(args, "message_ts"));
    if (!found.ok) return found.answer;
    const room = await this.#rc!.roomDocument({ roomId: found.rid });
    const base = this.#services.config.rocketchat!.url.replace(/\/+$/, "");
    const name = room.ok && typeof room.value["name"] === "string" ? encodeURIComponent(room.value["name"]) : undefined;
    const t = room.ok ? room.value["t"] : undefined;
    const path = t === "c" && name ? `channel/${name}` : t === "p" && name ? `group/${name}` : `direct/${encodeURIComponent(found.rid)}`;
    return { ok: true, channel: toSlackChannelId(found.rid), permalink: `${base}/${path}?msg=${encodeURIComponent(found.ref.messageId)}` };
  }

  // -- reactions ------------------------------------------------------------------------------

  async react(bot: WebBot, args: Args, add: boolean): Promise<Answer> {
    const name = str(args, "name");
    if (name === undefined) return fail("invalid_name");
    const found = await this.#message(bot, str(args, "channel"), str(args, "timestamp"));
    if (!found.ok) return found.answer;
    const rc = this.#rc!;
    const emoji = emojiName(name);
    if (!/^:[^:\s]+:$/.test(emoji)) return fail("invalid_name");
    const me = await this.#username();
    if (me === undefined) return unavailable;
    const reactions = found.doc["reactions"] as Record<string, { usernames?: string[] }> | undefined;
    const mine = reactions?.[emoji]?.usernames?.includes(me) ?? false;
    if (add && mine) return fail("already_reacted");
    if (!add && !mine) return fail("no_reaction");
    const done = await rc.react(found.ref.messageId, emoji, add);
    if (!done.ok) return done.failure.kind === "forbidden" || done.failure.kind === "invalid" ? fail("invalid_name") : this.#failure(done.failure, "message_not_found", "invalid_name");
    return { ok: true };
  }

  async #username(): Promise<string | undefined> {
    if (this.#me !== undefined || !this.#rc) return this.#me;
    const me = await this.#rc.userInfo({ userId: this.#services.config.rocketchat!.userId });
    const name = me.ok ? me.value?.["username"] : undefined;
    if (typeof name === "string") this.#me = name;
    return this.#me;
  }

  // -- conversations --------------------------------------------------------------------------

  async conversationsList(bot: WebBot, args: Args): Promise<Answer> {
    if (!this.#rc) return fail("not_supported");
    const rooms = await this.#rc.rooms();
    if (!rooms.ok) return this.#failure(rooms.failure, "channel_not_found", "restricted_action");
    const wanted = new Set((str(args, "types") ?? "public_channel").split(",").map((t) => t.trim()));
    const excludeArchived = flag(args, "exclude_archived");
    const kinds: Record<string, string> = { c: "public_channel", p: "private_channel", d: "im" };
    const list: Record<string, unknown>[] = [];
    for (const room of rooms.value) {
      const kind = kinds[String(room["t"])];
      if (kind === undefined || !wanted.has(kind)) continue;
      if (excludeArchived && room["archived"] === true) continue;
      const id = String(room["_id"]);
      if (!(await this.#allowed(bot, id, id))) continue;
      list.push(channelObject(room));
    }
    const limit = int(args, "limit", 100, 1, 1000);
    const cursor = str(args, "cursor");
    const offset = cursor !== undefined && /^offset:\d+$/.test(decodeCursor(cursor)) ? Number(decodeCursor(cursor).slice(7)) : 0;
    const page = list.slice(offset, offset + limit);
    const next = offset + limit < list.length ? btoa(`offset:${offset + limit}`) : "";
    return { ok: true, channels: page, response_metadata: { next_cursor: next } };
  }

  async conversationsInfo(bot: WebBot, args: Args): Promise<Answer> {
    if (!this.#rc) return fail("not_supported");
    const room = await this.#target(str(args, "channel"));
    if (room === undefined) return fail("channel_not_found");
    const rid = await this.#resolve(room);
    // An archived room is still described (rooms.info by id answers it too).
    const id = rid.ok ? rid.rid : fromSlackChannelId(str(args, "channel") ?? "");
    if (id === undefined) return rid.ok ? fail("channel_not_found") : rid.answer;
    if (!(await this.#allowed(bot, room, id))) return fail("channel_not_found");
    const doc = await this.#rc.roomDocument({ roomId: id });
    if (doc.ok) return { ok: true, channel: channelObject(doc.value) };
    if (doc.failure.kind !== "archived") return this.#failure(doc.failure, "channel_not_found", "channel_not_found");
    // rooms.info refuses archived rooms; the subscription list still has them.
    const rooms = await this.#rc.rooms();
    const listed = rooms.ok ? rooms.value.find((r) => r["_id"] === id) : undefined;
    return listed === undefined ? fail("channel_not_found") : { ok: true, channel: channelObject(listed) };
  }

  // -- users ----------------------------------------------------------------------------------

  async usersInfo(_bot: WebBot, args: Args): Promise<Answer> {
    if (!this.#rc) return fail("not_supported");
    const user = str(args, "user");
    if (user === undefined) return fail("user_not_found");
    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    const uid = fromSlackUserId(user);
    const query = Object.hasOwn(ctx.users, user)
      ? { username: ctx.users[user]! }
      : uid !== undefined
        ? { userId: uid }
        : { username: user.replace(/^@/, "") };
    const found = await this.#rc.userInfo(query);
    if (!found.ok) return this.#failure(found.failure, "user_not_found", "user_not_found");
    if (found.value === undefined) return fail("user_not_found");
    return { ok: true, user: userObject(found.value, this.#services) };
  }

  async lookupByEmail(_bot: WebBot, args: Args): Promise<Answer> {
    if (!this.#rc) return fail("not_supported");
    const email = str(args, "email");
    if (email === undefined) return fail("users_not_found");
    const found = await this.#rc.userInfo({ email });
    if (!found.ok) return this.#failure(found.failure, "users_not_found", "users_not_found");
    if (found.value === undefined) return fail("users_not_found");
    return { ok: true, user: userObject(found.value, this.#services) };
  }

  // -- files ----------------------------------------------------------------------------------

  /** Legacy `files.upload`: the file (multipart `file`, or `content`) into the first channel. */
  async filesUpload(bot: WebBot, args: Args): Promise<Answer> {
    const file = args["file"];
    const content = str(args, "content");
    let bytes: Uint8Array;
    let name = str(args, "filename");
    let type = str(args, "filetype") ?? "application/octet-stream";
    if (file instanceof File) {
      bytes = new Uint8Array(await file.arrayBuffer());
      name ??= file.name || "file";
      if (file.type) type = file.type;
    } else if (content !== undefined) {
      bytes = new TextEncoder().encode(args["content"] as string);
      if (type === "application/octet-stream") type = "text/plain";
    } else {
      return fail("no_file_data");
    }
    const channels = (str(args, "channels") ?? str(args, "channel") ?? "").split(",").map((c) => c.trim()).filter((c) => c !== "");
    const pending: PendingFile = { id: this.uploads.newId(), bot: bot.name, name: name ?? "file", length: bytes.byteLength, bytes, expiresAt: Infinity };
    if (channels.length === 0) return fail("invalid_channel");
    const title = str(args, "title");
    const posted = await this.#postFile(bot, pending, channels[0]!, str(args, "initial_comment"), str(args, "thread_ts"), title, type);
    if (!posted.ok) return posted;
    return { ok: true, file: posted["file"] };
  }

  async getUploadUrl(bot: WebBot, args: Args): Promise<Answer> {
    const filename = str(args, "filename");
    const length = str(args, "length");
    if (filename === undefined || length === undefined || !/^\d+$/.test(length) || Number(length) === 0) return fail("invalid_arguments");
    if (Number(length) > this.uploads.maxBytes) return fail("file_too_large");
    const file = this.uploads.create(bot.name, filename, Number(length));
    return { ok: true, upload_url: `${this.#opts.baseUrl()}/api/upload/${file.id}`, file_id: file.id };
  }

  async completeUpload(bot: WebBot, args: Args): Promise<Answer> {
    const files = args["files"];
    if (!Array.isArray(files) || files.length === 0) return fail("invalid_arguments");
    const channel = str(args, "channel_id") ?? str(args, "channels");
    const done: Record<string, unknown>[] = [];
    for (const entry of files) {
      const id = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)["id"] : undefined;
      const file = typeof id === "string" ? this.uploads.take(id, bot.name) : undefined;
      if (file === undefined || file.bytes === undefined) return fail("file_not_found");
      const title = (entry as Record<string, unknown>)["title"];
      if (channel === undefined) {
        done.push(fileObject(file, typeof title === "string" ? title : file.name, "application/octet-stream"));
        continue;
      }
      const comment = done.length === 0 ? str(args, "initial_comment") : undefined;
      const posted = await this.#postFile(bot, file, channel, comment, str(args, "thread_ts"), typeof title === "string" ? title : undefined, typeFor(file.name));
      if (!posted.ok) return posted;
      done.push(posted["file"] as Record<string, unknown>);
    }
    return { ok: true, files: done };
  }

  async #postFile(
    bot: WebBot,
    file: PendingFile,
    channel: string,
    comment: string | undefined,
    threadTs: string | undefined,
    title: string | undefined,
    type: string,
  ): Promise<Answer> {
    if (!this.#rc) return fail("not_supported");
    const room = await this.#target(channel);
    if (room === undefined) return fail("channel_not_found");
    const resolved = await this.#resolve(room);
    if (!resolved.ok) return resolved.answer;
    if (!(await this.#allowed(bot, room, resolved.rid))) return fail("channel_not_found");
    const ctx = this.#services.outgoing.names.context(this.#services.translate);
    let msg: string | undefined;
    if (comment !== undefined) {
      const t = translateIncoming({ text: comment, channel: resolved.rid }, hookFor(bot, resolved.rid), ctx, "slack");
      msg = t.ok ? t.value.messages.map((m) => m.msg).join("\n") : comment;
    }
    const root = threadTs === undefined ? undefined : await this.#services.outgoing.ts.get(threadTs);
    const posted = await this.#rc.upload(
      resolved.rid,
      { name: file.name, type, bytes: file.bytes! },
      { ...(msg !== undefined && { msg }), ...(title !== undefined && { description: title }), ...(root !== undefined && { tmid: root.messageId }) },
    );
    if (!posted.ok) return this.#failure(posted.failure, "channel_not_found", posted.failure.message.includes("too-large") ? "file_too_large" : "restricted_action");
    return { ok: true, file: fileObject(file, title ?? file.name, type, toSlackChannelId(resolved.rid)) };
  }
}

const decodeCursor = (cursor: string): string => {
  try {
    return atob(cursor);
  } catch {
    return "";
  }
};

const TYPES: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  pdf: "application/pdf",
};

const typeFor = (name: string): string => TYPES[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

const seconds = (value: unknown): number => {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
};

/** A Rocket.Chat room as Slack's conversation object. */
export function channelObject(room: Record<string, unknown>): Record<string, unknown> {
  const t = room["t"];
  const name = typeof room["name"] === "string" ? room["name"] : String(room["_id"]);
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    id: toSlackChannelId(String(room["_id"])),
    name,
    name_normalized: name.toLowerCase(),
    is_channel: t === "c",
    is_group: t === "p",
    is_im: t === "d",
    is_mpim: false,
    is_private: t !== "c",
    is_archived: room["archived"] === true,
    is_general: room["_id"] === "GENERAL",
    is_member: true,
    created: seconds(room["ts"]),
    creator: "",
    topic: { value: text(room["topic"]), creator: "", last_set: 0 },
    purpose: { value: text(room["description"]), creator: "", last_set: 0 },
    ...(typeof room["usersCount"] === "number" && { num_members: room["usersCount"] }),
  };
}

/** A Rocket.Chat user as Slack's user object. */
export function userObject(user: Record<string, unknown>, services: Services): Record<string, unknown> {
  const username = String(user["username"] ?? "");
  const name = typeof user["name"] === "string" ? user["name"] : username;
  const emails = user["emails"] as Array<{ address?: string }> | undefined;
  const email = emails?.[0]?.address;
  const base = services.config.rocketchat?.url.replace(/\/+$/, "") ?? "";
  const image = `${base}/avatar/${encodeURIComponent(username)}`;
  return {
    id: toSlackUserId(String(user["_id"])),
    team_id: workspaceOf(services).teamId,
    name: username,
    real_name: name,
    deleted: user["active"] === false,
    is_bot: user["type"] === "bot" || (Array.isArray(user["roles"]) && user["roles"].includes("bot")),
    is_admin: Array.isArray(user["roles"]) && user["roles"].includes("admin"),
    profile: {
      display_name: username,
      real_name: name,
      ...(email !== undefined && { email }),
      image_48: image,
      image_72: image,
    },
  };
}
