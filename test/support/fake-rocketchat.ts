/**
 * A fake Rocket.Chat REST server for the test suites (docs/rocketchat.md §2, §3). It answers like the
 * real one does, envelope and error strings included, so a gateway bug shows up here instead of in
 * production: it validates what Rocket.Chat validates and rejects what Rocket.Chat rejects.
 *
 * Plain `node:http` on 127.0.0.1, synchronous handlers (messages are stored in arrival order), no
 * logging, and switchable request recording, so benchmarks can hammer it with keep-alive.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { FakeSettings, NewRoom, StoredMessage } from "./fake-model.ts";

export type { FakeSettings, NewRoom, StoredMessage };

export interface FakeRocketChatOptions {
  /** The credentials the server accepts. Defaults "bot-user-id" / "bot-auth-token". */
  userId?: string;
  authToken?: string;
  /** Default "slackline.bot". */
  botUsername?: string;
  /** Default true; false for benchmarks. `fake.recordRequests` can be flipped later too. */
  recordRequests?: boolean;
  /** Request bodies above this answer 413. Default 10 MiB. */
  bodyLimitBytes?: number;
  /** Seeds the id generator so ids are the same on every run. Default 1. */
  seed?: number;
  maxMessageSize?: number;
  threadsEnabled?: boolean;
  allowMentionAll?: boolean;
  allowMentionHere?: boolean;
  unknownTmid?: "reject" | "store";
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The route name after `/api/v1/`, e.g. "chat.sendMessage". */
  endpoint: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON; undefined without a body. */
  body: unknown;
  /** What was answered; null while pending or when the socket was destroyed instead. */
  status: number | null;
}

export interface FakeRoom {
  _id: string;
  t: "c" | "p" | "d";
  name?: string;
  fname?: string;
  archived?: boolean;
  /** Whether the bot is subscribed; matters for private groups only. */
  member: boolean;
  usernames?: string[];
  uids?: string[];
}

export interface FaultSwitches {
  /**
   * Closes the port and destroys every open connection, like a crash; false listens again on the
   * same port. A client that reuses a pooled keep-alive socket before noticing it closed gets a
   * socket error rather than ECONNREFUSED: `await fake.setDown(true)` waits until it can notice.
   */
  down: boolean;
  /** Every answer waits this long. */
  delayMs: number;
  /** With `delayMs`: process (and store) first, then wait; otherwise wait, then process. */
  storeThenDelay: boolean;
  /** Answer this 5xx status (storing nothing) to the next `status5xxCount` requests. */
  status5xx: number | null;
  /** Default Infinity: until `status5xx` is cleared. `status5xx` clears itself at 0. */
  status5xxCount: number;
  /** Only requests to this route (e.g. "chat.sendMessage") get the 5xx; null = every route. */
  status5xxEndpoint: string | null;
  /** The next N message posts (chat.sendMessage / chat.postMessage) answer 429. */
  rateLimitNext: number;
  /** The wait the 429 announces. Default 60. */
  rateLimitSeconds: number;
  /** The next N message posts are stored, then the socket is destroyed without an answer. */
  resetAfterStore: number;
  /** A string answers 400 with it as the error for that message (nothing stored). */
  reject: ((message: StoredMessage) => string | null) | null;
}

