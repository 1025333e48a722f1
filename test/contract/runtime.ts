/**
 * The HTTP contract suite runs twice: on Node (the app in process, the fake Rocket.Chat in
 * process) and inside workerd (the Worker with its real bindings; the fake and the bots in Node,
 * driven over HTTP). The cases see only this runtime-neutral interface: no `node:` import here
 * or in the case files, and everything about the fake is async.
 */
import type { FakeSettings, NewRoom, StoredMessage } from "../support/fake-model.ts";

export type { StoredMessage } from "../support/fake-model.ts";

/** Where a fake Rocket.Chat listens and the credentials it accepts. */
export interface FakeInfo {
  readonly url: string;
  readonly userId: string;
  readonly authToken: string;
  readonly botUsername: string;
}

/** The fault switches that can cross a process boundary (no `reject` callback). */
export interface FaultPatch {
  delayMs?: number;
  storeThenDelay?: boolean;
  status5xx?: number | null;
  status5xxCount?: number;
  status5xxEndpoint?: string | null;
  rateLimitNext?: number;
  rateLimitSeconds?: number;
  resetAfterStore?: number;
}

export interface FakeControl extends FakeInfo {
  /** Clears messages, requests, calls and faults; rooms, users and settings stay. */
  reset(): Promise<void>;
  /** Idempotent by name: an existing room's id is answered. */
  addRoom(room: NewRoom): Promise<string>;
  /** Idempotent by username. */
  addUser(username: string, id?: string): Promise<string>;
  settings(patch: Partial<FakeSettings>): Promise<void>;
  faults(patch: FaultPatch): Promise<void>;
  /** Resolves once the port is closed (or listening again). */
  setDown(down: boolean): Promise<void>;
  /** Everything stored, or a room's messages (by id, name or "@username"). */
  messages(room?: string): Promise<StoredMessage[]>;
  /** Requests received per Rocket.Chat route. */
  calls(): Promise<Record<string, number>>;
  /** Files uploaded (`rooms.media`), their bytes as base64. */
  uploads(): Promise<StoredUpload[]>;
}

export interface StoredUpload {
  readonly _id: string;
  readonly rid: string;
  readonly name: string;
  readonly type: string;
  readonly confirmed: boolean;
  readonly base64: string;
}

export interface BotRequest {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A bot's answer; `{{form.NAME}}` in `body` is replaced by that field of the request's form. */
export interface BotAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * `recorder` answers what it is told; `legacy` is Slack's documented legacy outgoing-webhook
 * consumer (form body, token check, a JSON reply built from the words after the trigger).
 */
export type BotKind = "recorder" | "legacy";

export interface BotControl {
  /** The URL to configure as a target. */
  readonly url: string;
  answer(answer: BotAnswer): Promise<void>;
  requests(): Promise<BotRequest[]>;
  /** Forgets the requests. */
  reset(): Promise<void>;
}

export interface GatewayClient {
  /** A request to the gateway; `path` is relative to http://localhost. */
  request(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
}

export interface ContractRuntime {
  readonly name: "node" | "node-server" | "workerd";
  startFake(): Promise<FakeControl>;
  startBot(kind: BotKind): Promise<BotControl>;
  /** A gateway for this config (the JSON a user would write; no `${…}` left in it). */
  gateway(config: Record<string, unknown>): Promise<GatewayClient>;
}

export const json = (value: unknown, status = 200): BotAnswer => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** Fills `{{form.NAME}}` from the request's form body. */
export function renderAnswer(answer: BotAnswer, request: BotRequest): BotAnswer {
  if (answer.body === undefined || !answer.body.includes("{{")) return answer;
  const form = new URLSearchParams(request.body);
  return { ...answer, body: answer.body.replace(/\{\{form\.([\w-]+)\}\}/g, (_, name: string) => form.get(name) ?? "") };
}

/** A gateway client over any `fetch`-shaped handler. */
export function gatewayClient(handle: (request: Request) => Promise<Response>): GatewayClient {
  const request = (path: string, init?: RequestInit) => handle(new Request(new URL(path, "http://localhost"), init));
  return {
    request,
    post: (path, body, headers = { "content-type": "application/json" }) =>
      request(path, { method: "POST", body: body as BodyInit, headers }),
  };
}

/** `POST /outgoing/{name}` as Rocket.Chat sends it, and slackline's JSON answer. */
export async function sendEvent(
  gw: GatewayClient,
  name: string,
  body: unknown,
): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const res = await gw.request(`/outgoing/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (Rocket.Chat)" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** A bot request's form body as an object. */
export const form = (req: BotRequest): Record<string, string> => Object.fromEntries(new URLSearchParams(req.body));
