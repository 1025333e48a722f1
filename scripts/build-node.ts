/**
 * `npm run build:node`: slackline for Node as ONE self-contained JavaScript file,
 * dist/node/slackline.mjs (plus its source map), that runs with no node_modules.
 *
 * Why: to run .ts sources Node loads its type stripper (amaro, swc built to WASM) and keeps it.
 * Idle, slackline from source takes ~135 MiB of RSS, this bundle ~82 MiB (Node 24.21, x64).
 *
 *   node scripts/build-node.ts [--outdir DIR]
 *
 * test/build/ imports `buildNode`; bench/run.ts runs this script (also in a --before checkout).
 */
import { build, type Metafile } from "esbuild";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");

export interface BuiltNode {
  /** The bundle's absolute path. */
  readonly file: string;
  readonly metafile: Metafile;
}

export async function buildNode(outdir = resolve(ROOT, "dist/node")): Promise<BuiltNode> {
  const file = resolve(outdir, "slackline.mjs");
  const result = await build({
    // bin/slackline.js (`main()` from src/node/main.ts) is the entry from source and for the bundle;
    // its `#!/usr/bin/env node` line is kept.
    entryPoints: [resolve(ROOT, "bin/slackline.js")],
    absWorkingDir: ROOT,
    outfile: file,
    bundle: true, // every npm dependency inside; only Node's builtins (node:sqlite…) stay imports
    format: "esm",
    platform: "node", // adds the "node" condition: `#upstream` is src/node/upstream.ts
    target: "node24",
    sourcemap: "linked", // slackline.mjs.map; `node --enable-source-maps` uses it for stack traces
    // undici is CommonJS and `require`s Node's builtins, which an ES module has no `require` for.
    banner: {
      js: `import { createRequire as __slacklineRequire } from "node:module";\nconst require = __slacklineRequire(import.meta.url);`,
    },
    metafile: true,
    logLevel: "warning",
  });
  return { file, metafile: result.metafile };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: "string" } } });
  const { file } = await buildNode(values.outdir && resolve(values.outdir));
  console.log(`built ${file}`);
}
