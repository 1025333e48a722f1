/**
 * The inbox page's extras on Node (the `#inbox-extras` import map; Workers get
 * src/inbox/extras.none.ts): its script, and Rocket.Chat's emoji names (JoyPixels, from the
 * emoji-toolkit package Rocket.Chat itself uses) → Unicode. The emoji table is read from
 * node_modules when first needed, so neither the Worker bundle nor the single-file Node bundle
 * carries it (without node_modules beside it, the bundle shows `:name:` as written).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Hono } from "hono";
import type { EmojiLookup } from "../inbox/emoji.ts";
import type { Inbox } from "../inbox/inbox.ts";
import { escapeHtml, messagesHtml, type InboxControls, type InboxHook } from "../inbox/page.ts";
import { INBOX_JS } from "../inbox/script.ts";

const EXAMPLE = JSON.stringify(
  {
    text: "Deploy *finished* :tada: <https://example.com|release notes>",
    attachments: [
      {
        color: "good",
        title: "Build 42",
        text: "All _tests_ passed :white_check_mark:",
        fields: [{ title: "Branch", value: "main", short: true }],
      },
    ],
  },
  null,
  2,
);

/** The page's filter, Clear button and send form, and the routes its script calls. */
export const inboxExtras = {
  controls(hooks: readonly InboxHook[]): InboxControls {
    const options = (value: (h: InboxHook) => string) =>
      hooks.map((h) => `<option value="${escapeHtml(value(h))}">${escapeHtml(h.name)}</option>`).join("");
    return {
      header: `<label>Show <select id="filter"><option value="">all hooks</option>${options((h) => h.name)}</select></label> <button id="clear" type="button">Clear</button>`,
      composer:
        `<form id="send" class="composer"><label>Send a Slack payload to <select id="target" name="target">${options((h) => h.path)}</select></label>\n` +
        `<textarea id="payload" name="payload" rows="6" spellcheck="false">${escapeHtml(EXAMPLE)}</textarea>\n` +
        `<div class="row"><button type="submit">Send</button> <output id="answer"></output></div></form>`,
    };
  },
  routes(app: Hono, inbox: Inbox): void {
    app.get(
      "/inbox.js",
      () =>
        new Response(INBOX_JS, {
          headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" },
        }),
    );
    // The list as the page shows it, when it changed since the page's revision.
    app.get("/inbox/messages", async (c) => {
      const since = Number(c.req.query("since"));
      if (since === inbox.revision) return c.json({ revision: inbox.revision });
      return c.json({ revision: inbox.revision, html: messagesHtml(inbox.all(), await loadEmoji()) });
    });
    // A header no cross-site form can send: only the page's own script clears the inbox.
    app.post("/inbox/clear", (c) => {
      if (c.req.header("x-slackline-inbox") !== "clear") return c.text("missing x-slackline-inbox: clear", 400);
      inbox.clear();
      return c.body(null, 204);
    });
  },
};

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
