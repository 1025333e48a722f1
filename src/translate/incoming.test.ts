import { describe, expect, it } from "vitest";
import { toSlackChannelId } from "../slack/ids.ts";
import { parseSlackPayload } from "../slack/payload.ts";
import { defaultTranslateContext, type TranslateContext } from "../model/context.ts";
import { translateIncoming, type HookSettings } from "./incoming.ts";

const ctx: TranslateContext = {
  ...defaultTranslateContext,
  users: { U0123ABCD9: "alice" },
  channels: { C024BE7LR: "general" },
};
const open: HookSettings = {
  channel: "#alerts",
  allowChannelOverride: true,
  allowUsernameOverride: true,
  allowIconOverride: true,
};
const locked: HookSettings = {
  ...open,
  allowChannelOverride: false,
  allowUsernameOverride: false,
  allowIconOverride: false,
  username: "Hook",
  iconEmoji: ":bell:",
};

const translate = (payload: unknown, hook = open, dialect: "slack" | "markdown" = "slack", c = ctx) =>
  translateIncoming(parseSlackPayload(payload)!, hook, c, dialect);
const value = (r: ReturnType<typeof translate>) => {
  if (!r.ok) throw new Error(`expected a translation, got ${r.error.code}`);
  return r.value;
};

describe("target room", () => {
  it("uses the hook's room, or the payload's when overrides are allowed", () => {
    expect(value(translate({ text: "x" })).room).toBe("#alerts");
    expect(value(translate({ text: "x", channel: "#ops" })).room).toBe("#ops");
    expect(value(translate({ text: "x", channel: "@bob" })).room).toBe("@bob");
  });

  it("refuses another room on a locked hook, but accepts its own", () => {
    expect(translate({ text: "x", channel: "#ops" }, locked)).toEqual({
      ok: false,
      error: { code: "action_prohibited" },
    });
    expect(value(translate({ text: "x", channel: "alerts" }, locked)).room).toBe("#alerts");
  });

  it("maps Slack ids: configured channels and users, slackline's own ids, and ignores unknown channel ids", () => {
    expect(value(translate({ text: "x", channel: "C024BE7LR" })).room).toBe("#general");
    expect(value(translate({ text: "x", channel: "U0123ABCD9" })).room).toBe("@alice");
    expect(value(translate({ text: "x", channel: toSlackChannelId("GENERAL") })).room).toBe("GENERAL");
    expect(value(translate({ text: "x", channel: "C1H9RESGL" })).room).toBe("#alerts");
  });
});

describe("identity", () => {
  it("maps username, icon_url and icon_emoji to alias, avatar and emoji; an avatar wins", () => {
    const m = value(translate({ text: "x", username: "ci", icon_url: "https://x.io/i.png", icon_emoji: ":rocket:" }))
      .messages[0]!;
    expect(m).toMatchObject({ alias: "ci", avatar: "https://x.io/i.png" });
    expect(m.emoji).toBeUndefined();
    expect(value(translate({ text: "x", icon_emoji: "rocket" })).messages[0]!.emoji).toBe(":rocket:");
  });

  it("keeps the hook's own identity silently when overrides are off", () => {
    const m = value(
      translate({ text: "x", channel: "#alerts", username: "evil", icon_url: "https://x.io/i.png" }, locked),
    ).messages[0]!;
    expect(m).toMatchObject({ alias: "Hook", emoji: ":bell:" });
    expect(m.avatar).toBeUndefined();
  });

  it("drops a non-http avatar", () => {
    expect(value(translate({ text: "x", icon_url: "javascript:alert(1)" })).messages[0]!.avatar).toBeUndefined();
  });
});

describe("content", () => {
  it("shows blocks instead of text when they render (text is the notification fallback)", () => {
    const r = value(
      translate({ text: "fallback", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*from blocks*" } }] }),
    );
    expect(r.messages[0]!.msg).toBe("*from blocks*");
    const none = value(translate({ text: "fallback", blocks: [{ type: "input" }] }));
    expect(none.messages[0]!.msg).toBe("fallback");
  });

  it("accepts attachments alone, and counts them as Slack does", () => {
    expect(value(translate({ attachments: [{ title: "T" }] })).messages[0]).toMatchObject({
      msg: "",
      attachments: [{ title: "T" }],
    });
    expect(translate({ attachments: Array.from({ length: 101 }, () => ({ text: "a" })) })).toEqual({
      ok: false,
      error: { code: "too_many_attachments" },
    });
    expect(translate({ text: "", attachments: [{}] })).toEqual({ ok: false, error: { code: "no_text" } });
  });

  it("reads Mattermost's props.attachments", () => {
    expect(value(translate({ props: { attachments: [{ text: "from props" }] } })).messages[0]!.attachments).toEqual([
      { text: "from props" },
    ]);
  });

  it("splits long text into ordered messages with the attachments on the last", () => {
    const para = "word ".repeat(300).trim();
    const r = value(
      translate({ text: [para, para, para].join("\n\n"), attachments: [{ text: "att" }] }, open, "slack", {
        ...ctx,
        maxMessageSize: 2000,
      }),
    );
    expect(r.messages.length).toBe(3);
    expect(r.messages.every((m) => m.msg.length <= 2000)).toBe(true);
    expect(r.messages.slice(0, -1).every((m) => m.attachments === undefined)).toBe(true);
    expect(r.messages.at(-1)!.attachments).toEqual([{ text: "att" }]);
  });

  it("continues an attachment text over the size limit in attachments of the same colour", () => {
    const long = Array.from({ length: 8 }, (_, i) => `paragraph ${i} ` + "x".repeat(280)).join("\n\n");
    const r = value(
      translate(
        { attachments: [{ color: "danger", title: "T", text: long, fields: [{ title: "a", value: "b" }] }] },
        open,
        "slack",
        {
          ...ctx,
          maxMessageSize: 1000,
        },
      ),
    );
    const atts = r.messages[0]!.attachments!;
    expect(atts.length).toBeGreaterThan(2);
    expect(atts[0]).toMatchObject({ color: "#a30200", title: "T", fields: [{ title: "a", value: "b" }] });
    expect(atts.slice(1).every((a) => a.color === "#a30200" && a.title === undefined && a.text!.length <= 1000)).toBe(
      true,
    );
    expect(atts.map((a) => a.text).join("\n\n")).toBe(long);
  });

  it("carries threads, broadcast replies and link previews", () => {
    const r = value(
      translate({ text: "x", thread_ts: "1700000000.000100", reply_broadcast: true, unfurl_links: false }),
    );
    expect(r.threadTs).toBe("1700000000.000100");
    expect(r.messages[0]).toMatchObject({ tshow: true, parseUrls: false, groupable: false });
    expect(value(translate({ text: "x", root_id: "abcdefghijklmnopq" })).threadTs).toBe("abcdefghijklmnopq");
    expect(value(translate({ text: "x", reply_broadcast: true })).messages[0]!.tshow).toBeUndefined();
  });

  it("reads Markdown on the Mattermost dialect, Slack links included", () => {
    expect(value(translate({ text: "**bold** and <https://x.io|a link>" }, open, "markdown")).messages[0]!.msg).toBe(
      "*bold* and [a link](https://x.io)",
    );
  });

  it("honours mrkdwn:false and parse:full", () => {
    expect(value(translate({ text: "*x* <https://x.io|l>", mrkdwn: false })).messages[0]!.msg).toBe(
      "\\*x\\* [l](https://x.io)",
    );
    expect(value(translate({ text: "<!everyone>", parse: "full" })).messages[0]!.msg).toBe("<!everyone>");
  });
});
