/**
 * The built-in inbox: an in-process stand-in for Rocket.Chat used in demo mode and whenever
 * the config has no `rocketchat` section. It implements the same API delivery uses, keeps the
 * last messages per process, and creates any room it is asked about.
 */
import type { RocketChatApi, RocketChatResult, RoomInfo, StoredMessage } from "../rocketchat/client.ts";
import type { RocketChatMessage } from "../model/message.ts";
import { dropOldest } from "../bounded-map.ts";

export interface InboxMessage extends RocketChatMessage {
  readonly ts: string;
  readonly roomName: string;
  /** The hook (or bot) that sent it, by name, when known (the page filters by it). */
  readonly hook?: string;
}

const ok = <T>(value: T): RocketChatResult<T> => ({ ok: true, value });

export class Inbox implements RocketChatApi {
  readonly #capacity: number;
  readonly #messages: InboxMessage[] = [];
  readonly #byId = new Map<string, InboxMessage>();
  readonly #rooms = new Map<string, RoomInfo>();
  readonly #now: () => number;
  /** Message id → the hook it came from, noted when the job is submitted (bounded). */
  readonly #sources = new Map<string, string>();
  #revision = 0;

  constructor(capacity = 200, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#now = now;
  }

  /** The most recent messages, newest first. */
  recent(limit = this.#capacity): InboxMessage[] {
    return this.#messages.slice(-limit).reverse();
  }

  /** Every message kept, oldest first (the page's order). */
  all(): readonly InboxMessage[] {
    return this.#messages.slice();
  }

  /** Changes with every message stored and every clear: the page polls it. */
  get revision(): number {
    return this.#revision;
  }

  /** Forgets every message (the page's Clear button). */
  clear(): void {
    this.#messages.length = 0;
    this.#byId.clear();
    this.#revision++;
  }

  /** Notes which hook a job's messages come from, before they are delivered here. */
  noteSource(messageIds: readonly string[], hook: string): void {
    for (const id of messageIds) this.#sources.set(id, hook);
    dropOldest(this.#sources, this.#capacity * 4);
  }

  async sendMessage(message: RocketChatMessage): Promise<RocketChatResult<StoredMessage>> {
    const existing = this.#byId.get(message._id);
    if (existing) return ok(existing);
    const room = [...this.#rooms.values()].find((r) => r._id === message.rid);
    const hook = this.#sources.get(message._id);
    this.#sources.delete(message._id);
    const stored: InboxMessage = {
      ...message,
      ts: new Date(this.#now()).toISOString(),
      roomName: room?.name ?? message.rid,
      ...(hook !== undefined && { hook }),
    };
    this.#messages.push(stored);
    this.#revision++;
    this.#byId.set(stored._id, stored);
    if (this.#messages.length > this.#capacity) this.#byId.delete(this.#messages.shift()!._id);
    return ok(stored);
  }

  async getMessage(id: string): Promise<RocketChatResult<StoredMessage | undefined>> {
    return ok(this.#byId.get(id));
  }

  async roomInfo(query: { roomName: string } | { roomId: string }): Promise<RocketChatResult<RoomInfo>> {
    const name = "roomName" in query ? query.roomName : query.roomId;
    return ok(this.#room(name, "c"));
  }

  async createDirect(username: string): Promise<RocketChatResult<RoomInfo>> {
    return ok(this.#room(`@${username}`, "d"));
  }

  #room(name: string, t: string): RoomInfo {
    let room = this.#rooms.get(name);
    if (!room) {
      room = { _id: `inbox-${this.#rooms.size + 1}`, name, t };
      this.#rooms.set(name, room);
    }
    return room;
  }
}
