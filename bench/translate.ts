/**
 * `npm run bench:translate`: the translation core (decode → parse → translate; pure, in
 * process) timed on every compat-fixture input, and how its cost grows with payload size.
 *
 *   npm run bench:translate                    each input timed mixed with all the others (after
 *                                              4 s of warm-up on all), and alone in a worker
 *                                              thread of its own (after 0.6 s on it): 2000 runs
 *   npm run bench:translate -- --iterations 500 --warmup-ms 1000 --alone-warmup-ms 300
 *   npm run bench:translate -- --adversarial-only   only the hostile 0.9 MB inputs (worst time)
 *
 * Run with `--expose-gc` and a big young generation (the npm script does) to also report the
 * bytes each translation allocates: heap growth over a batch that no scavenge interrupted.
 */
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { decodePayload } from "../src/http/body.ts";
import { parseSlackPayload } from "../src/slack/payload.ts";
import type { TranslateContext } from "../src/model/context.ts";
import { translateIncoming } from "../src/translate/incoming.ts";
import { collectInputs, fixtureContext, fixtureHook, type FixtureInput } from "../test/support/fixtures.ts";
import { loadPayloads } from "./payloads.ts";

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: process.env["BENCH_ITERATIONS"] ?? "2000" },
    "warmup-ms": { type: "string", default: "4000" },
    "alone-warmup-ms": { type: "string", default: "600" },
    /** Only the hostile-input section. */
    "adversarial-only": { type: "boolean", default: false },
  },
});
const ITERATIONS = Number(args.iterations);
const WARMUP_MS = Number(args["warmup-ms"]);
const ALONE_WARMUP_MS = Number(args["alone-warmup-ms"]);
const NO_QUERY = "";
const encoder = new TextEncoder();

/** One request's worth of work, as the incoming route does it after reading the body. */
async function translate(
  bytes: Uint8Array,
  input: FixtureInput,
  context: TranslateContext = fixtureContext,
): Promise<unknown> {
  const payload = parseSlackPayload(await decodePayload(bytes, input.contentType, NO_QUERY));
  if (!payload) return undefined;
  return translateIncoming(payload, fixtureHook, context, input.route === "hooks" ? "markdown" : "slack");
}

interface Timing {
  median: number;
  p99: number;
  max: number;
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

/** Per input, the µs of each run: one run of each input per round, `rounds` rounds. */
async function sample(
  bodies: readonly Uint8Array[],
  inputs: readonly FixtureInput[],
  rounds: number,
): Promise<number[][]> {
  const us = inputs.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < inputs.length; i++) {
      const t0 = process.hrtime.bigint();
      await translate(bodies[i]!, inputs[i]!);
      us[i]!.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return us;
}

async function warm(bodies: readonly Uint8Array[], inputs: readonly FixtureInput[], ms: number): Promise<void> {
  for (const until = performance.now() + ms; performance.now() < until; ) await sample(bodies, inputs, 1);
}

function summarise(us: number[]): Timing {
  const sorted = us.sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, p99: sorted[Math.floor(sorted.length * 0.99)]!, max: sorted.at(-1)! };
}

/**
 * Each input timed two ways:
 * - mixed: after warming the JIT on all inputs together, one run of each per round, round after
 *   round, so that every run follows a different payload and runs in code optimised for the
 *   whole mix (a gateway serving 70 kinds of sender at once: the worst case);
 * - alone: in a worker thread, a fresh V8 isolate warmed and timed on this one input (a gateway
 *   with one kind of sender, as most deployments have).
 * Warm-up goes by time, not by count: V8 needs some 10,000 runs of the Markdown path before
 * its code stops getting faster.
 */
async function timeAll(
  inputs: readonly FixtureInput[],
): Promise<Array<{ mixed: Timing; alone: Timing; allocated: number | undefined }>> {
  const bodies = inputs.map((input) => encoder.encode(input.body));
  await warm(bodies, inputs, WARMUP_MS);
  const mixed = await sample(bodies, inputs, ITERATIONS);
  const out = [];
  for (let i = 0; i < inputs.length; i++) {
    out.push({
      mixed: summarise(mixed[i]!),
      alone: await timeAlone(inputs[i]!),
      allocated: await allocatedPerRun(bodies[i]!, inputs[i]!),
    });
  }
  return out;
}

function timeAlone(input: FixtureInput): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(import.meta.filename, { workerData: input, argv: process.argv.slice(2) });
    worker.once("message", resolve).once("error", reject);
  });
}

const f = (n: number, d = 1) => n.toFixed(d);
const kib = (n: number | undefined) => (n === undefined ? "n/a" : f(n / 1024));

