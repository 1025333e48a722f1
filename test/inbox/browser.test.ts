/// <reference lib="dom" />
// The callbacks given to page.evaluate run in the browser: they need the DOM types, this file alone.
/**
 * The inbox page in a real browser: Debian's chromium driven by puppeteer-core (no browser is
 * downloaded), against slackline started as the CLI with two hooks and no `rocketchat` section.
 * Payloads are posted to the hooks and through the page's own form; what the page shows is read
 * from the DOM. Skipped where chromium is not installed (CHROMIUM=/path picks another).
 *
 * UPDATE_SCREENSHOTS=1 also writes docs/images/inbox.png for the README.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../delivery/harness.ts";
import { startCli, type Cli } from "../support/cli.ts";

const CHROMIUM = [process.env["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p): p is string => !!p && existsSync(p),
);
const ROOT = new URL("../..", import.meta.url).pathname;
const ALERTS = "alerts-token-0123456789abcdef";
const DEPLOYS = "deploys-token-0123456789abcdef";
const ZONE = "America/New_York";

const temp = tempDir();
let cli: Cli | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

const post = (token: string, body: unknown) =>
  fetch(`${cli!.url}/services/T0/B0/${token}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** What the list shows: per visible message, its sender, hook and text. */
const shown = () =>
  page.$$eval("#list .message", (ms) =>
    ms
      .filter((m) => !(m as HTMLElement).hidden)
      .map((m) => ({
        who: m.querySelector("header strong")!.textContent,
        hook: (m as HTMLElement).dataset["hook"],
        text: m.querySelector(".msg")?.textContent?.trim() ?? "",
      })),
  );

beforeAll(async () => {
  if (!CHROMIUM) return;
  const config = join(temp.dir, "inbox.json");
  writeFileSync(
    config,
    JSON.stringify({
      incoming: [
        { name: "alerts", token: ALERTS, channel: "#alerts", rateLimit: { perSecond: 100, burst: 100 } },
        { name: "deploys", token: DEPLOYS, channel: "#deploys", rateLimit: { perSecond: 100, burst: 100 } },
      ],
    }),
  );
  cli = await startCli(config);
  const profile = join(temp.dir, "profile");
  mkdirSync(profile);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--lang=en-US",
    ],
  });
  page = await browser.newPage();
  await page.emulateTimezone(ZONE);
  await page.setViewport({ width: 900, height: 760 });
  page.on("console", (m) => {
    // The one failed request is the no_text answer the form test provokes on purpose.
    if (
      (m.type() === "error" && !/status of 400 \(Bad Request\)/.test(m.text())) ||
      /Content Security Policy/i.test(m.text())
    )
      problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  cli?.child.kill("SIGTERM");
  await cli?.exited;
  temp.remove();
});