export interface FakeRocketChat {
  /** "http://127.0.0.1:PORT", stable across `faults.down`. */
  readonly url: string;
  readonly userId: string;
  /** The token the server accepts; change it to revoke the one a client holds (401 from then on). */
  authToken: string;
  readonly botUsername: string;
  readonly settings: FakeSettings;
  readonly faults: FaultSwitches;
  /** Everything stored, in insertion order (deleted messages are removed). */
  readonly messages: StoredMessage[];
  readonly requests: RecordedRequest[];
  /** Requests received per route, faulted ones included. */
  readonly calls: Record<string, number>;
  recordRequests: boolean;
  /** A room the bot can post in unless archived (or a private group with `member: false`). */
  addRoom(room: NewRoom): string;
  addUser(username: string, id?: string, profile?: { email?: string; name?: string }): string;
  /** Files stored by rooms.media, by id. */
  readonly uploads: Map<string, FakeUpload>;
  /** The live room document, by id or name: mutate it (e.g. `archived`) to change the room. */
  room(roomNameOrId: string): FakeRoom | undefined;
  /** By room id, room name, or "@username" for the bot's direct room with that user. */
  messagesIn(roomNameOrId: string): StoredMessage[];
  message(id: string): StoredMessage | undefined;
  /** Sets `faults.down`; resolves once the port is closed and clients saw their connections
   * close, or once it listens again. */
  setDown(down: boolean): Promise<void>;
  /** Clears messages, uploads, requests, calls and faults; rooms, users and settings stay. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
// Meteor's Random.id() alphabet; ids are 17 characters long.
const ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const RATE_LIMIT_CALLS = 10;
const WRONG_ROOM = "The room id provided does not match where the message is from.";
const MESSAGE_POSTS = new Set(["chat.sendMessage", "chat.postMessage"]);
// Mentions use the default `UTF8_User_Names_Validation` pattern, as in MentionsParser.
const USER_PATTERN = "[0-9a-zA-Z-_.]+";
const MENTION = new RegExp(`(^|\\s|>)@(${USER_PATTERN}(@(${USER_PATTERN}))?(:([0-9a-zA-Z-_.]+))?)`, "gm");

export async function startFakeRocketChat(opts: FakeRocketChatOptions = {}): Promise<FakeRocketChat> {
  const fake = new FakeServer(opts);
  await fake.listen(0);
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Errors: Rocket.Chat's envelope (docs/rocketchat.md §2.2)

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A thrown answer: handlers throw these the way Rocket.Chat throws errors. */
class Answer extends Error {
  readonly reply: Reply;
  constructor(status: number, body: Json) {
    super(String(body["error"] ?? ""));
    this.reply = json(status, body);
  }
}

/** `throw new Meteor.Error(code, reason, details)` → 400 "<reason> [<code>]" with errorType. */
function meteorError(code: string, reason?: string, details?: Json): Answer {
  const error = reason ? `${reason} [${code}]` : `[${code}]`;
  return new Answer(400, { success: false, error, errorType: code, ...(details ? { details } : {}) });
}

/** A `Meteor.Error` thrown inside a method called over `method.call`. */
class MethodError extends Error {
  readonly code: string | number;
  readonly reason: string;
  readonly details: Json | undefined;
  constructor(code: string | number, reason: string, message?: string, details?: Json) {
    super(message ?? `${reason} [${code}]`);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

/** A plain `Error` (or `API.v1.failure(string)`) → 400 `{success:false, error}`. */
function plainError(message: string): Answer {
  return new Answer(400, { success: false, error: message });
}

function sizeExceeded(method: string): Answer {
  const reason = "Message size exceeds Message_MaxAllowedSize";
  return meteorError("error-message-size-exceeded", reason, { method });
}

function invalidUser(): Answer {
  return meteorError("error-invalid-user", "Invalid user", { method: "createDirectMessage" });
}

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Body schemas: the ajv validators of rest-typings 8.8.1, and ajv's (first-error) messages

interface Schema {
  type?: "object" | "string" | "boolean" | "array" | "number";
  nullable?: boolean;
  minLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: false;
  oneOf?: Schema[];
}

const str: Schema = { type: "string" };
const optStr: Schema = { type: "string", nullable: true };
const optBool: Schema = { type: "boolean", nullable: true };
const optObj: Schema = { type: "object", nullable: true };
const optObjects: Schema = { type: "array", items: { type: "object" }, nullable: true };
const strOrStrings: Schema = { oneOf: [str, { type: "array", items: str }] };

const SEND_MESSAGE: Schema = {
  type: "object",
  properties: {
    message: {
      type: "object",
      properties: {
        _id: optStr,
        rid: str,
        tmid: optStr,
        msg: optStr,
        alias: optStr,
        emoji: optStr,
        tshow: optBool,
        avatar: optStr,
        attachments: optObjects,
        blocks: optObjects,
        customFields: optObj,
      },
    },
    previewUrls: { type: "array", items: str, nullable: true },
  },
  required: ["message"],
  additionalProperties: false,
};

const postMessageCommon = {
  text: optStr,
  alias: optStr,
  emoji: optStr,
  avatar: optStr,
  attachments: optObjects,
  customFields: optObj,
  parseUrls: optBool,
};
// `tmid` only exists in the roomId variant (8.8.1, docs/rocketchat.md §2.3).
const POST_MESSAGE: Schema = {
  oneOf: [
    {
      type: "object",
      properties: { roomId: strOrStrings, ...postMessageCommon, tmid: str },
      required: ["roomId"],
      additionalProperties: false,
    },
    {
      type: "object",
      properties: { channel: strOrStrings, ...postMessageCommon },
      required: ["channel"],
      additionalProperties: false,
    },
  ],
};

const GET_MESSAGE: Schema = {
  type: "object",
  properties: { msgId: { type: "string", minLength: 1 } },
  required: ["msgId"],
  additionalProperties: false,
};

const UPDATE: Schema = {
  type: "object",
  properties: {
    roomId: str,
    msgId: str,
    text: str,
    previewUrls: { type: "array", items: str, nullable: true },
    customFields: optObj,
  },
  required: ["roomId", "msgId", "text"],
  additionalProperties: false,
};

// isChatReactProps: `emoji` (or the older `reaction`), `messageId`, optional `shouldReact`.
const REACT: Schema = {
  oneOf: [
    {
      type: "object",
      properties: { emoji: str, messageId: str, shouldReact: optBool },
      required: ["emoji", "messageId"],
      additionalProperties: false,
    },
    {
      type: "object",
      properties: { reaction: str, messageId: str, shouldReact: optBool },
      required: ["reaction", "messageId"],
      additionalProperties: false,
    },
  ],
};

/** The emoji names this fake knows (Rocket.Chat knows emojione's list and custom emoji). */
const KNOWN_EMOJI = new Set([
  "thumbsup",
  "+1",
  "thumbsdown",
  "white_check_mark",
  "eyes",
  "rocket",
  "tada",
  "heart",
  "fire",
  "warning",
  "x",
  "smile",
  "bell",
]);

const DELETE: Schema = {
  type: "object",
  properties: { msgId: str, roomId: str, asUser: optBool },
  required: ["msgId", "roomId"],
  additionalProperties: false,
};

const DM_CREATE: Schema = {
  oneOf: [
    {
      type: "object",
      properties: { username: str, excludeSelf: optBool },
      required: ["username"],
      additionalProperties: false,
    },
    {
      type: "object",
      properties: { usernames: str, excludeSelf: optBool },
      required: ["usernames"],
      additionalProperties: false,
    },
  ],
};

function hasType(value: unknown, type: NonNullable<Schema["type"]>): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

/** ajv without allErrors: the first failure, except that a failed oneOf reports every branch. */
function schemaErrors(schema: Schema, value: unknown): string[] {
  if (schema.oneOf) {
    const errors: string[] = [];
    let passing = 0;
    for (const branch of schema.oneOf) {
      const branchErrors = schemaErrors(branch, value);
      if (branchErrors.length === 0) passing++;
      else errors.push(...branchErrors);
    }
    if (passing === 1) return [];
    return [...(passing === 0 ? errors : []), "must match exactly one schema in oneOf"];
  }
  if (value === null && schema.nullable) return [];
  if (schema.type && !hasType(value, schema.type)) return [`must be ${schema.type}`];
  if (typeof value === "string" && schema.minLength !== undefined && value.length < schema.minLength)
    return [`must NOT have fewer than ${schema.minLength} characters`];
  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      const errors = schemaErrors(schema.items, item);
      if (errors.length > 0) return errors;
    }
  }
  if (isObject(value)) {
    for (const key of schema.required ?? [])
      if (!Object.hasOwn(value, key)) return [`must have required property '${key}'`];
    const properties = schema.properties ?? {};
    if (schema.additionalProperties === false)
      for (const key of Object.keys(value))
        if (!Object.hasOwn(properties, key)) return ["must NOT have additional properties"];
    for (const [key, sub] of Object.entries(properties)) {
      if (!Object.hasOwn(value, key)) continue;
      const errors = schemaErrors(sub, value[key]);
      if (errors.length > 0) return errors;
    }
  }
  return [];
}

/** ApiClass: `throw new Meteor.Error('invalid-params', errors.map(e => e.message).join('\n '))`. */
function checkSchema<T>(schema: Schema, value: unknown): T {
  const errors = schemaErrors(schema, value);
  if (errors.length > 0) throw meteorError("invalid-params", errors.join("\n "));
  return value as T;
}

// ---------------------------------------------------------------------------------------------
// validateMessage (sendMessage.ts, docs/rocketchat.md §3.2), with Meteor `check` messages

/** Meteor's testSubtree message for a failed pattern, or null when the value matches. */
type Pattern = (value: unknown) => string | null;

const typeOf =
  (t: "string" | "number" | "boolean"): Pattern =>
  (value) =>
    typeof value === t ? null : `Expected ${t}, got ${typeof value}`;
const isString = typeOf("string");
const isNumber = typeOf("number");
const isBoolean = typeOf("boolean");
const oneOf =
  (...patterns: Pattern[]): Pattern =>
  (value) =>
    patterns.some((p) => p(value) === null) ? null : "Failed Match.OneOf, Match.Maybe or Match.Optional validation";
const anyArray: Pattern = (value) => (Array.isArray(value) ? null : `Expected array, got ${JSON.stringify(value)}`);
const plainObject: Pattern = (value) => {
  if (typeof value !== "object") return `Expected object, got ${typeof value}`;
  return Array.isArray(value) ? "Expected plain object" : null;
};

const ABSOLUTE_URL = /^(https?:\/\/|data:)/;
const RELATIVE_URL = /^(?![a-z0-9+.-]+:|\/\/).+/i;

/**
 * `validFullURLParam` / `validPartialURLParam`: a Match.Where whose inner `check(value, String)`
 * adds one more "Match error: " level; a bad href is a plain Error that escapes every check.
 */
const url =
  (allowRelative: boolean): Pattern =>
  (value) => {
    if (typeof value !== "string") return `Match error: Expected string, got ${typeof value}`;
    const ok = ABSOLUTE_URL.test(value) || (allowRelative && RELATIVE_URL.test(value));
    if (!ok || /^javascript:/i.test(value)) throw plainError("Invalid href value provided");
    return null;
  };
const fullUrl = url(false);
const partialUrl = url(true);

/**
 * `check(value, objectMaybeIncluding(types))`: keys that are present and not null must match.
 * The nested Match.Where gives Meteor's doubled prefix: "Match error: Match error: … in field x".
 */
function objectMaybeIncluding(value: Json, types: Record<string, Pattern>): void {
  for (const [field, pattern] of Object.entries(types)) {
    const v = value[field];
    if (v === null || v === undefined) continue;
    const failure = pattern(v);
    if (failure !== null) throw plainError(`Match error: Match error: ${failure} in field ${field}`);
  }
}

const MESSAGE_TYPES: Record<string, Pattern> = {
  _id: isString,
  msg: isString,
  text: isString,
  alias: isString,
  emoji: isString,
  tmid: isString,
  tshow: isBoolean,
  avatar: partialUrl,
  attachments: anyArray,
  blocks: anyArray,
};

const ATTACHMENT_TYPES: Record<string, Pattern> = {
  color: isString,
  text: isString,
  ts: oneOf(isString, isNumber),
  thumb_url: fullUrl,
  button_alignment: isString,
  actions: anyArray,
  message_link: fullUrl,
  collapsed: isBoolean,
  author_name: isString,
  author_link: fullUrl,
  author_icon: fullUrl,
  title: isString,
  title_link: fullUrl,
  title_link_download: isBoolean,
  image_dimensions: plainObject,
  image_url: fullUrl,
  image_preview: isString,
  image_type: isString,
  image_size: isNumber,
  audio_url: fullUrl,
  audio_type: isString,
  audio_size: isNumber,
  video_url: fullUrl,
  video_type: isString,
  video_size: isNumber,
  fields: anyArray,
};

const FIELD_TYPES: Record<string, Pattern> = {
  short: isBoolean,
  title: isString,
  value: oneOf(isString, isNumber, isBoolean),
};

const ACTION_TYPES: Record<string, Pattern> = {
  type: isString,
  text: isString,
  url: fullUrl,
  image_url: fullUrl,
  is_webview: isBoolean,
  webview_height_ratio: isString,
  msg: isString,
  msg_in_chat_window: isBoolean,
};

/** `objectMaybeIncluding` reads `value[field]`, so a null item is a TypeError. */
function itemObject(item: unknown, firstKey: string): Json {
  if (item === null) throw plainError(`Cannot read properties of null (reading '${firstKey}')`);
  return isObject(item) ? item : {};
}

function validateMessage(message: Json): void {
  objectMaybeIncluding(message, MESSAGE_TYPES);
  // alias/avatar need `message-impersonate`, which the bot role has: nothing to refuse here.
  const attachments = message["attachments"];
  if (!Array.isArray(attachments)) return;
  for (const attachment of attachments) {
    const a = itemObject(attachment, "color");
    objectMaybeIncluding(a, ATTACHMENT_TYPES);
    const fields = a["fields"];
    if (Array.isArray(fields)) {
      for (const item of fields) {
        const field = itemObject(item, "short");
        objectMaybeIncluding(field, FIELD_TYPES);
        // "Both title and value must be truthy": "", 0 and false count as missing.
        if (!field["value"] || !field["title"])
          throw plainError("Invalid attachment field, title and value is required");
      }
    }
    const actions = a["actions"];
    if (!Array.isArray(actions)) continue;
    for (const item of actions) objectMaybeIncluding(itemObject(item, "type"), ACTION_TYPES);
  }
}

// ---------------------------------------------------------------------------------------------
// The server

class Faults implements FaultSwitches {
  delayMs = 0;
  storeThenDelay = false;
  status5xx: number | null = null;
  status5xxCount = Infinity;
  status5xxEndpoint: string | null = null;
  rateLimitNext = 0;
  rateLimitSeconds = 60;
  resetAfterStore = 0;
  reject: ((message: StoredMessage) => string | null) | null = null;
  #down = false;
  readonly #onDown: (down: boolean) => void;

