/**
 * `npm run bench`: slackline against a bare pass-through proxy, both in front of the same fast
 * Rocket.Chat stand-in (bench/sink.ts), driven by autocannon with keep-alive connections.
 *
 *   npm run bench                          3 payloads, 3 interleaved rounds × 10 s per server
 *   npm run bench -- --duration 3          quicker rounds (also BENCH_DURATION=3)
 *   npm run bench -- --payloads small      only some payloads (small, alertmanager, blockkit)
 *   npm run bench -- --rate 1000           a fixed load (req/s) instead of saturation: compare latency
 *   npm run bench -- --rooms 1             every request to one room (the outbox path)
 *   npm run bench -- --leak                60 s on slackline only: does RSS grow? (--seconds N)
 *   npm run bench -- --profile DIR         both servers run with --cpu-prof (DIR/slackline.cpuprofile,
 *                                          DIR/baseline.cpuprofile); summarise with bench/profile.ts
 *                                          (slackline then runs from its sources, not the bundle)
 *   npm run bench -- --node-flags="…"      node flags for slackline and the baseline proxy alike;
 *                                          default --max-semi-space-size=16, the setting README's
 *                                          "Deploy on Node" recommends ("" for Node's defaults)
 *   npm run bench -- --before DIR          also runs slackline from another checkout, interleaved with
 *                                          the others: `git worktree add DIR <commit>` and link (or
 *                                          install) its node_modules
 *   npm run bench -- --scenario NAME      delivery under stress (flood, drain, slow, recovery): bench/delivery.ts
 *   npm run bench -- --bundle              the Worker bundle's size (wrangler dry run), nothing else
 *   npm run bench -- --worker              the Worker's CPU per request in workerd (`wrangler dev`,
 *                                          local), against a pass-through Worker: /healthz and the
 *                                          3 payloads, 10 connections, 5 s each after a 2 s warm-up
 *                                          (~1 min)
 *
 * Each connection posts to its own room by default (`channel` is set per connection, the same
 * body for both servers): durable delivery keeps a room's messages in order, so requests to
 * one room wait behind each other and measure the outbox, not the gateway (`--rooms 1`).
 * Rounds alternate (A B A B …) so drift on the shared 2 cores hits both alike.
 */
import autocannon, { type Client, type Result } from "autocannon";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { loadPayloads, type BenchPayload } from "./payloads.ts";
import { BENCH_PATH, benchHook, children, cpuMs, freePort, startPrinting, stop, waitUntilUp } from "./procs.ts";

const ROOT = resolve(import.meta.dirname, "..");
const env = process.env;
const { values: args } = parseArgs({
  options: {
    // duration, connections and warmup: defaults below, per mode.
    duration: { type: "string" },
    rounds: { type: "string", default: env["BENCH_ROUNDS"] ?? "3" },
    connections: { type: "string" },
    rooms: { type: "string", default: env["BENCH_ROOMS"] ?? "0" },
    payloads: { type: "string", default: env["BENCH_PAYLOADS"] ?? "small,alertmanager,blockkit" },
    warmup: { type: "string" },
    leak: { type: "boolean", default: false },
    bundle: { type: "boolean", default: false },
    worker: { type: "boolean", default: false },
    seconds: { type: "string", default: env["BENCH_LEAK_SECONDS"] ?? "60" },
    profile: { type: "string" },
    before: { type: "string" },
    "node-flags": { type: "string", default: env["BENCH_NODE_FLAGS"] ?? "--max-semi-space-size=16" },
    rate: { type: "string", default: env["BENCH_RATE"] ?? "0" },
    json: { type: "string" },
    scenario: { type: "string" },
  },
});
// --worker runs one short run per request kind, at a modest load: wrangler dev is one workerd.
const duration = Number(args.duration ?? env["BENCH_DURATION"] ?? (args.worker ? 5 : 10));
const rounds = Number(args.rounds);
const connections = Number(args.connections ?? env["BENCH_CONNECTIONS"] ?? (args.worker ? 10 : 50));
const rooms = Number(args.rooms) || connections;
const warmup = Number(args.warmup ?? env["BENCH_WARMUP"] ?? (args.worker ? 2 : 3));
/** Requests per second over all connections; 0: as fast as the servers answer. */
const rate = Number(args.rate);

