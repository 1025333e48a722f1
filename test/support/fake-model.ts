/**
 * The fake Rocket.Chat's data shapes, apart from the server so that suites running inside workerd
 * (which drive the fake over HTTP) can name them without Node's types.
 */

/** Server settings; mutable at any time (Rocket.Chat watches its settings too). */
export interface FakeSettings {
  /** `Message_MaxAllowedSize`, default 5000 UTF-16 code units. */
  maxMessageSize: number;
  /** `Threads_enabled`, default true. */
  threadsEnabled: boolean;
  /** Whether the bot holds `mention-all` (default true; Rocket.Chat's bot role lacks it). */
  allowMentionAll: boolean;
  /** Whether the bot holds `mention-here` (default true; Rocket.Chat's bot role lacks it). */
  allowMentionHere: boolean;
  /**
   * A `tmid` naming no message: "reject" (default) answers 400 `error-invalid-message`; "store"
   * keeps the dangling `tmid`, which is what `executeSendMessage` does by code reading.
   */
  unknownTmid: "reject" | "store";
  /** `FileUpload_MaxFileSize` in bytes, default 104857600 (100 MB). */
  maxFileSize: number;
  /** Whether the bot holds `view-full-other-user-info` (users.info by email). Default true. */
  viewFullOtherUserInfo: boolean;
}

export interface StoredMessage {
  _id: string;
  rid: string;
  msg: string;
  alias?: string;
  emoji?: string;
  avatar?: string;
  tmid?: string;
  tshow?: true;
  attachments?: Array<Record<string, unknown>>;
  parseUrls?: boolean;
  groupable?: boolean;
  bot?: Record<string, unknown>;
  /** Server time, ISO 8601. */
  ts: string;
  _updatedAt: string;
  u: { _id: string; username: string; name: string };
  mentions: Array<{ _id: string; username: string; name?: string }>;
  editedAt?: string;
  editedBy?: { _id: string; username: string };
  /** Rocket.Chat stores keys it does not know unchanged (`blocks`, `customFields`, typos…). */
  [key: string]: unknown;
}

export interface NewRoom {
  name: string;
  type?: "c" | "p";
  archived?: boolean;
  /** Default: a generated 17-character id. */
  id?: string;
  /** Default true. A private group with `member: false` refuses the bot. */
  member?: boolean;
}
