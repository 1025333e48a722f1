// The Worker bundle's inputs by minified size, as wrangler bundles it (workerd conditions,
// minified ESM). Usage: node scripts/worker-breakdown.mjs [top-n]
import { build } from "esbuild";
import { gzipSync } from "node:zlib";

const top = Number(process.argv[2] ?? 25);
const result = await build({
  entryPoints: ["src/worker.ts"],
  bundle: true,
  minify: true,
  keepNames: true, // as wrangler does
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  external: ["cloudflare:*", "node:*"],
  metafile: true,
  write: false,
  logLevel: "error",
});
const out = Object.values(result.metafile.outputs)[0];
const code = result.outputFiles[0].contents;
console.log(
  `total: ${(code.length / 1024).toFixed(1)} KiB minified, ${(gzipSync(code).length / 1024).toFixed(1)} KiB gzip`,
);
const byPackage = new Map();
for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? "(slackline) " + file.split("/").slice(0, 2).join("/");
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
}
console.log("\nby package:");
for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${pkg}`);
console.log("\nby file:");
for (const [file, { bytesInOutput }] of Object.entries(out.inputs)
  .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
  .slice(0, top))
  console.log(`${(bytesInOutput / 1024).toFixed(1).padStart(7)} KiB  ${file}`);