// ---------------------------------------------------------------------------------------------
// Processes

process.on("SIGINT", () => process.exit(130));

interface Slackline {
  child: ChildProcess;
  url: string;
  logFile: string;
}

const nodeFlags = args["node-flags"].split(" ").filter(Boolean);

/** With --profile DIR: `DIR/NAME.cpuprofile`, written when the process exits. */
const profileFlags = (name: string): string[] =>
  args.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args.profile)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];

/**
 * What to run for checkout `root`: its Node bundle, built now into `outdir` (production runs the
 * bundle), or bin/slackline.js for a checkout without scripts/build-node.ts, and with --profile
 * (bench/profile.ts attributes time by source file, which a bundle has only one of).
 */
function entryOf(root: string, outdir: string): string {
  const script = join(root, "scripts/build-node.ts");
  if (args.profile || !existsSync(script)) return join(root, "bin/slackline.js");
  execFileSync(process.execPath, [script, "--outdir", outdir], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  return join(outdir, "slackline.mjs");
}

/** The config on Node and on Workers: Rocket.Chat is the sink, and the one hook is the bench's. */
const benchConfig = (sinkUrl: string) => ({
  rocketchat: { url: sinkUrl, userId: "bench", authToken: "bench" },
  incoming: [benchHook],
});

/** slackline from `root` (this checkout, or another one for a before/after run). */
async function startSlackline(sinkUrl: string, dir: string, root = ROOT, name = "slackline"): Promise<Slackline> {
  const config = { ...benchConfig(sinkUrl), delivery: { outboxPath: join(dir, `${name}-outbox.sqlite`) } };
  const configFile = join(dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const logFile = join(dir, `${name}.log`);
  const log = openSync(logFile, "a");
  const flags = [...profileFlags(name), ...nodeFlags];
  // LOG_LEVEL as the operator has it (default info: one access-log line per request).
  const child = spawn(
    process.execPath,
    [...flags, entryOf(root, join(dir, name)), "--config", configFile, "--port", String(port)],
    {
      env,
      stdio: ["ignore", log, "inherit"],
    },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/healthz`);
  return { child, url, logFile };
}

const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

/** `wrangler deploy --dry-run --minify` (offline) into `out`: what a deploy uploads. Answers wrangler's output. */
function buildWorker(out: string): string {
  rmSync(out, { recursive: true, force: true });
  return execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", out, "--minify"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...env, ...WRANGLER_ENV },
  });
}

interface WorkerDev {
  child: ChildProcess;
  port: number;
  url: string;
  logFile: string;
}

/**
 * `wrangler dev` locally and offline, on `script` as is (`--no-bundle`: edits to src/ during the
 * run reload nothing), with `config`'s bindings (local Durable Object and queues, their state in
 * `dir`). Local observability (a trace collector streaming every invocation) and the local
 * explorer are wrangler dev's, not a deployed Worker's: off, unless the caller's env says otherwise.
 */
async function startDev(
  dir: string,
  name: string,
  script: string,
  config: string,
  flags: string[] = [],
): Promise<WorkerDev> {
  const [port, inspector] = [await freePort(), await freePort()];
  const logFile = join(dir, `${name}.log`);
  const log = openSync(logFile, "a");
  flags = [
    ...flags,
    "--no-bundle",
    "--local",
    "--config",
    config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
  ];
  flags.push("--persist-to", join(dir, `${name}-state`), "--show-interactive-dev-session=false");
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "dev", script, ...flags],
    {
      cwd: dirname(config),
      env: {
        X_LOCAL_OBSERVABILITY: "false",
        X_LOCAL_EXPLORER: "false",
        ...env,
        ...WRANGLER_ENV,
        NO_COLOR: "1",
        CI: "1",
      },
      stdio: ["ignore", log, log],
    },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/healthz`, 30);
  return { child, port, url, logFile };
}

/**
 * slackline's Worker: the bundle a deploy would upload (built now), the repo's wrangler.toml,
 * and SLACKLINE_CONFIG (with LOG_LEVEL, if set) from an env file written here, not .dev.vars.
 */
function startWorker(sinkUrl: string, dir: string): Promise<WorkerDev> {
  const out = join(dir, "worker");
  buildWorker(out);
  const envFile = join(dir, "worker.env");
  const vars: Record<string, string> = {
    SLACKLINE_CONFIG: JSON.stringify(benchConfig(sinkUrl)),
    ...(env["LOG_LEVEL"] ? { LOG_LEVEL: env["LOG_LEVEL"] } : {}),
  };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(""),
  );
  return startDev(dir, "slackline-worker", join(out, "worker.js"), join(ROOT, "wrangler.toml"), [
    "--env-file",
    envFile,
  ]);
}

/**
 * The Worker counterpart of bench/baseline.ts, written into `dir`: it reads the body, forwards
 * it unchanged to the sink's `chat.sendMessage`, reads the answer and says `ok` (and answers
 * GET with a constant): a Worker's cost of a request and one subrequest, with zero translation.
 */
function startBaselineWorker(sinkUrl: string, dir: string): Promise<WorkerDev> {
  const root = join(dir, "baseline-worker");
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, "worker.js"),
    `const headers = { "content-type": "application/json", "x-user-id": "bench", "x-auth-token": "bench", accept: "application/json" };
export default {
  async fetch(request, env) {
    if (request.method !== "POST") return Response.json({ status: "ok" });
    try {
      const answer = await fetch(env.SINK_URL + "/api/v1/chat.sendMessage", { method: "POST", headers, body: await request.arrayBuffer() });
      await answer.text();
      return new Response(answer.status === 200 ? "ok" : "upstream_error", { status: answer.status === 200 ? 200 : 502 });
    } catch {
      return new Response("upstream_error", { status: 502 });
    }
  },
};
`,
  );
  // The repo's compatibility date, so both run the same runtime behaviour.
  const date =
    /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))?.[1] ?? "2026-11-01";
  const config = join(root, "wrangler.toml");
  writeFileSync(
    config,
    `name = "slackline-baseline"\nmain = "worker.js"\ncompatibility_date = "${date}"\nsend_metrics = false\n\n[vars]\nSINK_URL = "${sinkUrl}"\n`,
  );
  return startDev(dir, "baseline-worker", join(root, "worker.js"), config);
}