/** Every compat-fixture input, then linearity: 1×, 10×, 100×. */
async function main(): Promise<void> {
  if (args["adversarial-only"]) return adversarial();
  // --- every compat-fixture input --------------------------------------------------------------

  const inputs = [...collectInputs()];
  const measured = await timeAll(inputs.map(([, input]) => input));
  const timings = inputs.map(([name, input], i) => ({
    name,
    size: encoder.encode(input.body).byteLength,
    ...measured[i]!,
  }));
  timings.sort((a, b) => b.mixed.median - a.mixed.median);

  const medianOf = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    `# translation core: ${timings.length} compat-fixture inputs after ${WARMUP_MS / 1000} s of warm-up on all of them; ${ITERATIONS} runs of each mixed (every run after a different payload) and ${ITERATIONS} alone (back to back), Node ${process.version}\n`,
  );
  console.log(
    "| payload | bytes | mixed median µs | mixed p99 µs | alone median µs | alone p99 µs | allocated KiB/run |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const x of timings.slice(0, 12)) {
    console.log(
      `| ${x.name} | ${x.size} | ${f(x.mixed.median)} | ${f(x.mixed.p99)} | ${f(x.alone.median)} | ${f(x.alone.p99)} | ${kib(x.allocated)} |`,
    );
  }
  console.log(`| … ${timings.length - 12} more | | | | | | |`);
  console.log();
  for (const mode of ["mixed", "alone"] as const) {
    const over = timings.filter((x) => x[mode].median > 20);
    const slowest = timings.reduce((a, b) => (b[mode].median > a[mode].median ? b : a));
    console.log(
      `${mode}: median of the medians ${f(medianOf(timings.map((x) => x[mode].median)))} µs; slowest ${slowest.name} (${f(slowest[mode].median)} µs); ` +
        `highest p99 ${f(Math.max(...timings.map((x) => x[mode].p99)))} µs, highest single run ${f(Math.max(...timings.map((x) => x[mode].max)))} µs; ` +
        `budget (median ≤ 20 µs, p99 ≤ 1 ms): ${over.length} over 20 µs${over.length ? ` (${over.map((x) => x.name).join(", ")})` : ""}, ${timings.filter((x) => x[mode].p99 > 1000).length} with p99 over 1 ms`,
    );
  }

  // --- linearity: 1×, 10×, 100× ------------------------------------------------------------------

  const [small, alertmanager] = loadPayloads();
  const line = (small!.body["text"] as string) + " cc <@U0123ABCD> in <#C024BE7LR|general>, `code` and ~strike~";
  const attachment = (alertmanager!.body["attachments"] as unknown[])[0];
  const scaled = (kind: "text" | "attachments", n: number): FixtureInput => ({
    source: "bench",
    route: "services",
    contentType: "application/json",
    body: JSON.stringify(
      kind === "text"
        ? { text: Array.from({ length: n }, () => line).join("\n") }
        : { text: "alerts", attachments: Array.from({ length: n }, () => attachment) },
    ),
  });

  console.log("\n| payload (alone) | bytes | median µs | µs per KiB | × of 1× | allocated KiB/run |");
  console.log("|---|---|---|---|---|---|");
  for (const kind of ["text", "attachments"] as const) {
    let one = 0;
    for (const n of [1, 10, 100]) {
      const input = scaled(kind, n);
      const size = encoder.encode(input.body).byteLength;
      const t = await timeAlone(input);
      const allocated = await allocatedPerRun(encoder.encode(input.body), input);
      if (n === 1) one = t.median;
      console.log(
        `| ${kind} ${n}× | ${size} | ${f(t.median)} | ${f(t.median / (size / 1024), 2)} | ${f(t.median / one, 1)} | ${kib(allocated)} |`,
      );
    }
  }

  await adversarial();
}

/**
 * Hostile input: 0.9 MB bodies of one markup character or token, repeated, as text,
 * as 100 attachments, as 50 blocks, as a header + rich text + table (also for a Rocket.Chat
 * without tables), and as a 60,000-character text just under the Markdown parse limit, on both
 * dialects; and a list nested 300 deep. The budgets in src/translate/bounds.ts keep each
 * request's work bounded; the rule is that none holds the event loop over ~50 ms. The unit tests
 * on the same inputs (src/slack/blocks.test.ts, src/markdown/to-rocketchat.test.ts,
 * src/translate/split.test.ts) check the output only: the time is measured here.
 * Reported: each input's slowest of 5 runs (the first one cold) in main-thread CPU time, and the
 * worst of all.
 */
