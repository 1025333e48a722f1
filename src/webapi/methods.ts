/**
 * The Slack Web API methods slackline answers (docs/web-api.md), each as Slack answers it:
 * `{ok:true,…}` or `{ok:false,error}` with Slack's codes. Messages go through the same
 * translation and the same durable delivery as an incoming webhook; edits, deletes, reactions,
 * files and look-ups call Rocket.Chat's REST API directly.
 */
import type { Config } from "../config/schema.ts";
import type { RocketChatApi, RocketChatFailure, RocketChatResult } from "../rocketchat/client.ts";
import { RoomResolver } from "../rocketchat/rooms.ts";
import { emojiName } from "../slack/emoji.ts";
import type { SlackErrorCode } from "../slack/errors.ts";
import { parseSlackPayload, type SlackPayload } from "../slack/payload.ts";
import { hookContext, translateIncoming } from "../translate/incoming.ts";
import { fromSlackChannelId, fromSlackUserId, toSlackBotId, toSlackChannelId, toSlackUserId } from "../slack/ids.ts";
import type { TsRef } from "../state/ts-map.ts";
import type { Workspace } from "../outgoing/deps.ts";
import type { Relay } from "../outgoing/relay.ts";
import { DEFAULT_API_APP_ID } from "../outgoing/slack-requests.ts";
import { flag, int, str, type Args } from "./args.ts";
import { hookFor, type WebBot } from "./bots.ts";
import { editMessage, restClient } from "./edit.ts";
import { fileObject, MAX_FILE_BYTES, newFileId, type UploadedFile, type UploadStore } from "./files.ts";
import { trimEndOf } from "../text/trim.ts";

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

/** What the Web API runs on: the outgoing relay (its stores, translation, delivery, workspace) and the Rocket.Chat server. */
export interface WebApiDeps {
  readonly relay: Relay;
  /** The Rocket.Chat API (or the demo inbox): rooms are resolved through it, REST calls need a server. */
  readonly rocketchat: RocketChatApi;
  /** The server's URL and slackline's user there; absent with the demo inbox. */
  readonly server: Pick<NonNullable<Config["rocketchat"]>, "url" | "userId"> | undefined;
  /** Files between `files.getUploadURLExternal`, their upload and `files.completeUploadExternal`. */
  readonly uploads: UploadStore;
}

export interface WebApiOptions {
  /** Where `files.getUploadURLExternal` points (`publicUrl`, else the request's origin). */
  readonly baseUrl: () => string;
}

/** Methods that post or change something count against the bot's rate limit. */
export const WRITES = new Set([
  "chat.postMessage",
  "chat.update",
  "chat.delete",
  "chat.postEphemeral",
  "reactions.add",
  "reactions.remove",
  "files.upload",
  "files.completeUploadExternal",
]);

export interface WebApi {
  readonly methods: Record<string, Method>;
}