/** Stops `wrangler dev` (and its workerd) with SIGINT, as at a terminal; SIGKILL after 5 s. */
async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.kill("SIGINT");
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** VmRSS and VmHWM of a process, in MiB (Linux). */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

interface Proc {
  pid: number;
  comm: string;
  cmdline: string;
}

/** `root` and every process descending from it (Linux: the ppid chains of /proc/PID/stat). */
function processTree(root: number): Proc[] {
  const all: Array<Proc & { ppid: number }> = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      all.push({
        pid: Number(name),
        ppid,
        comm,
        cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim(),
      });
    } catch {
      // exited meanwhile
    }
  }
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

/**
 * `wrangler dev`'s processes: two workerd, one running the Worker (behind Miniflare's entry
 * worker, on an ephemeral port) and one running wrangler's proxy worker (listening on `port`,
 * logging each request through wrangler), and wrangler's node processes (its launcher and CLI).
 */
function devProcesses(dev: WorkerDev): { workerd: Proc; proxy: Proc | undefined; wrangler: Proc[] } {
  const tree = processTree(dev.child.pid!);
  const workerds = tree.filter((p) => p.comm === "workerd");
  const isProxy = (p: Proc) => p.cmdline.includes(`--socket-addr=entry=127.0.0.1:${dev.port} `);
  const workerd = workerds.find((p) => !isProxy(p));
  if (!workerd)
    throw new Error(`no workerd running the Worker under wrangler (pid ${dev.child.pid}): ${JSON.stringify(tree)}`);
  return {
    workerd,
    proxy: workerds.find(isProxy),
    wrangler: tree.filter((p) => p.cmdline.startsWith(process.execPath)),
  };
}