  constructor(onDown: (down: boolean) => void) {
    this.#onDown = onDown;
  }

  get down(): boolean {
    return this.#down;
  }

  set down(down: boolean) {
    if (down === this.#down) return;
    this.#down = down;
    this.#onDown(down);
  }

  clear(): void {
    this.down = false;
    this.delayMs = 0;
    this.storeThenDelay = false;
    this.status5xx = null;
    this.status5xxCount = Infinity;
    this.status5xxEndpoint = null;
    this.rateLimitNext = 0;
    this.rateLimitSeconds = 60;
    this.resetAfterStore = 0;
    this.reject = null;
  }
}

/** Handlers answer this to have the socket destroyed without a response. */
const DESTROY = Symbol("destroy");
type Outcome = Reply | typeof DESTROY;

interface User {
  _id: string;
  username: string;
  name: string;
  email?: string;
}

export interface FakeUpload {
  _id: string;
  rid: string;
  name: string;
  type: string;
  bytes: Buffer;
  confirmed: boolean;
}

/** A multipart/form-data body, kept as bytes for the routes that read files. */
class Multipart {
  readonly raw: Buffer;
  readonly contentType: string;
  constructor(raw: Buffer, contentType: string) {
    this.raw = raw;
    this.contentType = contentType;
  }
}

class FakeServer implements FakeRocketChat {
  url = "";
  readonly userId: string;
  authToken: string;
  readonly botUsername: string;
  readonly settings: FakeSettings;
  readonly faults: Faults;
  readonly messages: StoredMessage[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly calls: Record<string, number> = {};
  readonly uploads = new Map<string, FakeUpload>();
  recordRequests: boolean;

  readonly #bodyLimit: number;
  readonly #byId = new Map<string, StoredMessage>();
  readonly #rooms = new Map<string, FakeRoom>();
  readonly #roomIdByName = new Map<string, string>();
  readonly #users = new Map<string, User>();
  readonly #bot: User;
  readonly #nextId: () => string;
  #server: Server | null = null;
  #port = 0;
  /** The last down/up transition: settled when the port is closed, or listening again. */
  #transition: Promise<void> = Promise.resolve();
  readonly #closing = new AbortController();

  constructor(opts: FakeRocketChatOptions) {
    this.userId = opts.userId ?? "bot-user-id";
    this.authToken = opts.authToken ?? "bot-auth-token";
    this.botUsername = opts.botUsername ?? "slackline.bot";
    this.recordRequests = opts.recordRequests ?? true;
    this.#bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    this.settings = {
      maxMessageSize: opts.maxMessageSize ?? 5000,
      threadsEnabled: opts.threadsEnabled ?? true,
      allowMentionAll: opts.allowMentionAll ?? true,
      allowMentionHere: opts.allowMentionHere ?? true,
      unknownTmid: opts.unknownTmid ?? "reject",
      maxFileSize: 104857600,
      viewFullOtherUserInfo: true,
    };
    this.faults = new Faults((down) => this.#setDown(down));
    this.#nextId = idGenerator(opts.seed ?? 1);
    this.#bot = { _id: this.userId, username: this.botUsername, name: "Slackline Bot" };
    this.#users.set(this.#bot.username, this.#bot);
    // Every Rocket.Chat install starts with #general, id "GENERAL".
    this.addRoom({ name: "general", id: "GENERAL" });
  }

  addRoom(room: NewRoom): string {
    if (this.#roomIdByName.has(room.name)) throw new Error(`fake-rocketchat: room "${room.name}" exists`);
    const id = room.id ?? this.#nextId();
    this.#rooms.set(id, {
      _id: id,
      t: room.type ?? "c",
      name: room.name,
      fname: room.name,
      member: room.member ?? true,
      ...(room.archived ? { archived: true } : {}),
    });
    this.#roomIdByName.set(room.name, id);
    return id;
  }

