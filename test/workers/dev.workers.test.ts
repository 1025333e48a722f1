/**
 * `npx wrangler dev` (docs/contract.md §1 (wrangler dev itself: docs/workers.md §2.1)) starts the Worker locally in workerd and serves it: demo mode
 * without a config, the demo hook answering `ok` and the message on the inbox page. workerd is
 * stricter about the main module here than the vitest plugin (every export must be a handler or
 * a class), so this runs the real thing.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWranglerDev } from "../support/wrangler.ts";

let dev: ChildProcess | undefined;
let base: string;
let log: () => string;
let state: string;

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "slackline-dev-"));
  // An empty env file instead of a developer's .dev.vars / .env: no SLACKLINE_CONFIG, demo mode.
  const vars = join(state, "empty.env");
  await writeFile(vars, "");
  const started = await startWranglerDev({ persistTo: state, envFile: vars });
  dev = started.process;
  base = started.base;
  log = started.log;
}, 40_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.once("exit", resolve));
    dev.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (dev.exitCode === null) dev.kill("SIGKILL");
  }
  await rm(state, { recursive: true, force: true });
});

it("serves the Worker locally in demo mode", async () => {
  expect(log()).toMatch(/env\.STATE \(SlacklineState\)\s+Durable Object\s+local/);
  expect(log()).toMatch(/env\.ROOMS \(SlacklineRoom\)\s+Durable Object\s+local/);
  expect(log()).toMatch(/env\.LIMITS \(SlacklineLimiter\)\s+Durable Object\s+local/);
  const hook = `${base}/services/T0000000/B0000000/slackline-demo-hook`;
  const res = await fetch(hook, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text":"Hello *world*"}',
  });
  expect([res.status, await res.text()]).toEqual([200, "ok"]);
  const page = await (await fetch(`${base}/`)).text();
  expect(page).toContain(hook);
  expect(page).toContain("Hello");
});