/** Samples a process's RSS while `work` runs, and the CPU time it used meanwhile. */
async function sampled<T>(
  pid: number,
  everyMs: number,
  work: PromiseLike<T>,
  onSample?: (rss: number, t: number) => void,
): Promise<{ result: T; peakRss: number; cpu: number }> {
  let peakRss = memory(pid).rss;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const timer = setInterval(() => {
    const { rss } = memory(pid);
    peakRss = Math.max(peakRss, rss);
    onSample?.(rss, (performance.now() - started) / 1000);
  }, everyMs);
  try {
    const result = await work;
    return { result, peakRss, cpu: cpuMs(pid) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}

/** One autocannon run; each connection posts the payload to its own room (of `rooms`). */
function drive(
  url: string,
  payload: BenchPayload,
  seconds: number,
  rotate: readonly BenchPayload[] = [payload],
): PromiseLike<Result> {
  let next = 0;
  const setupClient = (client: Client) => {
    const channel = `#bench-${next++ % rooms}`;
    client.setRequests(
      rotate.map((p) => ({
        method: "POST",
        path: BENCH_PATH,
        headers: { "content-type": p.contentType },
        body: JSON.stringify({ ...p.body, channel }),
      })),
    );
  };
  return autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    setupClient,
    ...(rate > 0 ? { overallRate: rate } : {}),
  });
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  peakRss: number;
  /** Server CPU time per answered request, µs: robust when other work shares the cores. */
  cpuPerRequest: number;
}