/** The methods, as closures over their dependencies (smaller in the Worker bundle than a class). */
export function webApi(deps: WebApiDeps, opts: WebApiOptions): WebApi {
  const { relay, server, uploads } = deps;
  const { stores, translate, now, workspace } = relay.deps;
  const rooms = new RoomResolver(deps.rocketchat, { now });
  const rc = restClient(deps.rocketchat);
  let me: string | undefined;

  // -- auth -----------------------------------------------------------------------------------

  function authTest(bot: WebBot): Answer {
    return {
      ok: true,
      url: workspace.url,
      team: bot.teamDomain ?? workspace.teamDomain,
      user: "slackline",
      team_id: bot.teamId ?? workspace.teamId,
      user_id: workspace.botUserId,
      bot_id: toSlackBotId(bot.name),
      app_id: bot.apiAppId ?? DEFAULT_API_APP_ID,
      is_enterprise_install: false,
    };
  }

  // -- rooms ----------------------------------------------------------------------------------

  /** A `channel` argument as a delivery target (`#name`, `@user`, a room id), or undefined. */
  async function targetOf(channel: string | undefined): Promise<string | undefined> {
    if (channel === undefined) return undefined;
    const ctx = stores.names.context(translate);
    const key = channel.replace(/^#/, "");
    if (Object.hasOwn(ctx.users, channel)) return `@${ctx.users[channel]}`;
    if (Object.hasOwn(ctx.channels, key)) return `#${ctx.channels[key]}`;
    const rid = fromSlackChannelId(channel);
    if (rid !== undefined) return rid;
    const uid = fromSlackUserId(channel);
    if (uid !== undefined) return (await usernameOf(uid)) ?? undefined;
    return channel;
  }

  /** A Rocket.Chat user id → `@username` for a direct message. */
  async function usernameOf(uid: string): Promise<string | undefined> {
    if (!rc) return undefined;
    const user = await rc.userInfo({ userId: uid });
    const name = user.ok ? user.value?.["username"] : undefined;
    return typeof name === "string" ? `@${name}` : undefined;
  }

  async function resolve(room: string): Promise<{ ok: true; rid: string } | { ok: false; answer: Answer }> {
    const r = await rooms.resolve(room);
    if (r.ok) return { ok: true, rid: r.value };
    return { ok: false, answer: failure(r.failure, "channel_not_found", "channel_not_found") };
  }

  /** Whether `room` (resolved to `rid` when known) is on the bot's allow-list. */
  async function allowed(bot: WebBot, room: string, rid?: string): Promise<boolean> {
    if (bot.channels.length === 0) return true;
    const norm = (r: string) => r.replace(/^#/, "").toLowerCase();
    if (bot.channels.some((c) => norm(c) === norm(room))) return true;
    const target = rid ?? (await rooms.resolve(room));
    const targetRid = typeof target === "string" ? target : target.ok ? target.value : undefined;
    if (targetRid === undefined) return false;
    for (const c of bot.channels) {
      const r = await rooms.resolve(c);
      if (r.ok && r.value === targetRid) return true;
    }
    return false;
  }

  /** The message behind `ts` in `channel`, checked against the allow-list. */
  async function messageAt(
    bot: WebBot,
    channel: string | undefined,
    ts: string | undefined,
    missing = "message_not_found",
  ): Promise<{ ok: true; ref: TsRef; rid: string; doc: Record<string, unknown> } | { ok: false; answer: Answer }> {
    if (!rc) return { ok: false, answer: fail("not_supported") };
    const room = await targetOf(channel);
    if (room === undefined) return { ok: false, answer: fail("channel_not_found") };
    const resolved = await resolve(room);
    if (!resolved.ok) return resolved;
    if (!(await allowed(bot, room, resolved.rid))) return { ok: false, answer: fail("channel_not_found") };
    const ref = ts === undefined ? undefined : await stores.ts.get(ts);
    if (ref === undefined) return { ok: false, answer: fail(missing) };
    // The whole document (text, attachments, reactions), not only StoredMessage's keys.
    const doc = (await rc.getMessage(ref.messageId)) as RocketChatResult<Record<string, unknown> | undefined>;
    if (!doc.ok) return { ok: false, answer: failure(doc.failure, missing, missing) };
    if (doc.value === undefined || doc.value["rid"] !== resolved.rid) return { ok: false, answer: fail(missing) };
    return { ok: true, ref, rid: resolved.rid, doc: doc.value };
  }

  // -- chat -----------------------------------------------------------------------------------

  async function postMessage(bot: WebBot, args: Args, forcedRoom?: string): Promise<Answer> {
    const channel = str(args, "channel");
    const room = forcedRoom ?? (await targetOf(channel));
    if (room === undefined) return fail("channel_not_found");
    if (!(await allowed(bot, room))) return fail("channel_not_found");

    const threadTs = str(args, "thread_ts");
    if (threadTs !== undefined && bot.channels.length > 0) {
      // A thread root never moves a message out of the rooms the bot may use.
      const root = await stores.ts.get(threadTs);
      if (root !== undefined && !(await allowed(bot, root.rid))) return fail("channel_not_found");
    }

    const ctx = hookContext(stores.names.context(translate), bot);
    const { channel: _c, ...rest } = args;
    const payload = parseSlackPayload({ ...rest, channel: room });
    if (!payload) return fail("invalid_arguments");
    const translated = translateIncoming(payload, hookFor(bot, room), ctx, "slack");
    if (!translated.ok) return fail(DELIVERY_ERRORS[translated.error.code] ?? translated.error.code);

    const { room: target, messages } = translated.value;
    const posted = await relay.postMessages(bot.name, target, messages, translated.value.threadTs);
    if (!("ts" in posted)) {
      const { error, retryAfterSeconds } = posted.outcome;
      if (retryAfterSeconds !== undefined) return { ok: false, error: "ratelimited", retryAfterSeconds };
      if (error === "service_unavailable") return unavailable;
      return fail(DELIVERY_ERRORS[error] ?? error);
    }
    const { ts, rid } = posted;
    const message = botMessage(bot, payload, ts, messages[0]?.alias, translated.value.threadTs);
    return { ok: true, channel: echoChannel(channel, rid), ts, message };
  }

  async function update(bot: WebBot, args: Args): Promise<Answer> {
    const ts = str(args, "ts");
    const found = await messageAt(bot, str(args, "channel"), ts);
    if (!found.ok) return found.answer;
    const { ref, rid, doc } = found;

    const ctx = hookContext(stores.names.context(translate), bot);
    const { channel: _c, thread_ts: _t, ...rest } = args;
    const payload = parseSlackPayload({ ...rest, channel: rid });
    if (!payload) return fail("invalid_arguments");
    const translated = translateIncoming(payload, hookFor(bot, rid), ctx, "slack");
    if (!translated.ok) return fail(DELIVERY_ERRORS[translated.error.code] ?? translated.error.code);
    if (translated.value.messages.length > 1) return fail("msg_too_long");
    const m = translated.value.messages[0]!;

    const result = await editMessage(rc!, rid, ref.messageId, doc, m);
    if (!result.ok) return failure(result.failure, "message_not_found", "cant_update_message");
    return {
      ok: true,
      channel: echoChannel(str(args, "channel"), rid),
      ts,
      text: payload.text ?? "",
      message: botMessage(bot, payload, ts!),
    };
  }

  async function remove(bot: WebBot, args: Args): Promise<Answer> {
    const ts = str(args, "ts");
    const found = await messageAt(bot, str(args, "channel"), ts);
    if (!found.ok) return found.answer;
    const deleted = await rc!.deleteMessage(found.rid, found.ref.messageId);
    if (!deleted.ok) return failure(deleted.failure, "message_not_found", "cant_delete_message");
    return { ok: true, channel: echoChannel(str(args, "channel"), found.rid), ts };
  }

  /** Rocket.Chat has no ephemeral posts over REST: the user gets a direct message instead. */
  async function postEphemeral(bot: WebBot, args: Args): Promise<Answer> {
    const user = str(args, "user");
    if (user === undefined) return fail("user_not_in_channel");
    const room = await targetOf(str(args, "channel"));
    if (room === undefined || !(await allowed(bot, room))) return fail("channel_not_found");
    const ctx = hookContext(stores.names.context(translate), bot);
    const uid = fromSlackUserId(user);
    const dm = Object.hasOwn(ctx.users, user)
      ? `@${ctx.users[user]}`
      : uid !== undefined
        ? await usernameOf(uid)
        : `@${user.replace(/^@/, "")}`;
    if (dm === undefined) return fail("user_not_in_channel");
    const { thread_ts: _t, ...rest } = args;
    const posted = await postMessage({ ...bot, channels: [] }, rest, dm);
    if (!posted.ok) return posted.error === "channel_not_found" ? fail("user_not_in_channel") : posted;
    return { ok: true, message_ts: posted["ts"] };
  }

  async function getPermalink(bot: WebBot, args: Args): Promise<Answer> {
    const found = await messageAt(bot, str(args, "channel"), str(args, "message_ts"));
    if (!found.ok) return found.answer;
    const room = await rc!.roomDocument({ roomId: found.rid });
    const base = trimEndOf(server!.url, "/");
    const name = room.ok && typeof room.value["name"] === "string" ? encodeURIComponent(room.value["name"]) : undefined;
    const t = room.ok ? room.value["t"] : undefined;
    const path =
      t === "c" && name
        ? `channel/${name}`
        : t === "p" && name
          ? `group/${name}`
          : `direct/${encodeURIComponent(found.rid)}`;
    return {
      ok: true,
      channel: toSlackChannelId(found.rid),
      permalink: `${base}/${path}?msg=${encodeURIComponent(found.ref.messageId)}`,
    };
  }

  // -- reactions ------------------------------------------------------------------------------

  async function react(bot: WebBot, args: Args, add: boolean): Promise<Answer> {
    const name = str(args, "name");
    if (name === undefined) return fail("invalid_name");
    const found = await messageAt(bot, str(args, "channel"), str(args, "timestamp"));
    if (!found.ok) return found.answer;
    const emoji = emojiName(name);
    if (!/^:[^:\s]+:$/.test(emoji)) return fail("invalid_name");
    const self = await myName();
    if (self === undefined) return unavailable;
    const reactions = found.doc["reactions"] as Record<string, { usernames?: string[] }> | undefined;
    const mine = reactions?.[emoji]?.usernames?.includes(self) ?? false;
    if (add && mine) return fail("already_reacted");
    if (!add && !mine) return fail("no_reaction");
    const done = await rc!.react(found.ref.messageId, emoji, add);
    if (!done.ok)
      return done.failure.kind === "forbidden" || done.failure.kind === "invalid"
        ? fail("invalid_name")
        : failure(done.failure, "message_not_found", "invalid_name");
    return { ok: true };
  }

  async function myName(): Promise<string | undefined> {
    if (me !== undefined || !rc) return me;
    const self = await rc.userInfo({ userId: server!.userId });
    const name = self.ok ? self.value?.["username"] : undefined;
    if (typeof name === "string") me = name;
    return me;
  }

  // -- conversations --------------------------------------------------------------------------

  async function conversationsList(bot: WebBot, args: Args): Promise<Answer> {
    if (!rc) return fail("not_supported");
    const rooms = await rc.rooms();
    if (!rooms.ok) return failure(rooms.failure, "channel_not_found", "restricted_action");
    const wanted = new Set((str(args, "types") ?? "public_channel").split(",").map((t) => t.trim()));
    const excludeArchived = flag(args, "exclude_archived");
    const kinds: Record<string, string> = { c: "public_channel", p: "private_channel", d: "im" };
    const list: Record<string, unknown>[] = [];
    for (const room of rooms.value) {
      const kind = kinds[String(room["t"])];
      if (kind === undefined || !wanted.has(kind)) continue;
      if (excludeArchived && room["archived"] === true) continue;
      const id = String(room["_id"]);
      if (!(await allowed(bot, id, id))) continue;
      list.push(channelObject(room));
    }
    const limit = int(args, "limit", 100, 1, 1000);
    const cursor = str(args, "cursor");
    const offset =
      cursor !== undefined && /^offset:\d+$/.test(decodeCursor(cursor)) ? Number(decodeCursor(cursor).slice(7)) : 0;
    const page = list.slice(offset, offset + limit);
    const next = offset + limit < list.length ? btoa(`offset:${offset + limit}`) : "";
    return { ok: true, channels: page, response_metadata: { next_cursor: next } };
  }

  async function conversationsInfo(bot: WebBot, args: Args): Promise<Answer> {
    if (!rc) return fail("not_supported");
    const room = await targetOf(str(args, "channel"));
    if (room === undefined) return fail("channel_not_found");
    const rid = await resolve(room);
    // An archived room is still described (rooms.info by id answers it too).
    const id = rid.ok ? rid.rid : fromSlackChannelId(str(args, "channel") ?? "");
    if (id === undefined) return rid.ok ? fail("channel_not_found") : rid.answer;
    if (!(await allowed(bot, room, id))) return fail("channel_not_found");
    const doc = await rc.roomDocument({ roomId: id });
    if (doc.ok) return { ok: true, channel: channelObject(doc.value) };
    if (doc.failure.kind !== "archived") return failure(doc.failure, "channel_not_found", "channel_not_found");
    // rooms.info refuses archived rooms; the subscription list still has them.
    const rooms = await rc.rooms();
    const listed = rooms.ok ? rooms.value.find((r) => r["_id"] === id) : undefined;
    return listed === undefined ? fail("channel_not_found") : { ok: true, channel: channelObject(listed) };
  }

  // -- users ----------------------------------------------------------------------------------

  async function usersInfo(_bot: WebBot, args: Args): Promise<Answer> {
    if (!rc) return fail("not_supported");
    const user = str(args, "user");
    if (user === undefined) return fail("user_not_found");
    const ctx = stores.names.context(translate);
    const uid = fromSlackUserId(user);
    const query = Object.hasOwn(ctx.users, user)
      ? { username: ctx.users[user]! }
      : uid !== undefined
        ? { userId: uid }
        : { username: user.replace(/^@/, "") };
    const found = await rc.userInfo(query);
    if (!found.ok) return failure(found.failure, "user_not_found", "user_not_found");
    if (found.value === undefined) return fail("user_not_found");
    return { ok: true, user: userObject(found.value, server, workspace) };
  }

  async function lookupByEmail(_bot: WebBot, args: Args): Promise<Answer> {
    if (!rc) return fail("not_supported");
    const email = str(args, "email");
    if (email === undefined) return fail("users_not_found");
    const found = await rc.userInfo({ email });
    if (!found.ok) return failure(found.failure, "users_not_found", "users_not_found");
    if (found.value === undefined) return fail("users_not_found");
    return { ok: true, user: userObject(found.value, server, workspace) };
  }

  // -- files ----------------------------------------------------------------------------------

  /** Legacy `files.upload`: the file (multipart `file`, or `content`) into the first channel. */
  async function filesUpload(bot: WebBot, args: Args): Promise<Answer> {
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
    const channels = (str(args, "channels") ?? str(args, "channel") ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "");
    const pending: UploadedFile = {
      id: newFileId(),
      bot: bot.name,
      name: name ?? "file",
      length: bytes.byteLength,
      bytes,
      expiresAt: Infinity,
    };
    if (channels.length === 0) return fail("invalid_channel");
    const title = str(args, "title");
    const posted = await postFile(
      bot,
      pending,
      channels[0]!,
      str(args, "initial_comment"),
      str(args, "thread_ts"),
      title,
      type,
    );
    if (!posted.ok) return posted;
    return { ok: true, file: posted["file"] };
  }

  async function getUploadUrl(bot: WebBot, args: Args): Promise<Answer> {
    const filename = str(args, "filename");
    const length = str(args, "length");
    if (filename === undefined || length === undefined || !/^\d+$/.test(length) || Number(length) === 0)
      return fail("invalid_arguments");
    if (Number(length) > MAX_FILE_BYTES) return fail("file_too_large");
    const file = await uploads.create(bot.name, filename, Number(length));
    return { ok: true, upload_url: `${opts.baseUrl()}/api/upload/${file.id}`, file_id: file.id };
  }

  async function completeUpload(bot: WebBot, args: Args): Promise<Answer> {
    const files = args["files"];
    if (!Array.isArray(files) || files.length === 0) return fail("invalid_arguments");
    const channel = str(args, "channel_id") ?? str(args, "channels");
    const done: Record<string, unknown>[] = [];
    for (const entry of files) {
      const id = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)["id"] : undefined;
      const file = typeof id === "string" ? await uploads.take(id, bot.name) : undefined;
      if (file === undefined) return fail("file_not_found");
      const title = (entry as Record<string, unknown>)["title"];
      if (channel === undefined) {
        done.push(fileObject(file, typeof title === "string" ? title : file.name, "application/octet-stream"));
        continue;
      }
      const comment = done.length === 0 ? str(args, "initial_comment") : undefined;
      const posted = await postFile(
        bot,
        file,
        channel,
        comment,
        str(args, "thread_ts"),
        typeof title === "string" ? title : undefined,
        typeFor(file.name),
      );
      if (!posted.ok) return posted;
      done.push(posted["file"] as Record<string, unknown>);
    }
    return { ok: true, files: done };
  }

  async function postFile(
    bot: WebBot,
    file: UploadedFile,
    channel: string,
    comment: string | undefined,
    threadTs: string | undefined,
    title: string | undefined,
    type: string,
  ): Promise<Answer> {
    if (!rc) return fail("not_supported");
    const room = await targetOf(channel);
    if (room === undefined) return fail("channel_not_found");
    const resolved = await resolve(room);
    if (!resolved.ok) return resolved.answer;
    if (!(await allowed(bot, room, resolved.rid))) return fail("channel_not_found");
    const ctx = hookContext(stores.names.context(translate), bot);
    let msg: string | undefined;
    if (comment !== undefined) {
      const t = translateIncoming({ text: comment, channel: resolved.rid }, hookFor(bot, resolved.rid), ctx, "slack");
      msg = t.ok ? t.value.messages.map((m) => m.msg).join("\n") : comment;
    }
    const root = threadTs === undefined ? undefined : await stores.ts.get(threadTs);
    const posted = await rc.upload(
      resolved.rid,
      { name: file.name, type, bytes: file.bytes },
      {
        ...(msg !== undefined && { msg }),
        ...(title !== undefined && { description: title }),
        ...(root !== undefined && { tmid: root.messageId }),
      },
    );
    if (!posted.ok)
      return failure(
        posted.failure,
        "channel_not_found",
        posted.failure.message.includes("too-large") ? "file_too_large" : "restricted_action",
      );
    return { ok: true, file: fileObject(file, title ?? file.name, type, toSlackChannelId(resolved.rid)) };
  }
  return {
    methods: {
      "auth.test": async (bot) => authTest(bot),
      "chat.postMessage": (bot, args) => postMessage(bot, args),
      "chat.update": update,
      "chat.delete": remove,
      "chat.postEphemeral": postEphemeral,
      "chat.getPermalink": getPermalink,
      "reactions.add": (bot, args) => react(bot, args, true),
      "reactions.remove": (bot, args) => react(bot, args, false),
      "conversations.list": conversationsList,
      "conversations.info": conversationsInfo,
      "users.info": usersInfo,
      "users.lookupByEmail": lookupByEmail,
      "files.upload": filesUpload,
      "files.getUploadURLExternal": getUploadUrl,
      "files.completeUploadExternal": completeUpload,
    },
  };
}

/** A Rocket.Chat failure as a Slack code; `notFound` for a missing room or message. */
function failure(f: RocketChatFailure, notFound: string, refused: string): Answer {
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

/** The `message` of an answer: what the bot sent, as Slack echoes it. */
function botMessage(
  bot: WebBot,
  payload: SlackPayload,
  ts: string,
  username?: string,
  threadTs?: string,
): Record<string, unknown> {
  return {
    type: "message",
    subtype: "bot_message",
    text: payload.text ?? "",
    bot_id: toSlackBotId(bot.name),
    ...(username !== undefined && { username }),
    ...(payload.attachments !== undefined && { attachments: payload.attachments }),
    ...(payload.blocks !== undefined && { blocks: payload.blocks }),
    ts,
    ...(threadTs !== undefined && { thread_ts: threadTs }),
  };
}

/** The channel id to answer with: the Slack-shaped one the caller gave, else ours for the room. */
const echoChannel = (given: string | undefined, rid: string): string =>
  given !== undefined && SLACK_CHANNEL_ID.test(given) ? given : toSlackChannelId(rid);

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

const typeFor = (name: string): string =>
  TYPES[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

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
export function userObject(
  user: Record<string, unknown>,
  server: WebApiDeps["server"],
  workspace: Workspace,
): Record<string, unknown> {
  const username = String(user["username"] ?? "");
  const name = typeof user["name"] === "string" ? user["name"] : username;
  const emails = user["emails"] as Array<{ address?: string }> | undefined;
  const email = emails?.[0]?.address;
  const base = trimEndOf(server?.url ?? "", "/");
  const image = `${base}/avatar/${encodeURIComponent(username)}`;
  return {
    id: toSlackUserId(String(user["_id"])),
    team_id: workspace.teamId,
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
