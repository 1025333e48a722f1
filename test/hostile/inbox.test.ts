/**
 * The demo inbox (`GET /`) renders senders' Markdown: no link may run script there. Only http(s)
 * and mailto links are links, in message text, attachment text and fields, and Block Kit mrkdwn,
 * and the page is served with a Content-Security-Policy that allows its own script file only.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { upstream } from "../../src/http/upstream.fetch.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices } from "../../src/services.ts";

const TOKEN = "demo-token-0123456789abcdef";
const bad = [
  "javascript:alert(1)",
  "JavaScript:alert(2)",
  " javascript:alert(3)",
  "data:text/html,<script>alert(4)</script>",
  "vbscript:msgbox(5)",
  "&#106;avascript:alert(6)",
];

function demo() {
  const config = {
    incoming: [{ name: "demo", token: TOKEN, channel: "#general", rateLimit: { perSecond: 1000, burst: 1000 } }],
  };
  const loaded = loadConfig(JSON.stringify(config), {});
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return createApp(buildServices(loaded.config, { upstream, logger: silentLogger }));
}

/** Every href on the page, with the entities the page writes decoded. */
const hrefs = (html: string): string[] =>
  [...html.matchAll(/<a\b[^>]*\bhref\s*=\s*"([^"]*)"/gi)].map((m) =>
    m[1]!
      .replace(/&amp;/g, "&")
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"'),
  );

describe("the demo inbox renders no script links", () => {
  it("links only to http(s) and mailto, everywhere text is rendered, and sends a CSP", async () => {
    const app = demo();
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const url of bad) {
      const md = `[inline](${url}) [ref][1] <${url}>\n\n[1]: ${url}`;
      expect((await post(`/hooks/${TOKEN}`, { text: md })).status).toBe(200);
      expect((await post(`/services/T/B/${TOKEN}`, { text: `<${url}|slack link> ${md}` })).status).toBe(200);
      expect(
        (
          await post(`/services/T/B/${TOKEN}`, {
            attachments: [
              {
                pretext: md,
                title: "t",
                title_link: url,
                text: md,
                fields: [{ title: `[f](${url})`, value: md, short: false }],
                author_name: "a",
                author_link: url,
              },
            ],
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await post(`/services/T/B/${TOKEN}`, {
            blocks: [{ type: "section", text: { type: "mrkdwn", text: `<${url}|block link> ${md}` } }],
          })
        ).status,
      ).toBe(200);
    }
    // A good link still is one.
    expect(
      (await post(`/hooks/${TOKEN}`, { text: "[docs](https://example.com/x) and [mail](mailto:a@example.com)" }))
        .status,
    ).toBe(200);

    const page = await app.request("/");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    // The page's own script only: nothing inline, nothing from elsewhere.
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await page.text();
    const links = hrefs(html);
    expect(links).toContain("https://example.com/x");
    expect(links).toContain("mailto:a@example.com");
    for (const href of links) expect(href).toMatch(/^(https?:\/\/|mailto:|#$)/i);
    // No inline script: the only script is the page's own file.
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/^<script src="\/inbox\.js"/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  });
});