const roundOf = (r: Result, peakRss: number, cpu: number): Round => ({
  rps: r.requests.total / r.duration,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts,
  non2xx: r.non2xx,
  peakRss,
  cpuPerRequest: (cpu * 1000) / r.requests.total,
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Medians over the rounds, and each round's req/s. */
interface Summary extends Round {
  rpsRounds: number[];
}

const summarize = (rs: Round[]): Summary => ({
  rps: median(rs.map((r) => r.rps)),
  rpsRounds: rs.map((r) => Math.round(r.rps)),
  p50: median(rs.map((r) => r.p50)),
  p99: median(rs.map((r) => r.p99)),
  errors: rs.reduce((a, r) => a + r.errors, 0),
  non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
  peakRss: Math.max(...rs.map((r) => r.peakRss)),
  cpuPerRequest: median(rs.map((r) => r.cpuPerRequest)),
});

async function metric(slackline: Slackline, name: string): Promise<number> {
  const text = await (await fetch(`${slackline.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name + " ") || l.startsWith(name + "{"))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

// ---------------------------------------------------------------------------------------------
// Modes

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = rate > 0 ? `, ${rate} req/s fixed` : "";
  return `${cpus().length} vCPU (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, autocannon 9, ${connections} connections${load}, ${rooms} room(s), node flags "${nodeFlags.join(" ")}"`;
}

async function compare(sinkUrl: string, dir: string): Promise<void> {
  const slackline = await startSlackline(sinkUrl, dir);
  const before = args.before ? await startSlackline(sinkUrl, dir, resolve(args.before), "before") : undefined;
  const baseline = await startPrinting("bench/baseline.ts", { SINK_URL: sinkUrl }, [
    ...profileFlags("baseline"),
    ...nodeFlags,
  ]);
  const servers = [
    { name: "slackline", url: slackline.url, pid: slackline.child.pid! },
    ...(before ? [{ name: "before", url: before.url, pid: before.child.pid! }] : []),
    { name: "baseline", url: `http://127.0.0.1:${baseline.port}`, pid: baseline.child.pid! },
  ];
  const wanted = args.payloads.split(",");
  const payloads = loadPayloads().filter((p) => wanted.includes(p.name));
  console.log(
    `# ${machine()}; ${rounds} rounds × ${duration} s per server, interleaved; load average ${loadavg()[0]!.toFixed(2)}\n`,
  );

  const rows: string[] = [];
  const results: Record<string, Record<string, Summary>> = {};
  for (const payload of payloads) {
    for (const s of servers) await drive(s.url, payload, warmup);
    const perServer = new Map<string, Round[]>(servers.map((s) => [s.name, []]));
    for (let i = 0; i < rounds; i++) {
      for (const s of servers) {
        const { result, peakRss, cpu } = await sampled(s.pid, 200, drive(s.url, payload, duration));
        perServer.get(s.name)!.push(roundOf(result, peakRss, cpu));
        process.stderr.write(
          `${payload.name} round ${i + 1} ${s.name}: ${fmt(result.requests.total / result.duration)} req/s\n`,
        );
      }
    }
    const summaries = Object.fromEntries(servers.map((s) => [s.name, summarize(perServer.get(s.name)!)]));
    results[payload.name] = summaries;
    const b = summaries["baseline"]!;
    for (const s of servers) {
      const x = summaries[s.name]!;
      rows.push(
        `| ${payload.name} | ${s.name} | ${fmt(x.rps)} (${x.rpsRounds.map((r) => fmt(r)).join(" / ")}) | ${fmt(x.p50, 1)} | ${fmt(x.p99, 1)} | ${fmt(x.cpuPerRequest)} | ${x.errors} / ${x.non2xx} | ${fmt(x.peakRss, 1)} |`,
      );
    }
    for (const s of servers.filter((s) => s.name !== "baseline")) {
      const a = summaries[s.name]!;
      rows.push(
        `| ${payload.name} | **${s.name} / baseline** | **${(a.rps / b.rps).toFixed(2)}×** | ${(a.p50 / b.p50).toFixed(2)}× | **${(a.p99 / b.p99).toFixed(2)}×** | ${(a.cpuPerRequest / b.cpuPerRequest).toFixed(2)}× | | ${(a.peakRss / b.peakRss).toFixed(2)}× |`,
      );
    }
  }

  const queued = await metric(slackline, 'slackline_deliveries_total{outcome="queued"}').catch(() => NaN);
  const depth = await metric(slackline, "slackline_outbox_depth").catch(() => NaN);
  const sink = (await (await fetch(`${sinkUrl}/__stats`)).json()) as {
    calls: Record<string, number>;
    badBodies: number;
  };
  const slacklineHwm = memory(servers[0]!.pid).hwm;
  await Promise.all([stop(slackline.child), stop(baseline.child), ...(before ? [stop(before.child)] : [])]);
  const logLines = readFileSync(slackline.logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes(" INFO POST /services/")).length;

  console.log(
    "| payload | server | req/s median (rounds) | p50 ms | p99 ms | server CPU µs/req | errors / non-2xx | peak RSS MiB |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(
    `\nload average (1 min) at the end: ${loadavg()[0]!.toFixed(2)} (other work on the machine slows every server alike)`,
  );
  console.log(`slackline VmHWM ${fmt(slacklineHwm, 1)} MiB; access-log lines for incoming posts: ${fmt(logLines)}`);
  console.log(
    `jobs written to the outbox: ${queued} (outbox depth at the end: ${depth}); sink: ${JSON.stringify(sink.calls)}, unparseable bodies ${sink.badBodies}`,
  );
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ machine: machine(), duration, rounds, results }, null, 2) + "\n");
}

async function leak(sinkUrl: string, dir: string): Promise<void> {
  const seconds = Number(args.seconds);
  const slackline = await startSlackline(sinkUrl, dir);
  const pid = slackline.child.pid!;
  const payloads = loadPayloads();
  console.log(`# leak check: ${machine()}; ${seconds} s, the 3 payloads in turn on every connection\n`);
  await drive(slackline.url, payloads[0]!, warmup, payloads);
  const samples: Array<{ t: number; rss: number }> = [];
  const { result, peakRss } = await sampled(
    pid,
    1000,
    drive(slackline.url, payloads[0]!, seconds, payloads),
    (rss, t) => samples.push({ t, rss }),
  );
  const depth = await metric(slackline, "slackline_outbox_depth");
  await stop(slackline.child);

  console.log("| t (s) | RSS MiB |");
  console.log("|---|---|");
  for (const s of samples.filter((_, i) => i % 5 === 4 || i === 0)) console.log(`| ${fmt(s.t)} | ${fmt(s.rss, 1)} |`);
  // Least-squares slope over the second half, where start-up allocation is over.
  const tail = samples.slice(samples.length >> 1);
  const mt = tail.reduce((a, s) => a + s.t, 0) / tail.length;
  const mr = tail.reduce((a, s) => a + s.rss, 0) / tail.length;
  const slope = tail.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0) / tail.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  const first = samples[Math.min(9, samples.length - 1)]!;
  const last = samples.at(-1)!;
  console.log(
    `\n${fmt(result.requests.total)} requests (${fmt(result.requests.total / result.duration)} req/s), errors ${result.errors + result.timeouts}, non-2xx ${result.non2xx}`,
  );
  console.log(
    `RSS at ${fmt(first.t)} s ${fmt(first.rss, 1)} MiB → at ${fmt(last.t)} s ${fmt(last.rss, 1)} MiB; peak ${fmt(peakRss, 1)} MiB; second-half slope ${slope.toFixed(3)} MiB/s (${(slope * 60).toFixed(1)} MiB/min)`,
  );
  console.log(`outbox depth at the end: ${depth}`);
}