  addUser(username: string, id?: string, profile: { email?: string; name?: string } = {}): string {
    if (this.#users.has(username)) throw new Error(`fake-rocketchat: user "${username}" exists`);
    const user: User = {
      _id: id ?? this.#nextId(),
      username,
      name: profile.name ?? username,
      ...(profile.email ? { email: profile.email } : {}),
    };
    this.#users.set(username, user);
    return user._id;
  }

  room(roomNameOrId: string): FakeRoom | undefined {
    const byName = this.#roomIdByName.get(roomNameOrId);
    return this.#rooms.get(roomNameOrId) ?? (byName === undefined ? undefined : this.#rooms.get(byName));
  }

  messagesIn(roomNameOrId: string): StoredMessage[] {
    const user = roomNameOrId.startsWith("@") ? this.#users.get(roomNameOrId.slice(1)) : undefined;
    const room = user ? this.#findDirect(this.#directUids([this.#bot, user])) : this.room(roomNameOrId);
    return room === undefined ? [] : this.messages.filter((m) => m.rid === room._id);
  }

  message(id: string): StoredMessage | undefined {
    return this.#byId.get(id);
  }

  reset(): void {
    this.messages.length = 0;
    this.#byId.clear();
    this.uploads.clear();
    this.requests.length = 0;
    for (const key of Object.keys(this.calls)) delete this.calls[key];
    this.faults.clear();
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async listen(port: number): Promise<void> {
    const server = this.#createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.#port}`;
  }

  #createServer(): Server {
    const server = createServer((req, res) => this.#onRequest(req, res));
    this.#server = server;
    return server;
  }

  async setDown(down: boolean): Promise<void> {
    this.faults.down = down;
    await this.#transition;
  }

  /**
   * Down closes the listening socket and every connection; up listens again on the same port
   * (`listen` binds on the next tick, before any new connection can arrive). Going down settles
   * one turn after the last connection closed: the client read its end of them in that turn.
   */
  #setDown(down: boolean): void {
    if (down) {
      const server = this.#server;
      this.#server = null;
      if (!server) return;
      this.#transition = new Promise((resolve) => server.close(() => setImmediate(resolve)));
      server.closeAllConnections();
      return;
    }
    if (this.#server || this.#closing.signal.aborted) return;
    const server = this.#createServer();
    this.#transition = new Promise((resolve, reject) => {
      server.once("error", (e) =>
        reject(new Error(`fake-rocketchat: cannot listen again on ${this.url}`, { cause: e })),
      );
      server.listen(this.#port, "127.0.0.1", resolve);
    });
  }

  // -------------------------------------------------------------------------------------------
  // HTTP plumbing

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? {} : Object.fromEntries(new URLSearchParams(raw.slice(q + 1)));
    const endpoint = path.startsWith("/api/v1/") ? path.slice(8) : path;
    this.calls[endpoint] = (this.calls[endpoint] ?? 0) + 1;
    const method = req.method ?? "GET";
    const record: RecordedRequest | null = this.recordRequests
      ? { method, path, endpoint, query, headers: req.headers, body: undefined, status: null }
      : null;
    if (record) this.requests.push(record);

    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.#bodyLimit) return this.#tooLarge(res, record);
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on("data", (chunk: Buffer) => {
      if (overflow) return;
      size += chunk.length;
      if (size > this.#bodyLimit) {
        overflow = true;
        this.#tooLarge(res, record);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (overflow) return;
      const raw = Buffer.concat(chunks);
      const text = chunks.length === 0 ? "" : raw.toString("utf8");
      void this.#respond(req, res, record, endpoint, query, text, raw);
    });
  }

  #tooLarge(res: ServerResponse, record: RecordedRequest | null): void {
    res.shouldKeepAlive = false;
    this.#send(res, record, json(413, { success: false, error: "Request entity too large" }));
  }

  async #respond(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest | null,
    endpoint: string,
    query: Record<string, string>,
    text: string,
    raw: Buffer,
  ): Promise<void> {
    const { delayMs, storeThenDelay } = this.faults;
    if (delayMs > 0 && !storeThenDelay && !(await this.#wait(delayMs))) return;
    // The server went down (or the client left) while this request waited: nothing happens.
    if (gone(res)) return;
    let outcome: Outcome;
    try {
      outcome = await this.#process(req, endpoint, query, text, record, raw);
    } catch (e) {
      // What Rocket.Chat does with an unexpected exception; here it means a bug in the fake.
      outcome = json(500, { success: false, error: `fake-rocketchat: ${String(e)}` });
    }
    if (outcome === DESTROY) {
      res.destroy();
      return;
    }
    if (delayMs > 0 && storeThenDelay && !(await this.#wait(delayMs))) return;
    this.#send(res, record, outcome);
  }

  /** False when the fake was closed meanwhile: its connections are being destroyed. */
  async #wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.#closing.signal });
      return true;
    } catch {
      return false;
    }
  }

  #send(res: ServerResponse, record: RecordedRequest | null, reply: Reply): void {
    if (gone(res) || res.headersSent) return;
    if (record) record.status = reply.status;
    res.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/json",
      "content-length": Buffer.byteLength(reply.body),
      ...reply.headers,
    });
    res.end(reply.body);
  }

