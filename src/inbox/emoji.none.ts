/**
 * Workers: no emoji table (it would cost the Worker bundle ~100 KB); the inbox page shows
 * `:name:` as written. Node's is src/inbox/emoji.node.ts.
 */
import type { EmojiLookup } from "./emoji.ts";

export const loadEmoji = (): Promise<EmojiLookup | undefined> => Promise.resolve(undefined);