async function adversarial(): Promise<void> {
  const SIZE = 900_000;
  const rep = (p: string, n: number) => p.repeat(Math.ceil(n / p.length)).slice(0, n);
  const patterns = [
    ...[
      "~",
      "*",
      "_",
      "`",
      "<",
      "<!",
      "<@U",
      "&amp;",
      ":a:",
      "[a](",
      "*a ",
      "> ",
      "|",
      "```\n",
      "http://a.b ",
      "@all ",
      "\\",
      "~a~ ",
      "**",
      "__",
    ],
    // also those of the unit tests on hostile input
    ...["[", "![", ">", "- ", "*a", "**a_", "](", ":", ":a", "@a", "https://", " ", "\n", "\n\n", "😀"],
    // openers that cannot close, with a closer marked's scan never reaches (docs/hostile-input.md)
    ...["**a_**", "**a_ <http://x**>", "**a_ <x**y>", "**a_ a@b**.c ", "**a_ \\`**`", "~~a~ ~~"],
  ];
  const oldServer: TranslateContext = { ...fixtureContext, tables: false };
  const table = (p: string) => ({ type: "table", rows: [[{ type: "raw_text", text: rep(p, SIZE / 5) }]] });
  const richBlocks = (p: string) => ({
    blocks: [
      { type: "header", text: { type: "plain_text", text: rep(p, SIZE / 5) } },
      {
        type: "rich_text",
        elements: [
          {
            type: "rich_text_section",
            elements: [
              { type: "text", text: rep(p, SIZE / 5) },
              { type: "text", text: rep(p, SIZE / 5), style: { bold: true } },
            ],
          },
        ],
      },
      table(p),
      table(p),
    ],
  });
  const shapes: Record<string, { make: (p: string) => unknown; context?: TranslateContext }> = {
    text: { make: (p) => ({ text: rep(p, SIZE) }) },
    attachments: {
      make: (p) => ({
        attachments: Array.from({ length: 100 }, () => ({
          text: rep(p, SIZE / 200),
          fields: [{ title: "t", value: rep(p, SIZE / 400) }],
        })),
      }),
    },
    blocks: {
      make: (p) => ({
        blocks: Array.from({ length: 50 }, () => ({
          type: "section",
          text: { type: "mrkdwn", text: rep(p, SIZE / 50) },
        })),
      }),
    },
    "header+rich text+tables": { make: richBlocks },
    "table, no table support": { make: (p) => ({ blocks: [table(p)] }), context: oldServer },
    "text under the parse limit": { make: (p) => ({ text: rep(p, 60_000) }) },
    "markdown blocks at Slack's limit": {
      make: (p) => ({
        blocks: [
          { type: "markdown", text: rep(p, 6_000) },
          { type: "markdown", text: rep(p, 6_000) },
        ],
      }),
    },
  };
  const nestedList = Array.from({ length: 300 }, (_, i) => `${" ".repeat(2 * i)}- x`).join("\n");
  // Bodies are built one at a time, when timed: all of them at once would be some 400 MB.
  const cases: Array<{ name: string; route: "services" | "hooks"; body: () => unknown; context?: TranslateContext }> =
    [];
  for (const p of patterns) {
    for (const route of ["services", "hooks"] as const) {
      for (const [shape, { make, context }] of Object.entries(shapes)) {
        cases.push({
          name: `${JSON.stringify(p)} ${route === "hooks" ? "markdown" : "slack"} ${shape}`,
          route,
          body: () => make(p),
          ...(context ? { context } : {}),
        });
      }
    }
  }
  cases.push({ name: "list nested 300 deep, markdown", route: "hooks", body: () => ({ text: nestedList }) });
  const rows: Array<{ name: string; max: number; cpu: number; parts: number }> = [];
  for (const { name, route, body, context } of cases) {
    const input: FixtureInput = {
      source: "bench",
      route,
      contentType: "application/json",
      body: JSON.stringify(body()),
    };
    const bytes = encoder.encode(input.body);
    let max = 0;
    let cpu = 0;
    let parts = 0;
    for (let i = 0; i < 5; i++) {
      const c0 = process.threadCpuUsage();
      const t0 = performance.now();
      const out = (await translate(bytes, input, context)) as
        | { ok: boolean; value?: { messages: unknown[] } }
        | undefined;
      max = Math.max(max, performance.now() - t0);
      const c = process.threadCpuUsage(c0);
      cpu = Math.max(cpu, (c.user + c.system) / 1000);
      parts = out?.ok ? out.value!.messages.length : 0;
    }
    rows.push({ name, max, cpu, parts });
  }
  rows.sort((a, b) => b.cpu - a.cpu);
  console.log(
    `\n# adversarial: ${rows.length} inputs of ${SIZE / 1000} KB (pattern × dialect × shape), slowest of 5 runs each\n`,
  );
  // The main thread's CPU time is what holds the event loop; wall time also counts other
  // processes on a busy machine.
  console.log("| input | main-thread CPU ms (slowest run) | wall ms (slowest run) | messages |");
  console.log("|---|---|---|---|");
  for (const r of rows.slice(0, 10)) console.log(`| ${r.name} | ${f(r.cpu)} | ${f(r.max)} | ${r.parts} |`);
  const worst = rows[0]!;
  console.log(
    `\nworst adversarial input: ${worst.name}: ${f(worst.cpu)} ms of main-thread CPU (${f(worst.max)} ms wall); budget ~50 ms per request; ` +
      `most messages from one request: ${Math.max(...rows.map((r) => r.parts))}; load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)}`,
  );
}

if (!isMainThread) {
  const input = workerData as FixtureInput;
  const body = [encoder.encode(input.body)];
  await warm(body, [input], ALONE_WARMUP_MS);
  parentPort!.postMessage(summarise((await sample(body, [input], ITERATIONS))[0]!));
} else {
  await main();
}
