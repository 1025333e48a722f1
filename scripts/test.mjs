/*
 * `npm test`: the type checks, lint and format, the Node suite and the Workers suite, each run
 * whatever became of the one before, then one line per step and an exit code that is not 0 when
 * any failed. (With `a && b && c` a failing Node suite hid the Workers suite's result.)
 *
 *   node scripts/test.mjs [typecheck|lint|node|workers ...]   (default: all, in that order)
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
require("./require-node.cjs").requireNode();

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const vitest = join(root, "node_modules/vitest/vitest.mjs");
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
const biome = join(root, "node_modules/@biomejs/biome/bin/biome");
const knip = join(root, "node_modules/knip/bin/knip.js");
/** Each step is one or more commands (run with this Node); a step fails when any of them does. */
const STEPS = {
  // Two programs: Node's (tsconfig.json) and the Worker's (no Node types); the generated Worker
  // types must match wrangler.toml.
  typecheck: [
    [tsc, "-p", "tsconfig.json"],
    [tsc, "-p", "tsconfig.worker.json"],
    [wrangler, "types", "--check"],
  ],
  // Lint and format (biome.json), and no unused files, exports or dependencies (knip.json).
  lint: [[biome, "ci", "."], [knip]],
  node: [[vitest, "run"]],
  workers: [[vitest, "run", "-c", "vitest.workers.config.ts"]],
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in STEPS)) {
    process.stderr.write(`unknown step ${name}: one of ${Object.keys(STEPS).join(", ")}\n`);
    process.exit(2);
  }
}
const results = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(STEPS)) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  let status = 0;
  let signal = null;
  for (const command of STEPS[name]) {
    const run = spawnSync(process.execPath, command, { cwd: root, stdio: "inherit" });
    if ((run.status ?? 1) !== 0) status = run.status ?? 1;
    signal ??= run.signal;
  }
  results.push({ name, status, seconds: Math.round((Date.now() - started) / 1000), signal });
}
process.stdout.write("\n=== summary ===\n");
for (const r of results)
  process.stdout.write(
    `${r.status === 0 ? "pass" : "FAIL"}  ${r.name} (${r.seconds} s${r.signal ? `, ${r.signal}` : r.status === 0 ? "" : `, exit ${r.status}`})\n`,
  );
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