describe.skipIf(!CHROMIUM)("the inbox page in chromium", () => {
  it("starts empty and says where to send", async () => {
    const res = await page.goto(cli!.url + "/", { waitUntil: "load" });
    expect(res!.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(await page.$eval("#empty", (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval("#empty", (e) => e.textContent)).toContain(`/services/T0000000/B0000000/${ALERTS}`);
    expect(await page.$$eval("#target option", (os) => os.map((o) => o.textContent))).toEqual(["alerts", "deploys"]);
    // A mark that a full reload would wipe.
    await page.evaluate(() => ((window as unknown as { mark: number }).mark = 1));
  });

  it("shows new messages without a reload, oldest first, the newest in view, emoji as Unicode, local times", async () => {
    const long = Array.from(
      { length: 120 },
      (_, i) => `line ${String(i).padStart(3, "0")} of a long report that Rocket.Chat gets in two parts`,
    ).join("\n");
    expect(
      (await post(ALERTS, { text: "Disk *full* on db-1 :fire:", username: "Nagios", icon_emoji: ":rotating_light:" }))
        .status,
    ).toBe(200);
    expect(
      (
        await post(DEPLOYS, {
          text: "Deploy finished :tada:",
          attachments: [{ color: "good", title: "Build 42", text: "All _tests_ passed" }],
        })
      ).status,
    ).toBe(200);
    expect((await post(ALERTS, { text: long, username: "Reporter" })).status).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll("#list .message").length === 4, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(1);

    const messages = await shown();
    expect(messages.map((m) => [m.who, m.hook])).toEqual([
      ["Nagios", "alerts"],
      ["slackline", "deploys"],
      ["Reporter", "alerts"],
      ["Reporter", "alerts"],
    ]);
    expect(messages[0]!.text).toBe("Disk full on db-1 🔥");
    expect(messages[1]!.text).toBe("Deploy finished 🎉");
    // A split message reads in order: its first part above its second.
    expect(messages[2]!.text).toMatch(/^line 000/);
    expect(messages[3]!.text).toMatch(/line 119 of a long report that Rocket\.Chat gets in two parts$/);
    expect(await page.$eval("#list .message .avatar", (a) => a.textContent)).toBe("🚨");
    expect(await page.$eval("#empty", (e) => (e as HTMLElement).hidden)).toBe(true);

    // The attachment's colour ("good"), applied by the script under the CSP.
    expect(await page.$eval(".attachment", (a) => getComputedStyle(a).borderLeftColor)).toBe("rgb(46, 184, 134)");
    // The reader's time zone, not UTC.
    const { iso, label } = await page.$eval("#list .message time", (t) => ({
      iso: t.getAttribute("datetime")!,
      label: t.textContent!,
    }));
    expect(label).toBe(new Date(iso).toLocaleTimeString("en-US", { timeZone: ZONE }));
    // The newest message is in view: the list is scrolled to its end.
    expect(await page.$eval("#list", (l) => l.scrollHeight - l.scrollTop - l.clientHeight)).toBeLessThan(40);
  });

  it("filters by hook", async () => {
    await page.select("#filter", "deploys");
    expect((await shown()).map((m) => m.hook)).toEqual(["deploys"]);
    await page.select("#filter", "");
    expect(await shown()).toHaveLength(4);
  });

  it("sends a pasted payload to the chosen hook and shows the answer", async () => {
    await page.select("#target", `/services/T0000000/B0000000/${DEPLOYS}`);
    await page.$eval("#payload", (t) => ((t as HTMLTextAreaElement).value = ""));
    await page.type("#payload", JSON.stringify({ text: "Pasted *by hand* :wave:", username: "Me" }));
    await page.click("#send button[type=submit]");
    await page.waitForFunction(() => document.getElementById("answer")!.textContent === "200 ok", { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll("#list .message").length === 5, { timeout: 10_000 });
    expect((await shown()).at(-1)).toEqual({ who: "Me", hook: "deploys", text: "Pasted by hand 👋" });

    await page.$eval("#payload", (t) => ((t as HTMLTextAreaElement).value = '{"text":""}'));
    await page.click("#send button[type=submit]");
    await page.waitForFunction(() => document.getElementById("answer")!.textContent === "400 no_text", {
      timeout: 10_000,
    });
    expect(await page.$eval("#answer", (o) => o.className)).toBe("error");
  });

  it("clears", async () => {
    await page.click("#clear");
    await page.waitForFunction(() => document.querySelectorAll("#list .message").length === 0, { timeout: 10_000 });
    expect(await page.$eval("#empty", (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await (await fetch(`${cli!.url}/inbox.json`)).json()).toEqual([]);
    // Not from another site: the clear needs the page's header.
    expect((await fetch(`${cli!.url}/inbox/clear`, { method: "POST" })).status).toBe(400);
  });

  it("looks right (screenshot)", async () => {
    // Without emoji: the machines these run on may have no colour emoji font.
    await post(ALERTS, {
      username: "Alertmanager",
      text: "[FIRING:1] *HighLatency* on `api-gateway`",
      attachments: [
        {
          color: "danger",
          title: "p99 latency above 2 s",
          title_link: "https://grafana.example.com/d/api",
          fields: [
            { title: "Severity", value: "critical", short: true },
            { title: "Instance", value: "api-1:9090", short: true },
          ],
        },
      ],
    });
    await post(DEPLOYS, {
      username: "CI",
      text: "Deploy of *shop* `v2.14.0` to _production_ finished\n> 42 tests passed, 0 failed\nSee <https://ci.example.com/build/1234|build 1234>",
    });
    await post(ALERTS, {
      username: "Alertmanager",
      text: "[RESOLVED] *HighLatency* on `api-gateway`",
      attachments: [{ color: "good", text: "p99 back under 300 ms" }],
    });
    await page.waitForFunction(() => document.querySelectorAll("#list .message").length === 3, { timeout: 10_000 });
    await page.$eval("#answer", (o) => (o.textContent = ""));
    await page.select("#target", `/services/T0000000/B0000000/${ALERTS}`);
    await page.$eval(
      "#payload",
      (t) => ((t as HTMLTextAreaElement).value = JSON.stringify({ text: "Hello from *slackline*" })),
    );
    const png = await page.screenshot({ type: "png" });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    if (process.env["UPDATE_SCREENSHOTS"]) writeFileSync(join(ROOT, "docs/images/inbox.png"), png);
  });

  it("ran without a script error or a Content-Security-Policy violation", async () => {
    expect(problems).toEqual([]);
  });
});