  async #process(
    req: IncomingMessage,
    endpoint: string,
    query: Record<string, string>,
    text: string,
    record: RecordedRequest | null,
    raw: Buffer,
  ): Promise<Outcome> {
    let body: unknown;
    try {
      body = parseBody(req.headers["content-type"], text, raw);
    } catch {
      return json(400, { success: false, error: "Invalid JSON body" });
    }
    if (record) record.body = body;

    const f = this.faults;
    const faulted = (f.status5xxEndpoint ?? endpoint) === endpoint;
    if (f.status5xx !== null && f.status5xxCount > 0 && faulted) {
      const status = f.status5xx;
      if (--f.status5xxCount <= 0) f.status5xx = null;
      return serverError(status);
    }

    const slash = endpoint.indexOf("/");
    const route: Route | undefined =
      ROUTES[`${req.method} ${endpoint}`] ??
      (slash > 0
        ? bindParams(PARAM_ROUTES[`${req.method} ${endpoint.slice(0, slash)}`], endpoint.slice(slash + 1).split("/"))
        : undefined);
    if (!route) return json(404, { success: false, error: "API endpoint does not exist" });

    if (req.headers["x-user-id"] !== this.userId || req.headers["x-auth-token"] !== this.authToken)
      return json(401, { success: false, error: "You must be logged in to do this." });

    if (MESSAGE_POSTS.has(endpoint) && f.rateLimitNext > 0) {
      f.rateLimitNext--;
      return this.#tooManyRequests();
    }

    // Rocket.Chat reads no body as `{}`, and neither does it read a non-JSON one as JSON.
    const params = body === undefined || typeof body === "string" ? {} : body;
    try {
      return await route(this, params, query);
    } catch (e) {
      if (e instanceof Answer) return e.reply;
      throw e;
    }
  }

  /** The REST rate limiter's answer (docs/rocketchat.md §2.6). */
  #tooManyRequests(): Reply {
    const seconds = this.faults.rateLimitSeconds;
    return json(
      429,
      {
        success: false,
        error:
          "Error, too many requests. Please slow down. " +
          `You must wait ${seconds} seconds before trying this endpoint again. [error-too-many-requests]`,
      },
      {
        "x-ratelimit-limit": String(RATE_LIMIT_CALLS),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Date.now() + seconds * 1000),
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Rocket.Chat behaviour

  me(): Reply {
    return json(200, {
      ...this.#bot,
      type: "user",
      roles: ["bot"],
      status: "online",
      active: true,
      success: true,
    });
  }

  /** `chat.sendMessage` → `executeSendMessage` → `sendMessage` (docs/rocketchat.md §2.4). */
  sendMessage(body: unknown): Outcome {
    const { message } = checkSchema<{ message: Json }>(SEND_MESSAGE, body);
    const input: Json = { ...message };
    if (typeof input["t"] === "string" && input["t"] !== "e2e")
      throw plainError("Cannot send system messages using 'chat.sendMessage'");
    if (input["tshow"] && !input["tmid"])
      throw meteorError("invalid-params", "tshow provided but missing tmid", { method: "sendMessage" });
    if (input["tmid"] && !this.settings.threadsEnabled)
      throw meteorError("error-not-allowed", "not-allowed", { method: "sendMessage" });

    const now = new Date();
    let ts = now;
    if (input["ts"]) {
      const clientTs = new Date(input["ts"] as string | number);
      const diff = Math.abs(clientTs.getTime() - now.getTime());
      if (diff > 60_000)
        throw meteorError("error-message-ts-out-of-sync", "Message timestamp is out of sync", {
          method: "sendMessage",
          message_ts: input["ts"],
          server_ts: now.getTime(),
        });
      // Within 10 s the client's time is kept; an unparsable one becomes server time here.
      if (diff <= 10_000) ts = clientTs;
    }

    const msg = input["msg"];
    if (typeof msg === "string" && msg.length > this.settings.maxMessageSize) throw sizeExceeded("sendMessage");

    let rid = input["rid"] as string | undefined;
    // "do not allow nested threads": a reply's tmid becomes its root, and the root's room wins.
    if (typeof input["tmid"] === "string" && input["tmid"]) {
      const parent = this.#byId.get(input["tmid"]);
      if (parent) {
        input["tmid"] = parent.tmid ?? parent._id;
        rid = parent.rid;
      } else if (this.settings.unknownTmid === "reject") {
        throw meteorError("error-invalid-message", "Invalid message", { method: "sendMessage" });
      }
    }
    if (!rid) throw plainError("The 'rid' property on the message object is missing.");

    const room = this.#canSendMessage(rid);
    const doc = this.#prepare(input, room, ts);
    // sendMessage() returns undefined for an existing _id and the REST handler then reads
    // `.starred` on it (docs/rocketchat.md §2.4): nothing new is stored and the answer is a TypeError's message.
    if (typeof input["_id"] === "string" && this.#byId.has(input["_id"]))
      throw plainError("Cannot read properties of undefined (reading 'starred')");
    return this.#insert(doc) ? DESTROY : json(200, { message: doc, success: true });
  }

  /** `chat.postMessage` → `processWebhookMessage` → `sendMessage` (docs/rocketchat.md §2.3). */
  postMessage(body: unknown): Outcome {
    const params = checkSchema<Json>(POST_MESSAGE, body);
    const max = this.settings.maxMessageSize;
    const text = params["text"];
    if (typeof text === "string" && text.length > max) throw plainError("error-message-size-exceeded");
    const attachments = params["attachments"] as Json[] | null | undefined;
    for (const a of attachments ?? [])
      if (typeof a["text"] === "string" && a["text"].length > max) throw plainError("error-message-size-exceeded");

    // An attachment's `msg` becomes its text.
    for (const a of attachments ?? []) {
      if (!a["msg"]) continue;
      a["text"] = String(a["msg"]).trim();
      delete a["msg"];
    }

    const target = (params["channel"] ?? params["roomId"]) as string | string[];
    const channels = [...new Set(Array.isArray(target) ? target : [target])];
    let first: { channel: string; message: StoredMessage } | null = null;
    for (const channel of channels) {
      const room = this.#canSendMessage(this.#resolveChannel(channel)._id);
      const message: Json = {
        alias: params["alias"],
        msg: typeof text === "string" ? text.trim() : "",
        attachments: attachments ?? [],
        parseUrls: params["parseUrls"] ?? !attachments,
        groupable: false,
        tmid: params["tmid"],
        customFields: params["customFields"],
      };
      // icon_url/avatar wins over icon_emoji/emoji: only one of them is kept.
      if (params["avatar"]) message["avatar"] = params["avatar"];
      else if (params["emoji"]) message["emoji"] = params["emoji"];
      const doc = this.#prepare(removeEmpty(message), room, new Date());
      if (this.#insert(doc)) return DESTROY;
      first ??= { channel, message: doc };
    }
    if (!first) throw plainError("unknown-error");
    return json(200, { ts: Date.now(), channel: first.channel, message: first.message, success: true });
  }

  /** `getRoomByNameOrIdWithOptionToJoin`, as `processWebhookMessage` calls it. */
  #resolveChannel(channel: string): FakeRoom {
    const kind = channel[0];
    const value = channel.slice(1);
    if (kind === "#") {
      const room = this.room(value);
      if (room) return room;
    } else if (kind === "@") {
      const user = this.#users.get(value) ?? [...this.#users.values()].find((u) => u._id === value);
      if (user) return this.#createDirect([this.#bot, user]);
    } else {
      const room = this.room(channel);
      if (room) return room;
      const user = [...this.#users.values()].find((u) => u._id === channel);
      if (user) return this.#createDirect([this.#bot, user]);
    }
    throw meteorError("invalid-channel");
  }

  /** `canSendMessageAsync` (canSendMessage.ts): plain Errors carrying a code as their message. */
  #canSendMessage(rid: string): FakeRoom {
    const room = this.#rooms.get(rid);
    if (!room) throw plainError("error-invalid-room");
    if (!this.#canAccess(room)) throw plainError("error-not-allowed");
    // canSendMessage.ts shows no archived check; refused here, in the same plain style, so that
    // a gateway's archived-room handling gets exercised (docs/rocketchat.md §2.8 marks it permanent).
    if (room.archived) throw plainError("error-room-archived");
    return room;
  }

  #canAccess(room: FakeRoom): boolean {
    if (room.t === "d") return room.uids?.includes(this.userId) ?? false;
    return room.t === "c" || room.member;
  }

  /** `validateMessage`, `prepareMessageObject` and the beforeSave mention hooks. */
  #prepare(input: Json, room: FakeRoom, ts: Date): StoredMessage {
    validateMessage(input);
    const doc: Json = { ...input };
    if (doc["tshow"] !== true) delete doc["tshow"];
    const iso = ts.toISOString();
    doc["_id"] = typeof input["_id"] === "string" && input["_id"] ? input["_id"] : this.#nextId();
    doc["rid"] = room._id;
    doc["msg"] = typeof input["msg"] === "string" ? input["msg"] : "";
    doc["ts"] = iso;
    doc["_updatedAt"] = iso;
    doc["u"] = { ...this.#bot };
    doc["mentions"] = this.#mentions(doc);
    const stored = doc as StoredMessage;
    this.#preventMention(stored, "all", this.settings.allowMentionAll);
    this.#preventMention(stored, "here", this.settings.allowMentionHere);
    const rejection = this.faults.reject?.(stored) ?? null;
    if (rejection !== null) throw plainError(rejection);
    return stored;
  }

  /** Stores; true when `resetAfterStore` says to destroy the socket instead of answering. */
  #insert(doc: StoredMessage): boolean {
    this.messages.push(doc);
    this.#byId.set(doc._id, doc);
    if (this.faults.resetAfterStore <= 0) return false;
    this.faults.resetAfterStore--;
    return true;
  }

  /** MentionsServer.getUsersByMentions: @all/@here, known usernames, in msg and descriptions. */
  #mentions(doc: Json): StoredMessage["mentions"] {
    const texts = [doc["msg"] as string];
    for (const a of (doc["attachments"] as unknown[] | undefined) ?? [])
      if (isObject(a) && typeof a["description"] === "string") texts.push(a["description"]);
    const groups: StoredMessage["mentions"] = [];
    const users: StoredMessage["mentions"] = [];
    for (const text of texts) {
      for (const match of text.match(MENTION) ?? []) {
        const m = match.trim();
        const mention = m.includes(":") ? m : m.substring(1);
        if (mention === "all" || mention === "here") {
          groups.push({ _id: mention, username: mention });
          continue;
        }
        const user = this.#users.get(mention);
        if (user && !users.some((u) => u._id === user._id)) users.push({ ...user });
      }
    }
    return [...groups, ...users];
  }

  /** BeforeSavePreventMention: @all needs `mention-all`, @here needs `mention-here`. */
  #preventMention(doc: StoredMessage, mention: "all" | "here", allowed: boolean): void {
    if (allowed || !doc.mentions.some((m) => m._id === mention)) return;
    throw meteorError("error-action-not-allowed", `Notify ${mention} in this room not allowed`, {
      action: "Notify all in this room",
    });
  }

  /** `chat.getMessage` (docs/rocketchat.md §2.8): unknown ids answer `API.v1.failure()`, i.e. `{success:false}`. */
  getMessage(query: Record<string, string>): Reply {
    const { msgId } = checkSchema<{ msgId: string }>(GET_MESSAGE, query);
    const message = this.#byId.get(msgId);
    if (!message) return json(400, { success: false });
    const room = this.#rooms.get(message.rid);
    if (!room || !this.#canAccess(room))
      throw meteorError("error-not-allowed", "Not allowed", { method: "getSingleMessage" });
    return json(200, { message, success: true });
  }

  /** `chat.update` (docs/rocketchat.md §2.7): text only; identical text is a silent no-op. */
  update(body: unknown): Reply {
    const { roomId, msgId, text } = checkSchema<{ roomId: string; msgId: string; text: string }>(UPDATE, body);
    const message = this.#byId.get(msgId);
    if (!message) throw plainError(`No message found with the id of "${msgId}".`);
    if (message.rid !== roomId) throw plainError(WRONG_ROOM);
    // updateMessage: another user's message needs `edit-message`, which the bot role lacks.
    if (text !== message.msg && message.u._id !== this.#bot._id)
      throw meteorError("error-action-not-allowed", "Message editing not allowed", {
        method: "updateMessage",
        action: "Message_editing",
      });
    if (text !== message.msg) {
      if (text.length > this.settings.maxMessageSize) throw sizeExceeded("updateMessage");
      const now = new Date().toISOString();
      message.msg = text;
      message.editedAt = now;
      message.editedBy = { _id: this.#bot._id, username: this.#bot.username };
      message._updatedAt = now;
    }
    return json(200, { message, success: true });
  }

  /** `chat.delete` (docs/rocketchat.md §2.7): `ts` is epoch milliseconds as a string. */
  delete(body: unknown): Reply {
    const { roomId, msgId } = checkSchema<{ roomId: string; msgId: string }>(DELETE, body);
    const message = this.#byId.get(msgId);
    if (!message) throw plainError(`No message found with the id of "${msgId}".`);
    if (message.rid !== roomId) throw plainError(WRONG_ROOM);
    // deleteMessageValidatingPermission: another user's message needs `delete-message`
    // (admins, owners, moderators), which the bot role lacks.
    if (message.u._id !== this.#bot._id)
      throw meteorError("error-action-not-allowed", "Not allowed", {
        method: "deleteMessage",
        action: "Delete_message",
      });
    this.#byId.delete(msgId);
    this.messages.splice(this.messages.indexOf(message), 1);
    return json(200, {
      _id: msgId,
      ts: String(Date.now()),
      message: { _id: msgId, rid: message.rid, u: message.u },
      success: true,
    });
  }

  /** `rooms.info` (docs/rocketchat.md §2.8), via findRoomByIdOrName with `checkedArchived`. */
  roomsInfo(query: Record<string, string>): Reply {
    const { roomId, roomName } = query;
    if (roomId === undefined && roomName === undefined)
      throw meteorError("error-roomid-param-not-provided", 'The parameter "roomId" or "roomName" is required');
    const room = this.#rooms.get(roomId ?? this.#roomIdByName.get(roomName ?? "") ?? "");
    if (!room)
      throw meteorError(
        "error-room-not-found",
        'The required "roomId" or "roomName" param provided does not match any channel',
      );
    if (room.archived) throw meteorError("error-room-archived", `The channel, ${room.name}, is archived`);
    if (!this.#canAccess(room)) return json(400, { success: false, error: "not-allowed", errorType: "Not Allowed" });
    const { member: _member, ...doc } = room;
    return json(200, { room: doc, success: true });
  }

  /** `im.create` / `dm.create` → createDirectMessage → createDirectRoom. */
  imCreate(body: unknown): Reply {
    const params = checkSchema<{ username?: string; usernames?: string; excludeSelf?: boolean }>(DM_CREATE, body);
    const names =
      params.username !== undefined ? [params.username] : (params.usernames ?? "").split(",").map((s) => s.trim());
    const others: User[] = [];
    for (const name of names) {
      if (name === this.#bot.username) continue;
      const user = this.#users.get(name);
      if (!user) throw invalidUser();
      others.push(user);
    }
    const members = params.excludeSelf ? others : [this.#bot, ...others];
    if (members.length === 1 && members[0] !== this.#bot) throw invalidUser();
    const room = this.#createDirect(members);
    const { _id, usernames } = room;
    return json(200, { room: { t: "d", rid: _id, usernames, _id }, success: true });
  }

  // -------------------------------------------------------------------------------------------
  // What the Slack Web API calls beyond delivery

  /**
   * `method.call/:method` (misc.ts): the body is `{message: String}` (Meteor `check`), holding a
   * DDP call as EJSON; the answer is always 200 with the method's result or error inside
   * `message`. Only `updateMessage` is known here; any other method answers Meteor's 404.
   */
  methodCall(method: string, body: unknown): Reply {
    if (!isObject(body) || typeof body["message"] !== "string" || Object.keys(body).length !== 1)
      throw plainError("Match error: Expected string, got undefined in field message");
    let data: Json;
    try {
      data = JSON.parse(body["message"]) as Json;
    } catch {
      throw plainError(`Unexpected token in JSON`);
    }
    if (
      !isObject(data) ||
      data["msg"] !== "method" ||
      typeof data["method"] !== "string" ||
      !Array.isArray(data["params"])
    )
      return json(400, { success: false, error: "Invalid method call" });
    const id = String(data["id"] ?? "");
    const result = (payload: Json): Reply =>
      json(200, { message: JSON.stringify({ msg: "result", id, ...payload }), success: true });
    try {
      if (data["method"] !== method || method !== "updateMessage")
        throw new MethodError(
          404,
          `Method '${String(data["method"])}' not found`,
          `Method '${String(data["method"])}' not found [404]`,
        );
      this.#updateMessage(data["params"][0]);
      return result({});
    } catch (e) {
      if (!(e instanceof MethodError)) throw e;
      return result({
        error: {
          isClientSafe: true,
          error: e.code,
          reason: e.reason,
          message: e.message,
          errorType: "Meteor.Error",
          ...(e.details ? { details: e.details } : {}),
        },
      });
    }
  }

  /** The `updateMessage` method (lib/server/methods/updateMessage.ts). */
  #updateMessage(input: unknown): void {
    if (!isObject(input) || typeof input["_id"] !== "string")
      throw new MethodError(400, "Match failed", "Match error: Expected string, got undefined in field _id");
    const original = this.#byId.get(input["_id"]);
    if (!original) return; // silently nothing, as Rocket.Chat does
    const allowed = ["tshow", "alias", "attachments", "avatar", "emoji", "msg"];
    for (const [key, value] of Object.entries(input))
      if (!allowed.includes(key) && value !== original[key])
        throw new MethodError("error-invalid-update-key", `Cannot update the message ${key}`, undefined, {
          method: "updateMessage",
        });
    if (input["msg"] === original.msg) return;
    if (typeof input["msg"] === "string" && input["msg"].length > this.settings.maxMessageSize)
      throw new MethodError("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize", undefined, {
        method: "updateMessage",
      });
    if (original.u._id !== this.#bot._id)
      throw new MethodError("error-action-not-allowed", "Message editing not allowed", undefined, {
        method: "updateMessage",
        action: "Message_editing",
      });
    try {
      validateMessage(input);
    } catch (e) {
      if (e instanceof Answer) throw new MethodError(String(e.message), String(e.message));
      throw e;
    }
    const now = new Date().toISOString();
    for (const key of allowed) if (Object.hasOwn(input, key)) original[key] = input[key];
    original.editedAt = now;
    original.editedBy = { _id: this.#bot._id, username: this.#bot.username };
    original._updatedAt = now;
  }

  /** `chat.react` (chat.ts → executeSetReaction): toggles, or sets with `shouldReact`. */
  react(body: unknown): Reply {
    const params = checkSchema<{ messageId: string; emoji: string; shouldReact?: boolean }>(REACT, body);
    const message = this.#byId.get(params.messageId);
    if (!message)
      throw meteorError("error-message-not-found", 'The provided "messageId" does not match any existing message.');
    const name = params.emoji.replace(/^:?/, ":").replace(/:?$/, ":");
    if (!KNOWN_EMOJI.has(name.slice(1, -1)))
      throw meteorError("error-not-allowed", "Invalid emoji provided.", { method: "setReaction" });
    const reactions = (message["reactions"] ??= {}) as Record<string, { usernames: string[] }>;
    const mine = reactions[name]?.usernames.includes(this.#bot.username) ?? false;
    const want = params.shouldReact ?? !mine;
    if (want && !mine) (reactions[name] ??= { usernames: [] }).usernames.push(this.#bot.username);
    if (!want && mine) {
      reactions[name]!.usernames = reactions[name]!.usernames.filter((u) => u !== this.#bot.username);
      if (reactions[name]!.usernames.length === 0) delete reactions[name];
    }
    return json(200, { success: true });
  }

  /** `rooms.get`: the rooms the bot is subscribed to. */
  roomsGet(): Reply {
    const update = [...this.#rooms.values()]
      .filter((r) => this.#canAccess(r))
      .map(({ member: _member, ...doc }) => ({ ...doc, _updatedAt: new Date(0).toISOString() }));
    return json(200, { update, remove: [], success: true });
  }

  /** `users.info` by userId, username or email (the latter needs view-full-other-user-info). */
  usersInfo(query: Record<string, string>): Reply {
    const keys = Object.keys(query).filter((k) => k !== "fields" && k !== "includeUserRooms");
    if (keys.length !== 1 || !["userId", "username", "email", "importId"].includes(keys[0]!))
      throw meteorError(
        "invalid-params",
        "must have required property 'userId'\n must have required property 'username'\n must match a schema in anyOf",
      );
    const [key] = keys as ["userId" | "username" | "email" | "importId"];
    const value = query[key]!;
    const users = [...this.#users.values()];
    const user =
      key === "userId"
        ? users.find((u) => u._id === value)
        : key === "username"
          ? this.#users.get(value)
          : key === "email" && this.settings.viewFullOtherUserInfo
            ? users.find((u) => u.email === value)
            : undefined;
    if (!user) return json(400, { success: false, error: "User not found." });
    const { email, ...rest } = user;
    const bot = user === this.#bot;
    return json(200, {
      user: {
        ...rest,
        type: bot ? "bot" : "user",
        roles: [bot ? "bot" : "user"],
        active: true,
        status: "offline",
        ...(email && this.settings.viewFullOtherUserInfo ? { emails: [{ address: email, verified: true }] } : {}),
      },
      success: true,
    });
  }

  /** `rooms.media/:rid`: one multipart `file` part, stored until confirmed. */
  async roomsMedia(rid: string, body: unknown): Promise<Reply> {
    const room = this.#rooms.get(rid);
    if (!room || !this.#canAccess(room)) return json(403, { success: false, error: "unauthorized" });
    if (!(body instanceof Multipart)) throw meteorError("error-invalid-field", "Invalid field");
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body.raw), { headers: { "content-type": body.contentType } }).formData();
    } catch {
      throw meteorError("error-invalid-field", "Invalid field");
    }
    const file = form.get("file");
    if (!(file instanceof File)) throw meteorError("invalid-field");
    if (file.size > this.settings.maxFileSize)
      throw meteorError(
        "error-file-too-large",
        `File size exceeds allowed limit of ${this.settings.maxFileSize} bytes`,
      );
    const _id = this.#nextId();
    const upload: FakeUpload = {
      _id,
      rid,
      name: file.name,
      type: file.type || "application/octet-stream",
      bytes: Buffer.from(await file.arrayBuffer()),
      confirmed: false,
    };
    this.uploads.set(_id, upload);
    return json(200, { file: { _id, url: `/file-upload/${_id}/${encodeURI(file.name)}` }, success: true });
  }

  /** `rooms.mediaConfirm/:rid/:fileId`: posts the file message (sendFileMessage). */
  roomsMediaConfirm(rid: string, fileId: string, body: unknown): Outcome {
    const room = this.#rooms.get(rid);
    if (!room || !this.#canAccess(room)) return json(403, { success: false, error: "unauthorized" });
    const upload = this.uploads.get(fileId);
    if (!upload || upload.rid !== rid) throw meteorError("invalid-file");
    const params = isObject(body) ? body : {};
    const description = params["description"];
    if (typeof description === "string" && description.length > this.settings.maxMessageSize)
      throw meteorError("error-message-size-exceeded");
    upload.confirmed = true;
    const url = `/file-upload/${upload._id}/${encodeURI(upload.name)}`;
    const attachment: Json = { title: upload.name, type: "file", title_link: url, title_link_download: true };
    if (typeof description === "string") attachment["description"] = description;
    if (upload.type.startsWith("image/")) attachment["image_url"] = url;
    const input: Json = {
      msg: typeof params["msg"] === "string" ? params["msg"] : "",
      file: { _id: upload._id, name: upload.name, type: upload.type },
      files: [{ _id: upload._id, name: upload.name, type: upload.type, size: upload.bytes.length }],
    };
    let target = rid;
    if (typeof params["tmid"] === "string") {
      const parent = this.#byId.get(params["tmid"]);
      if (parent) {
        input["tmid"] = parent.tmid ?? parent._id;
        target = parent.rid;
      }
    }
    const doc = this.#prepare(input, this.#canSendMessage(target), new Date());
    // The server builds the file attachment itself (relative links included), after the
    // checks that apply to what a client sends.
    doc.attachments = [attachment];
    return this.#insert(doc) ? DESTROY : json(200, { message: doc, success: true });
  }

  #directUids(members: User[]): string[] {
    return [...new Set(members.map((u) => u._id))].sort();
  }

  #findDirect(uids: string[]): FakeRoom | undefined {
    const key = uids.join("");
    if (uids.length === 2) return this.#rooms.get(key);
    for (const room of this.#rooms.values()) if (room.t === "d" && room.uids?.join("") === key) return room;
    return undefined;
  }

  /** A two-person direct room's id is both user ids, sorted and concatenated (createDirectRoom). */
  #createDirect(members: User[]): FakeRoom {
    const uids = this.#directUids(members);
    const existing = this.#findDirect(uids);
    if (existing) return existing;
    const usernames = [...new Map(members.map((u) => [u._id, u])).values()]
      .sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username))
      .map((u) => u.username);
    const _id = uids.length === 2 ? uids.join("") : this.#nextId();
    const room: FakeRoom = { _id, t: "d", usernames, uids, member: true };
    this.#rooms.set(room._id, room);
    return room;
  }
}

type Route = (fake: FakeServer, body: unknown, query: Record<string, string>) => Outcome | Promise<Outcome>;
type ParamRoute = (fake: FakeServer, body: unknown, params: string[]) => Outcome | Promise<Outcome>;

/** Routes with URL parameters (`rooms.media/:rid`), by the part before the first `/`. */
const PARAM_ROUTES: Record<string, ParamRoute> = {
  "POST method.call": (fake, body, [method]) => fake.methodCall(method ?? "", body),
  "POST rooms.media": (fake, body, [rid]) => fake.roomsMedia(rid ?? "", body),
  "POST rooms.mediaConfirm": (fake, body, [rid, fileId]) => fake.roomsMediaConfirm(rid ?? "", fileId ?? "", body),
};

function bindParams(route: ParamRoute | undefined, params: string[]): Route | undefined {
  return route && ((fake, body) => route(fake, body, params.map(decodeURIComponent)));
}

const ROUTES: Record<string, Route> = {
  "GET me": (fake) => fake.me(),
  "POST chat.sendMessage": (fake, body) => fake.sendMessage(body),
  "POST chat.postMessage": (fake, body) => fake.postMessage(body),
  "GET chat.getMessage": (fake, _body, query) => fake.getMessage(query),
  "POST chat.update": (fake, body) => fake.update(body),
  "POST chat.delete": (fake, body) => fake.delete(body),
  "GET rooms.info": (fake, _body, query) => fake.roomsInfo(query),
  "POST im.create": (fake, body) => fake.imCreate(body),
  "POST dm.create": (fake, body) => fake.imCreate(body),
  "POST chat.react": (fake, body) => fake.react(body),
  "GET rooms.get": (fake) => fake.roomsGet(),
  "GET users.info": (fake, _body, query) => fake.usersInfo(query),
};

/** A response whose connection was destroyed (server down, client gone) cannot be answered. */
function gone(res: ServerResponse): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed;
}

/** JSON bodies only: Rocket.Chat does not read other content types as JSON. */
function parseBody(contentType: string | undefined, text: string, raw: Buffer): unknown {
  if (text === "") return undefined;
  if (contentType?.toLowerCase().startsWith("multipart/form-data")) return new Multipart(raw, contentType);
  if (!contentType?.toLowerCase().includes("application/json")) return text;
  return JSON.parse(text);
}

// nginx's wording.
const PROXY_REASONS: Record<number, string> = {
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

/** A 500 is Rocket.Chat's own answer; 502/503/504 come from the proxy in front, as HTML. */
function serverError(status: number): Reply {
  if (status === 500) return json(500, { success: false, error: "Internal server error" });
  const reason = PROXY_REASONS[status] ?? "Error";
  const title = `${status} ${reason}`;
  return {
    status,
    contentType: "text/html",
    body: `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`,
  };
}

/** `removeEmpty` from @rocket.chat/tools, as processWebhookMessage applies it. */
function removeEmpty(message: Json): Json {
  return Object.fromEntries(Object.entries(message).filter(([, v]) => v !== undefined && v !== null && v !== ""));
}

/** Deterministic Meteor-style ids (mulberry32). */
function idGenerator(seed: number): () => string {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    let id = "";
    for (let i = 0; i < 17; i++) id += ID_ALPHABET[Math.floor(next() * ID_ALPHABET.length)];
    return id;
  };
}
