/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --profile DIR`): self time by function
 * and by source file or package, so a change can be argued from where the time goes.
 *
 *   node bench/profile.ts DIR/CPU.….cpuprofile [--top 30]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" } },
});
const file = positionals[0];
if (!file) throw new Error("usage: node bench/profile.ts FILE.cpuprofile [--top N]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const idle = profile.nodes
  .filter((n) => n.callFrame.functionName === "(idle)")
  .reduce((a, n) => a + (self.get(n.id) ?? 0), 0);
/** Shares are of the busy time: waiting for I/O is not a cost. */
const total = [...self.values()].reduce((a, b) => a + b, 0) - idle;

/** `node_modules/hono/dist/…` → `hono`; `/src/slack/mrkdwn.ts` → `src/slack/mrkdwn.ts`. */
function where(url: string): string {
  if (!url) return "(native/VM)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/((?:src|bin|bench|test)\/.*)$/.exec(url);
  if (src) return src[1]!;
  return url.startsWith("node:") ? url : url.replace(/^file:\/\//, "");
}

const fns = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  if (n.callFrame.functionName === "(idle)") continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const fn = `${functionName || "(anonymous)"} ${where(url)}${url ? `:${lineNumber + 1}` : ""}`;
  fns.set(fn, (fns.get(fn) ?? 0) + us);
  const f = where(url);
  files.set(f, (files.get(f) ?? 0) + us);
}

// Inclusive time: a node's own samples and its callees' (synchronous calls only: work after an
// await is a new root). A function counted once per stack even when it recurses.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"} ${where(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at)!;
    if (n.callFrame.functionName === "(idle)" || n.callFrame.functionName === "(root)") continue;
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const top = Number(values.top);
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s busy (+ ${(idle / 1e6).toFixed(1)} s idle); shares of the busy time\n\nself time by function:`,
);
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
console.log("\ninclusive time, slackline's own functions:");
for (const [k, v] of [...inclusive]
  .filter(([k]) => / src\//.test(k))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${pct(v)}  ${k}`);
console.log("\nself time by file or package:");
for (const [k, v] of [...files].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
