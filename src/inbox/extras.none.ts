/**
 * The inbox page on Workers: no emoji table (~100 KB) and no script, filter, Clear button or send
 * form (the Worker bundle's budget; and each isolate keeps an inbox of its own, so live updates
 * would show one isolate's). The page shows `:name:` as written and times in UTC, and refreshes
 * on reload. Node's: src/node/inbox-extras.ts.
 */
import type { Hono } from "hono";
import type { EmojiLookup } from "./emoji.ts";
import type { Inbox } from "./inbox.ts";
import type { InboxControls, InboxHook } from "./page.ts";

export const loadEmoji = (): Promise<EmojiLookup | undefined> => Promise.resolve(undefined);
export const inboxExtras:
  | { controls(hooks: readonly InboxHook[]): InboxControls; routes(app: Hono, inbox: Inbox): void }
  | undefined = undefined;