/**
 * The Worker's CPU per request in workerd (`wrangler dev`, local): slackline's Worker and a bare
 * pass-through Worker (the baseline), each in its own wrangler dev, interleaved per row. First
 * GET /healthz, the cost of answering at all (workerd, Miniflare's entry worker, and for slackline
 * routing and Hono), then each payload. CPU is workerd's user + system time over the requests
 * answered, as `compare` measures a server; wrangler's proxy workerd and its node processes are
 * dev-only layers, shown apart.
 */
async function worker(sinkUrl: string, dir: string): Promise<void> {
  const devs = await Promise.all([startWorker(sinkUrl, dir), startBaselineWorker(sinkUrl, dir)]);
  const servers = (["slackline", "baseline"] as const).map((name, i) => ({
    name,
    url: devs[i]!.url,
    ...devProcesses(devs[i]!),
  }));
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  const wanted = args.payloads.split(",");
  const kinds: Array<{ name: string; post: boolean; run: (url: string, seconds: number) => PromiseLike<Result> }> = [
    {
      name: "GET /healthz",
      post: false,
      run: (url, seconds) =>
        autocannon({ url: `${url}/healthz`, connections, duration: seconds, pipelining: 1, timeout: 10 }),
    },
    ...loadPayloads()
      .filter((p) => wanted.includes(p.name))
      .map((p) => ({ name: p.name, post: true, run: (url: string, seconds: number) => drive(url, p, seconds) })),
  ];
  const sent = async () =>
    ((await (await fetch(`${sinkUrl}/__stats`)).json()) as { calls: Record<string, number> }).calls[
      "chat.sendMessage"
    ] ?? 0;
  console.log(
    `# Worker in workerd: ${machine()}; wrangler ${version("wrangler")} dev --local, workerd ${version("workerd")}; ${duration} s per row after a ${warmup} s warm-up\n`,
  );

  const rows: string[] = [];
  const problems: string[] = [];
  const results: Record<string, Record<string, unknown>> = {};
  for (const kind of kinds) {
    const perServer: Record<string, number> = {};
    for (const s of servers) {
      await kind.run(s.url, warmup);
      const sentBefore = await sent();
      const others = () => [s.proxy ? cpuMs(s.proxy.pid) : NaN, s.wrangler.reduce((a, p) => a + cpuMs(p.pid), 0)];
      const [proxyBefore, wranglerBefore] = others();
      const { result: r, peakRss, cpu } = await sampled(s.workerd.pid, 200, kind.run(s.url, duration));
      const [proxyAfter, wranglerAfter] = others();
      const delivered = kind.post ? (await sent()) - sentBefore : 0;
      const n = r.requests.total;
      const perRequest = (ms: number) => (ms * 1000) / n;
      const x = {
        requests: n,
        rps: n / r.duration,
        p50: r.latency.p50,
        p99: r.latency.p99,
        ok: r["2xx"],
        errors: r.errors + r.timeouts,
        delivered,
        workerdCpuPerRequest: perRequest(cpu),
        proxyCpuPerRequest: perRequest(proxyAfter! - proxyBefore!),
        wranglerCpuPerRequest: perRequest(wranglerAfter! - wranglerBefore!),
        workerdPeakRss: peakRss,
      };
      (results[kind.name] ??= {})[s.name] = x;
      perServer[s.name] = x.workerdCpuPerRequest;
      if (x.ok !== n || x.errors > 0)
        problems.push(`${kind.name} (${s.name}): ${n - x.ok} of ${n} answers not 2xx, ${x.errors} errors/timeouts`);
      if (kind.post && delivered < x.ok)
        problems.push(`${kind.name} (${s.name}): the sink got ${delivered} chat.sendMessage for ${x.ok} answered`);
      process.stderr.write(
        `${kind.name} ${s.name}: ${fmt(x.rps)} req/s, workerd ${fmt(x.workerdCpuPerRequest)} µs/req\n`,
      );
      rows.push(
        `| ${kind.name} | ${s.name} | ${fmt(n)} | ${fmt(x.rps)} | ${fmt(x.p50, 1)} | ${fmt(x.p99, 1)} | ${fmt(x.ok)} / ${x.errors} | ${kind.post ? fmt(delivered) : "–"} | **${fmt(x.workerdCpuPerRequest)}** | ${fmt(x.proxyCpuPerRequest)} | ${fmt(x.wranglerCpuPerRequest)} | ${fmt(peakRss, 1)} |`,
      );
    }
    const [a, b] = [perServer["slackline"]!, perServer["baseline"]!];
    rows.push(
      `| ${kind.name} | **slackline − baseline** | | | | | | | **${a >= b ? "+" : "−"}${fmt(Math.abs(a - b))}** (${(a / b).toFixed(2)}×) | | | |`,
    );
  }
  await Promise.all(devs.map((d) => stopWorker(d.child)));

  console.log(
    "| request | Worker | requests | req/s | p50 ms | p99 ms | 2xx / errors | sink sendMessage | **workerd CPU µs/req** | proxy workerd µs/req | wrangler node µs/req | workerd peak RSS MiB |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(
    `\nload average (1 min) at the end: ${loadavg()[0]!.toFixed(2)}; CPU from /proc/PID/stat (10 ms ticks); workerd pids ${servers.map((s) => `${s.name} ${s.workerd.pid} (proxy ${s.proxy?.pid ?? "not found"})`).join(", ")}`,
  );
  console.log(
    problems.length
      ? `\n**checks failed**: ${problems.join("; ")}`
      : "\nchecks: every answer 2xx; the sink got a chat.sendMessage for each post answered",
  );
  if (problems.length) process.exitCode = 1;
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ machine: machine(), duration, warmup, results }, null, 2) + "\n");
}

