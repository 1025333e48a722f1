/**
 * The inbox over HTTP (no browser): the page in order with emoji as Unicode and its hook
 * filter's data, the strict CSP and the files it loads, live updates by revision, the clear
 * route's guard. test/inbox/browser.test.ts runs the same page in chromium.
 */
import { describe, expect, it } from "vitest";
import { upstream } from "#upstream";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/observability/log.ts";
import { buildServices } from "../../src/services.ts";

const A = "alerts-token-0123456789abcdef";
const B = "deploys-token-0123456789abcdef";

function app() {
  const loaded = loadConfig(
    JSON.stringify({
      incoming: [
        { name: "alerts", token: A, channel: "#alerts" },
        { name: "deploys", token: B, channel: "#deploys" },
      ],
    }),
    {},
  );
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return createApp(buildServices(loaded.config, { upstream, logger: silentLogger }), { baseUrl: "http://gw.example" });
}
const post = (a: ReturnType<typeof app>, token: string, body: unknown) =>
  a.request(`/services/T/B/${token}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the inbox page over HTTP", () => {
  it("lists messages oldest first, named by hook, emoji as Unicode, times in UTC until the script runs", async () => {
    const a = app();
    expect((await post(a, A, { text: "first :fire:", icon_emoji: ":tada:" })).status).toBe(200);
    expect((await post(a, B, { text: "second :no_such_emoji_name:" })).status).toBe(200);
    const res = await a.request("/");
    const html = await res.text();
    expect(html.indexOf("first")).toBeLessThan(html.indexOf("second"));
    expect(html).toContain('data-hook="alerts"');
    expect(html).toContain('data-hook="deploys"');
    expect(html).toContain('<span class="emoji" title=":fire:">🔥</span>');
    expect(html).toContain('<span class="avatar emoji-avatar" title=":tada:">🎉</span>');
    expect(html).toContain(":no_such_emoji_name:");
    expect(html).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z" title="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/,
    );
    // The filter and the send form know both hooks; the form posts to the hook's path.
    expect(html).toContain('<option value="deploys">deploys</option>');
    expect(html).toContain(`<option value="/services/T0000000/B0000000/${B}">deploys</option>`);
  });

  it("quotes only the lines that start with >, as Rocket.Chat does", async () => {
    const a = app();
    await post(a, A, { text: "Deploy done\n> 42 tests passed\nSee the log" });
    const html = await (await a.request("/")).text();
    expect(html).toMatch(/<blockquote>\s*<p>42 tests passed<\/p>\s*<\/blockquote>\s*<p>See the log<\/p>/);
  });

  it("needs no inline script or style: a strict CSP, its script and style served as files", async () => {
    const a = app();
    const res = await a.request("/");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|<style|style="|\son[a-z]+=/);
    expect(html).toContain('<script src="/inbox.js" defer></script>');
    const js = await a.request("/inbox.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("/inbox/messages");
    expect((await a.request("/inbox.css")).headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("tells the page what changed since its revision, and clears only on the page's own request", async () => {
    const a = app();
    const first = (await (await a.request("/inbox/messages?since=-1")).json()) as { revision: number; html: string };
    expect(first.html).toBe("");
    await post(a, A, { text: "hello" });
    const changed = (await (await a.request(`/inbox/messages?since=${first.revision}`)).json()) as {
      revision: number;
      html: string;
    };
    expect(changed.revision).toBeGreaterThan(first.revision);
    expect(changed.html).toContain("hello");
    expect(await (await a.request(`/inbox/messages?since=${changed.revision}`)).json()).toEqual({
      revision: changed.revision,
    });

    expect((await a.request("/inbox/clear", { method: "POST" })).status).toBe(400);
    expect((await (await a.request("/inbox.json")).json()) as unknown[]).toHaveLength(1);
    expect(
      (await a.request("/inbox/clear", { method: "POST", headers: { "x-slackline-inbox": "clear" } })).status,
    ).toBe(204);
    expect(await (await a.request("/inbox.json")).json()).toEqual([]);
  });
});
