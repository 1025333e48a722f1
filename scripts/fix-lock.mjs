// The npm registry reachable from the build machines has no workerd binaries for
// macOS or Windows, so `npm install` there writes a lock without those optional
// entries and `npm ci` then refuses the lock. This adds them back, with the same
// version as the Linux binary, exactly as npm writes them on a full registry.
// Run after any `npm install` that changes wrangler/workerd: node scripts/fix-lock.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const linux = lock.packages["node_modules/@cloudflare/workerd-linux-64"];
if (!linux) throw new Error("no workerd-linux-64 in package-lock.json");

const missing = {
  "darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "windows-64": { os: ["win32"], cpu: ["x64"] },
};
for (const [suffix, { os, cpu }] of Object.entries(missing)) {
  const key = `node_modules/@cloudflare/workerd-${suffix}`;
  lock.packages[key] ??= {
    version: linux.version,
    cpu,
    dev: true,
    license: linux.license,
    optional: true,
    os,
    engines: linux.engines,
  };
}
// npm keeps "packages" sorted by key; keep the diff small.
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
