/**
 * The Worker bundle as `wrangler deploy` would upload it (a dry run, minified, like
 * `npm run build`): it builds, it is small, and nothing Node-only got in. undici (Node's HTTP
 * client) bundles but fails at run time in workerd; node:sqlite, node:http and friends are the
 * Node outbox and server. The size is printed for CI logs.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRANGLER, wranglerEnv } from "../support/wrangler.ts";

/** The gzipped upload budget (KiB); the README says what the bundle holds. */
const GZIP_BUDGET_KIB = 100;

const ROOT = join(import.meta.dirname, "../..");
let outdir: string;
let output: string;
let bundle: string;

/** wrangler, off the network. */
async function wrangler(...args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: wranglerEnv(),
  });
  return stdout + stderr;
}

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), "slackline-worker-"));
  output = await wrangler("deploy", "--dry-run", "--outdir", outdir, "--minify");
  bundle = await readFile(join(outdir, "worker.js"), "utf8");
}, 60_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe("the Worker bundle (wrangler deploy --dry-run --minify)", () => {
  it("builds with its bindings, within the size budget", () => {
    const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    expect(size, output).not.toBeNull();
    const [, raw, gzip] = size!;
    console.log(`Worker bundle: Total Upload ${raw} KiB / gzip ${gzip} KiB (budget ${GZIP_BUDGET_KIB} KiB gzip)`);
    expect(Number(gzip)).toBeLessThan(GZIP_BUDGET_KIB);
    for (const binding of [
      "env.STATE (SlacklineState)",
      "env.ROOMS (SlacklineRoom)",
      "env.LIMITS (SlacklineLimiter)",
      "env.METRICS (SlacklineMetrics)",
    ])
      expect(output).toContain(binding);
  });

  it("holds nothing Node-only: no undici, no node: modules", () => {
    expect(bundle).not.toMatch(/undici/i);
    expect(bundle).not.toMatch(/llhttp/);
    const nodeImports = [
      ...bundle.matchAll(
        /(?:from|import|require)\s*\(?\s*["'](node:[\w/]+|fs|net|http|https|tls|child_process|worker_threads)["']/g,
      ),
    ].map((m) => m[1]);
    expect(nodeImports).toEqual([]);
    expect(bundle).not.toMatch(/node:sqlite|DatabaseSync/);
  });

  it("imports only the runtime's own cloudflare:workers", () => {
    const imports = [...bundle.matchAll(/\bfrom\s*["']([^"'./][^"']*)["']/g)].map((m) => m[1]);
    expect([...new Set(imports)]).toEqual(["cloudflare:workers"]);
  });
});

it("worker-configuration.d.ts matches wrangler.toml (else: npm run types:worker)", async () => {
  expect(await wrangler("types", "--check")).toContain("up to date");
}, 30_000);
