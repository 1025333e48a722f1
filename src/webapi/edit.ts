/**
 * Editing a posted message in Rocket.Chat: text alone through REST `chat.update`; attachments,
 * alias, avatar or emoji through the `updateMessage` method over `method.call` (the REST route
 * takes text only). Shared by `chat.update` and `response_url`'s `replace_original`.
 */
import { RocketChatClient, type RocketChatApi, type RocketChatResult } from "../rocketchat/client.ts";
import type { RocketChatMessage, RocketChatMessageDraft } from "../model/message.ts";

/** The REST client, when messages go to a Rocket.Chat server (not the demo inbox). */
export const restClient = (rocketchat: RocketChatApi): RocketChatClient | undefined =>
  rocketchat instanceof RocketChatClient ? rocketchat : undefined;

/**
 * Replaces message `id` in room `rid` (currently `doc`, as `chat.getMessage` gave it) with `m`.
 * Rocket.Chat's `updateMessage` ignores an edit whose text is unchanged, attachments and all, so
 * then an invisible word joiner (U+2060) makes the text differ.
 */
export async function editMessage(
  rc: RocketChatClient,
  rid: string,
  id: string,
  doc: Record<string, unknown>,
  m: RocketChatMessageDraft,
): Promise<RocketChatResult<unknown>> {
  const hadAttachments = Array.isArray(doc["attachments"]) && doc["attachments"].length > 0;
  const identity = m.alias !== doc["alias"] || m.emoji !== doc["emoji"] || m.avatar !== doc["avatar"];
  if (!hadAttachments && m.attachments === undefined && !identity) return rc.updateText(rid, id, m.msg);
  const msg = m.msg === doc["msg"] ? m.msg + "\u2060" : m.msg;
  const edit: RocketChatMessage = { _id: id, rid, msg, attachments: m.attachments ?? [] };
  if (m.alias !== undefined) edit.alias = m.alias;
  if (m.emoji !== undefined) edit.emoji = m.emoji;
  if (m.avatar !== undefined) edit.avatar = m.avatar;
  return rc.updateMessage(edit);
}
