/**
 * Where a thread root lives. Rocket.Chat posts a reply in its root's room whatever room it was
 * sent to, so a `thread_ts`/`root_id`/`tmid` naming a message elsewhere would move the message
 * out of the rooms its hook or bot may post to (docs/hostile-input.md). Callers keep a thread only
 * when its root is in the very room the message goes to.
 */
import type { TsStore } from "./ts-map.ts";
import type { RocketChatApi } from "../rocketchat/client.ts";
import { looksLikeMessageId } from "../rocketchat/ids.ts";
import type { RoomResolver } from "../rocketchat/rooms.ts";

export interface ThreadCheck {
  readonly rocketchat: Pick<RocketChatApi, "getMessage">;
  readonly rooms: Pick<RoomResolver, "resolve">;
  readonly outgoing: { readonly ts: TsStore };
}

/**
 * Whether the root named by `threadTs` (a ts slackline minted, or a Rocket.Chat message id) is in
 * `room` (`#name`, `@user` or a room id). False when it is elsewhere, unknown, or cannot be
 * checked now (Rocket.Chat unreachable): the message then goes to `room` without the thread.
 */
export async function threadRootIn(services: ThreadCheck, room: string, threadTs: string): Promise<boolean> {
  const rootRid = await rootRoom(services, threadTs);
  if (rootRid === undefined) return false;
  if (rootRid === room) return true;
  const target = await services.rooms.resolve(room);
  return target.ok && target.value === rootRid;
}

async function rootRoom(services: ThreadCheck, threadTs: string): Promise<string | undefined> {
  const minted = await services.outgoing.ts.get(threadTs);
  if (minted !== undefined) return minted.rid;
  if (!looksLikeMessageId(threadTs)) return undefined;
  const root = await services.rocketchat.getMessage(threadTs);
  return root.ok ? root.value?.rid : undefined;
}
