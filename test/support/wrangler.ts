/**
 * wrangler as the Workers tests run it: off the network (docs/workers.md §2.3), and `wrangler dev`
 * started on free local ports until `/healthz` answers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
export const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** No metrics, no fetching of Cloudflare's data, no banner, no colour. */
export const wranglerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  NO_COLOR: "1",
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface WranglerDev {
  readonly process: ChildProcess;
  readonly base: string;
  /** Everything it printed so far. */
  log(): string;
}

/**
 * `wrangler dev` with its Durable Objects persisted to `persistTo` and its vars from `envFile`.
 * `detached`: its own process group, so one signal reaches wrangler and its workerd children.
 */
export async function startWranglerDev(opts: {
  persistTo: string;
  envFile: string;
  detached?: boolean;
}): Promise<WranglerDev> {
  const [port, inspector] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
  args.push("--persist-to", opts.persistTo, "--env-file", opts.envFile, "--show-interactive-dev-session=false");
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    detached: opts.detached ?? false,
    env: { ...wranglerEnv(), CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { process: child, base, log: () => log };
    if (Date.now() > until) throw new Error(`wrangler dev did not answer in 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
