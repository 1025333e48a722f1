/**
 * `npm run bench:translate`: the translation core (decode → parse → translate; pure, in
 * process) timed on every compat-fixture input, and how its cost grows with payload size.
 *
 *   npm run bench:translate                    2000 timed runs per payload
 *   npm run bench:translate -- --iterations 500
 *
 * Run with `--expose-gc` and a big young generation (the npm script does) to also report the
 * bytes each translation allocates: heap growth over a batch that no scavenge interrupted.
 */
import { parseArgs } from "node:util";
import { decodePayload } from "../src/http/body.ts";
import { parseSlackPayload } from "../src/slack/payload.ts";
import { translateIncoming } from "../src/translate/incoming.ts";
import { collectInputs, fixtureContext, fixtureHook, type FixtureInput } from "../test/support/fixtures.ts";
import { loadPayloads } from "./payloads.ts";

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: process.env["BENCH_ITERATIONS"] ?? "2000" },
    warmup: { type: "string", default: "300" },
  },
});
const ITERATIONS = Number(args.iterations);
const WARMUP = Number(args.warmup);
const NO_QUERY = "";
const encoder = new TextEncoder();

/** One request's worth of work, as the incoming route does it after reading the body. */
async function translate(bytes: Uint8Array, input: FixtureInput): Promise<unknown> {
  const payload = parseSlackPayload(await decodePayload(bytes, input.contentType, NO_QUERY));
  if (!payload) return undefined;
  return translateIncoming(payload, fixtureHook, fixtureContext, input.route === "hooks" ? "markdown" : "slack");
}

interface Timing {
  median: number;
  p99: number;
  max: number;
  /** Bytes allocated per run, when measurable. */
  allocated: number | undefined;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function allocatedPerRun(bytes: Uint8Array, input: FixtureInput): Promise<number | undefined> {
  if (!gc) return undefined;
  const runs = 20;
  for (let attempt = 0; attempt < 3; attempt++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < runs; i++) await translate(bytes, input);
    const grown = process.memoryUsage().heapUsed - before;
    // A scavenge in between frees memory: the growth then undercounts, so try again.
    if (grown > 0) return grown / runs;
  }
  return undefined;
}

async function time(input: FixtureInput): Promise<Timing> {
  const bytes = encoder.encode(input.body);
  for (let i = 0; i < WARMUP; i++) await translate(bytes, input);
  const us: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    await translate(bytes, input);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  us.sort((a, b) => a - b);
  return { median: us[us.length >> 1]!, p99: us[Math.floor(us.length * 0.99)]!, max: us.at(-1)!, allocated: await allocatedPerRun(bytes, input) };
}

const f = (n: number, d = 1) => n.toFixed(d);
const kib = (n: number | undefined) => (n === undefined ? "n/a" : f(n / 1024));

// --- every compat-fixture input --------------------------------------------------------------

const inputs = [...collectInputs()];
const timings: Array<{ name: string; size: number; t: Timing }> = [];
for (const [name, input] of inputs) timings.push({ name, size: encoder.encode(input.body).byteLength, t: await time(input) });
timings.sort((a, b) => b.t.median - a.t.median);

const medians = timings.map((x) => x.t.median).sort((a, b) => a - b);
console.log(`# translation core: ${timings.length} compat-fixture inputs × ${ITERATIONS} runs, Node ${process.version}\n`);
console.log("| payload | bytes | median µs | p99 µs | max µs | allocated KiB/run |");
console.log("|---|---|---|---|---|---|");
for (const x of timings.slice(0, 12)) console.log(`| ${x.name} | ${x.size} | ${f(x.t.median)} | ${f(x.t.p99)} | ${f(x.t.max)} | ${kib(x.t.allocated)} |`);
console.log(`| … ${timings.length - 12} more | | | | | |`);
const overBudget = timings.filter((x) => x.t.median > 20);
const overMs = timings.filter((x) => x.t.p99 > 1000);
console.log(
  `\nmedian of the per-payload medians ${f(medians[medians.length >> 1]!)} µs; slowest ${timings[0]!.name} (median ${f(timings[0]!.t.median)} µs, p99 ${f(timings[0]!.t.p99)} µs)`,
);
console.log(`highest p99 ${f(Math.max(...timings.map((x) => x.t.p99)))} µs; highest single run ${f(Math.max(...timings.map((x) => x.t.max)))} µs`);
console.log(`budget (median ≤ 20 µs, p99 ≤ 1 ms): ${overBudget.length} over 20 µs${overBudget.length ? ` (${overBudget.map((x) => x.name).join(", ")})` : ""}; ${overMs.length} with p99 over 1 ms`);

// --- linearity: 1×, 10×, 100× ------------------------------------------------------------------

const [small, alertmanager] = loadPayloads();
const line = (small!.body["text"] as string) + " cc <@U0123ABCD> in <#C024BE7LR|general>, `code` and ~strike~";
const attachment = (alertmanager!.body["attachments"] as unknown[])[0];
const scaled = (kind: "text" | "attachments", n: number): FixtureInput => ({
  source: "bench",
  route: "services",
  contentType: "application/json",
  body: JSON.stringify(kind === "text" ? { text: Array.from({ length: n }, () => line).join("\n") } : { text: "alerts", attachments: Array.from({ length: n }, () => attachment) }),
});

console.log("\n| payload | bytes | median µs | µs per KiB | × of 1× | allocated KiB/run |");
console.log("|---|---|---|---|---|---|");
for (const kind of ["text", "attachments"] as const) {
  let one = 0;
  for (const n of [1, 10, 100]) {
    const input = scaled(kind, n);
    const size = encoder.encode(input.body).byteLength;
    const t = await time(input);
    if (n === 1) one = t.median;
    console.log(`| ${kind} ${n}× | ${size} | ${f(t.median)} | ${f(t.median / (size / 1024), 2)} | ${f(t.median / one, 1)} | ${kib(t.allocated)} |`);
  }
}
