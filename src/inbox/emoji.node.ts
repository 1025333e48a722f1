/**
 * Node: Rocket.Chat's emoji names (JoyPixels, from the emoji-toolkit package Rocket.Chat itself
 * uses) → Unicode, for the inbox page. Read from node_modules when first needed, so neither the
 * Worker bundle nor the single-file Node bundle carries the table (without node_modules beside
 * it, the bundle shows `:name:` as written).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { EmojiLookup } from "./emoji.ts";

let table: Promise<EmojiLookup | undefined> | undefined;

interface Strategy {
  readonly shortname: string;
  readonly shortname_alternates?: readonly string[];
  readonly unicode_output: string;
}

export function loadEmoji(): Promise<EmojiLookup | undefined> {
  table ??= Promise.resolve().then(() => {
    try {
      const path = createRequire(import.meta.url).resolve("emoji-toolkit/emoji_strategy.json");
      const strategy = JSON.parse(readFileSync(path, "utf8")) as Record<string, Strategy>;
      const map = new Map<string, string>();
      for (const e of Object.values(strategy)) {
        const char = String.fromCodePoint(...e.unicode_output.split("-").map((h) => parseInt(h, 16)));
        for (const name of [e.shortname, ...(e.shortname_alternates ?? [])]) map.set(name.slice(1, -1), char);
      }
      return (name: string) => map.get(name);
    } catch {
      return undefined;
    }
  });
  return table;
}
