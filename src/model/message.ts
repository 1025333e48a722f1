/**
 * The subset of Rocket.Chat's message model slackline writes (core-typings 8.8,
 * docs/rocketchat.md §2.4, §3.1). Only keys `chat.sendMessage` accepts and the web client renders.
 */
export interface RocketChatField {
  title: string;
  value: string;
  short?: boolean;
}

export interface RocketChatAction {
  type: "button";
  text: string;
  url: string;
}

export interface RocketChatAttachment {
  color?: string;
  pretext?: string;
  author_name?: string;
  author_link?: string;
  author_icon?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: RocketChatField[];
  image_url?: string;
  thumb_url?: string;
  actions?: RocketChatAction[];
  button_alignment?: "horizontal" | "vertical";
  /** Rocket.Chat's own keys, as its incoming webhooks take them (docs/rocketchat-webhooks.md). */
  ts?: string | number;
  collapsed?: boolean;
  title_link_download?: boolean;
  message_link?: string;
  audio_url?: string;
  audio_type?: string;
  video_url?: string;
  video_type?: string;
}

/** A message ready for `chat.sendMessage`, minus `_id` and `rid` (chosen at delivery). */
export interface RocketChatMessageDraft {
  msg: string;
  alias?: string;
  avatar?: string;
  emoji?: string;
  tmid?: string;
  tshow?: boolean;
  attachments?: RocketChatAttachment[];
  parseUrls?: boolean;
  groupable?: boolean;
}

export interface RocketChatMessage extends RocketChatMessageDraft {
  _id: string;
  rid: string;
}