/** `wrangler deploy --dry-run --minify` (offline), then each output file's size and gzip size. */
function bundle(): void {
  const out = join(ROOT, "dist/worker");
  const said = buildWorker(out);
  console.log(
    `wrangler: ${
      said
        .split("\n")
        .find((l) => l.includes("Total Upload"))
        ?.trim() ?? "(no size line)"
    }\n`,
  );
  console.log("| file | KiB | KiB gzip |\n|---|---|---|");
  for (const file of readdirSync(out).filter((f) => /\.(m?js|wasm)$/.test(f))) {
    const bytes = readFileSync(join(out, file));
    console.log(
      `| ${file} | ${fmt(bytes.byteLength / 1024, 1)} | ${fmt(gzipSync(bytes, { level: 9 }).byteLength / 1024, 1)} |`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

if (args.bundle) {
  bundle();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "slackline-bench-"));
try {
  if (args.scenario) {
    const { runScenario } = await import("./delivery.ts");
    const opts = { dir, nodeFlags, ...(args.duration ? { duration: Number(args.duration) } : {}) };
    await runScenario(args.scenario, {
      ...opts,
      ...(args.before ? { before: args.before } : {}),
      ...(args.profile ? { profile: args.profile } : {}),
    });
  } else {
    const sink = await startPrinting("bench/sink.ts");
    const sinkUrl = `http://127.0.0.1:${sink.port}`;
    await (args.worker ? worker(sinkUrl, dir) : args.leak ? leak(sinkUrl, dir) : compare(sinkUrl, dir));
    await stop(sink.child);
  }
} finally {
  // BENCH_KEEP=1 keeps the configs, outboxes and slackline's log (stdout) for a look.
  if (env["BENCH_KEEP"]) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
