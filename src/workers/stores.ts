/**
 * The outgoing relay's stores on the `STATE` Durable Object: the same interfaces as the
 * in-memory ones (`TsStore`, `ResponseUrlStore`), one RPC per call. A stub is made per call:
 * stubs are cheap, and one made in a request's context is not to be used from another's.
 */
import type { TsRef, TsStore } from "../state/ts-map.ts";
import type { ReplyOrigin } from "../state/response-urls.ts";
import type { ResponseUrlStore, ResponseUrlUse } from "../state/response-urls.ts";
import { SEEN_TTL_MS, type SeenEvents } from "../state/seen.ts";
import type { SlacklineState } from "./state.ts";

export interface DurableStoreOptions {
  /** Clock in epoch ms, passed to the object with every call (tests move it). */
  readonly now?: () => number;
  /** The object's name; one object holds the state of a deployment. Default "slackline". */
  readonly name?: string;
}

abstract class OnState {
  readonly #namespace: DurableObjectNamespace<SlacklineState>;
  readonly #name: string;
  protected readonly now: () => number;

  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions) {
    this.#namespace = namespace;
    this.#name = opts.name ?? "slackline";
    this.now = opts.now ?? Date.now;
  }

  protected stub(): DurableObjectStub<SlacklineState> {
    return this.#namespace.get(this.#namespace.idFromName(this.#name));
  }
}

export class DurableResponseUrlStore extends OnState implements ResponseUrlStore {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  create(origin: ReplyOrigin): Promise<string> {
    return this.stub().createResponseUrl(origin, this.now());
  }

  async use(id: string): Promise<ResponseUrlUse> {
    return (await this.stub().useResponseUrl(id, this.now())) as ResponseUrlUse;
  }
}

export class DurableTsStore extends OnState implements TsStore {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  async put(ts: string, ref: TsRef): Promise<void> {
    await this.stub().putTs(ts, { rid: ref.rid, messageId: ref.messageId }, this.now());
  }

  async get(ts: string): Promise<TsRef | undefined> {
    return this.stub().getTs(ts, this.now());
  }

  async tsFor(messageId: string): Promise<string | undefined> {
    return this.stub().tsFor(messageId, this.now());
  }
}

export class DurableSeenEvents extends OnState implements SeenEvents {
  constructor(namespace: DurableObjectNamespace<SlacklineState>, opts: DurableStoreOptions = {}) {
    super(namespace, opts);
  }

  firstSight(key: string): Promise<boolean> {
    return this.stub().firstSightOfEvent(key, this.now(), SEEN_TTL_MS);
  }
}
