/**
 * `npx wrangler dev` (docs/contract.md §1 (wrangler dev itself: docs/workers.md §2.1)) starts the Worker locally in workerd and serves it: demo mode
 * without a config, the demo hook answering `ok` and the message on the inbox page. workerd is
 * stricter about the main module here than the vitest plugin (every export must be a handler or
 * a class), so this runs the real thing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
let dev: ChildProcess | undefined;
let base: string;
let log = "";
let state: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  const [port, inspector] = [await freePort(), await freePort()];
  state = await mkdtemp(join(tmpdir(), "slackline-dev-"));
  base = `http://127.0.0.1:${port}`;
  // An empty env file instead of a developer's .dev.vars / .env: no SLACKLINE_CONFIG, demo mode.
  const vars = join(state, "empty.env");
  await writeFile(vars, "");
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    state,
    "--env-file",
    vars,
    "--show-interactive-dev-session=false",
  ];
  dev = spawn(process.execPath, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
      NO_COLOR: "1",
      CI: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  dev.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const until = Date.now() + 30_000;
  for (;;) {
    if (dev.exitCode !== null) throw new Error(`wrangler dev exited (${dev.exitCode}):\n${log}`);
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > until) throw new Error(`wrangler dev did not answer in 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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
  expect(log).toMatch(/env\.STATE \(SlacklineState\)\s+Durable Object\s+local/);
  expect(log).toMatch(/env\.ROOMS \(SlacklineRoom\)\s+Durable Object\s+local/);
  expect(log).toMatch(/env\.LIMITS \(SlacklineLimiter\)\s+Durable Object\s+local/);
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
