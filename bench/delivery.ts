/**
 * Delivery under stress (`npm run bench -- --scenario NAME`), the budgets of docs/delivery.md:
 *
 *   flood     one room flooded (32 keep-alive senders, --duration s, default 15) with a fast
 *             Rocket.Chat (bench/sink.ts): every `ok` delivered ≤ 20 s after the load stops,
 *             drained/s ≥ 0.8 × the sink's sequential limit (one request after another on one
 *             keep-alive connection; taken before the flood and after the drain, averaged),
 *             order kept, 429s with an integer Retry-After
 *   drain     the drain alone: one room's line is filled (BENCH_DRAIN_JOBS, default 10000) while
 *             the sink holds its answers, then the sink answers and the line drains with
 *             nothing else running. Delivered/s from the sink's arrival times against its
 *             sequential limit (the mean of one taken before the fill and one after the drain),
 *             and slackline's CPU per delivered message
 *             against a bare client's; round 0 warms up, BENCH_DRAIN_ROUNDS (default 3) more.
 *             The same slackline process serves every round (warm code, as after a flood).
 *   slow      outbox mode: Rocket.Chat (the sink) slower than fastPathMs, a fixed load over 50
 *             rooms; slackline's CPU per accepted message against the same load with a fast
 *             sink (fast path). With --profile DIR both runs write CPU profiles.
 *   recovery  300 messages over 3 rooms while the fake Rocket.Chat (test/support) is down 3 s,
 *             then answers 30 × 429, then resets 5 connections after storing; slackline is
 *             SIGKILLed and restarted meanwhile. Time from Rocket.Chat answering normally until
 *             every `ok` is delivered; none lost, none twice.
 *
 * `--before DIR` runs a scenario against another checkout too (e.g. `git archive` of the
 * previous commit with node_modules linked), for before/after figures; flood runs
 * BENCH_FLOOD_ROUNDS rounds (default 1), each checkout in turn.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { startFakeRocketChat } from "../test/support/fake-rocketchat.ts";
import { BENCH_PATH, benchHook, children, cpuMs, freePort, pin, startPrinting, stop, waitUntilUp } from "./procs.ts";

const ROOT = resolve(import.meta.dirname, "..");
const ADMIN = "bench-admin-token-0123456789";

export interface ScenarioOptions {
  readonly dir: string;
  readonly duration?: number;
  readonly before?: string;
  readonly profile?: string;
  readonly nodeFlags: readonly string[];
}

interface Gateway {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
}

async function startGateway(
  o: ScenarioOptions,
  rcUrl: string,
  delivery: Record<string, unknown>,
  name: string,
  root = ROOT,
  timeoutMs = 5000,
): Promise<Gateway> {
  const config = {
    rocketchat: { url: rcUrl, userId: "bench-user", authToken: "bench-auth-token", timeoutMs },
    incoming: [benchHook],
    delivery: { outboxPath: join(o.dir, `${name}.sqlite`), ...delivery },
    admin: { token: ADMIN },
  };
  const configFile = join(o.dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const port = await freePort();
  const log = openSync(join(o.dir, `${name}.log`), "a");
  const profile = o.profile
    ? ["--cpu-prof", `--cpu-prof-dir=${resolve(o.profile)}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child = spawn(
    process.execPath,
    [...o.nodeFlags, ...profile, join(root, "bin/slackline.js"), "--config", configFile, "--port", String(port)],
    {
      env: { ...process.env, LOG_LEVEL: "warn" },
      stdio: ["ignore", log, log],
    },
  );
  children.push(child);
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/healthz`);
  return { child, url, exited };
}

/** One message through the bench's hook, on `agent`'s connections. */
const postHook = (g: Gateway, agent: Agent, message: { text: string; channel: string }) =>
  request(g.url + BENCH_PATH, {
    method: "POST",
    body: JSON.stringify(message),
    headers: { "content-type": "application/json" },
    dispatcher: agent,
  });

async function pending(g: Gateway): Promise<number> {
  const res = await fetch(`${g.url}/deliveries`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { counts: { pending: number } }).counts.pending;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** The bench process's own CPU per request in the last `sequentialLimit` (µs): a bare client's. */
let bareCpuUs = NaN;

/** Requests per second one keep-alive connection gets from `url`, one request after another. */
async function sequentialLimit(url: string, seconds: number): Promise<number> {
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const headers = { "content-type": "application/json", "x-user-id": "bench-user", "x-auth-token": "bench-auth-token" };
  let n = 0;
  const until = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  while (Date.now() < until) {
    // A new `_id` each time: the sink, like Rocket.Chat, refuses one it knows.
    const body = JSON.stringify({ message: { _id: `seq-${n}`, rid: "__sequential", msg: "x" } });
    const res = await request(`${url}/api/v1/chat.sendMessage`, { method: "POST", body, headers, dispatcher: agent });
    await res.body.text();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  bareCpuUs = (cpu.user + cpu.system) / n;
  await agent.close();
  return n / seconds;
}

// ---------------------------------------------------------------------------------------------

async function flood(o: ScenarioOptions): Promise<void> {
  const rounds = Number(process.env["BENCH_FLOOD_ROUNDS"] ?? 1);
  const roots = [{ name: "after", root: ROOT }, ...(o.before ? [{ name: "before", root: resolve(o.before) }] : [])];
  for (let round = 1; round <= rounds; round++)
    for (const { name, root } of roots) await floodOnce(o, `${name}, round ${round}`, root);
}

async function floodOnce(o: ScenarioOptions, checkout: string, root: string): Promise<void> {
  const seconds = o.duration ?? 15;
  const senders = 32;
  const sink = await startPrinting("bench/sink.ts", { SINK_RECORD: "1" });
  const sinkUrl = `http://127.0.0.1:${sink.port}`;
  // As in `drain`: the stand-in on one core, slackline and the bench on the other.
  const pinned = [pin(sink.child.pid!, 0), pin(process.pid, 1)];
  // Taken before the flood and after the drain, and averaged (see `drain`).
  const limitBefore = await sequentialLimit(sinkUrl, 2);
  await fetch(`${sinkUrl}/__reset`, { method: "POST" });
  const gw = await startGateway(o, sinkUrl, {}, "flood", root);
  pinned.push(pin(gw.child.pid!, 1));
  console.log(
    `# flood (${checkout}): ${senders} keep-alive senders → one room for ${seconds} s; Rocket.Chat stalls (SIGSTOP) for the last 4 s; ${pinned.every(Boolean) ? "Rocket.Chat's stand-in pinned to CPU 0, slackline and the bench to CPU 1" : "not pinned to CPUs"}; load average ${load()}`,
  );
  const agent = new Agent({ connections: senders });
  const oks: string[][] = Array.from({ length: senders }, () => []);
  const statuses: Record<string, number> = {};
  const retryAfters = new Map<string, number>();
  let badRetryAfter = 0;
  const stopAt = Date.now() + seconds * 1000;
  const delivered = async () =>
    ((await (await fetch(`${sinkUrl}/__stats`)).json()) as { calls: Record<string, number> }).calls[
      "chat.sendMessage"
    ] ?? 0;
  // Rocket.Chat stalls (the sink is SIGSTOPped) for the last 4 s of the flood: the room's line
  // fills to its bound (429s). The load stops and Rocket.Chat resumes at the same moment: the
  // backlog then drains at Rocket.Chat's pace, nothing else running.
  let peak = 0;
  const stall = (async () => {
    await sleep(Math.max(0, seconds - 4) * 1000);
    sink.child.kill("SIGSTOP");
    while (Date.now() < stopAt) {
      peak = Math.max(peak, await pending(gw));
      await sleep(250);
    }
  })();
  await Promise.all(
    Array.from({ length: senders }, async (_, c) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const text = `c${c}-${i}`;
        try {
          const res = await postHook(gw, agent, { text, channel: "#flood" });
          await res.body.text();
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 200) oks[c]!.push(text);
          if (res.statusCode === 429) {
            const value = String(res.headers["retry-after"] ?? "");
            if (!/^[1-9]\d*$/.test(value)) badRetryAfter++;
            retryAfters.set(value, (retryAfters.get(value) ?? 0) + 1);
            await sleep(Number(value) * 1000); // a polite sender waits as told
          }
        } catch {
          statuses["error"] = (statuses["error"] ?? 0) + 1;
        }
      }
    }),
  );
  await stall;
  const backlog = await pending(gw);
  peak = Math.max(peak, backlog);
  const resumedAt = performance.timeOrigin + performance.now();
  sink.child.kill("SIGCONT");
  const stoppedAt = Date.now();
  const accepted = oks.reduce((a, l) => a + l.length, 0);
  // Only the sink is asked while the backlog drains (slackline's admin view is not free: it
  // would be part of what is measured); the line is checked empty once everything arrived.
  let drainedAt = NaN;
  for (;;) {
    if ((await delivered()) >= accepted && (await pending(gw)) === 0) {
      drainedAt = Date.now();
      break;
    }
    if (Date.now() - stoppedAt > 120_000) break;
    await sleep(20);
  }
  await agent.close();
  // Delivered per second from the sink's own arrival times: the backlog's first to its last.
  const drainedTimes = ((await (await fetch(`${sinkUrl}/__arrivals`)).json()) as number[]).filter(
    (t) => t >= resumedAt,
  );
  const rate = ((drainedTimes.length - 1) * 1000) / (drainedTimes.at(-1)! - drainedTimes[0]!);
  const got = (await (await fetch(`${sinkUrl}/__messages`)).json()) as Record<string, string[]>;
  const all = Object.values(got).flat();
  const seen = new Map<string, number>();
  for (const t of all) seen.set(t, (seen.get(t) ?? 0) + 1);
  const twice = [...seen.values()].filter((n) => n > 1).length;
  const missing = oks.flat().filter((t) => !seen.has(t)).length;
  const okSet = new Set(oks.flat());
  const unexpected = all.filter((t) => !okSet.has(t)).length;
  let outOfOrder = 0;
  for (let c = 0; c < senders; c++) {
    const mine = all.filter((t) => t.startsWith(`c${c}-`)).map((t) => Number(t.slice(t.indexOf("-") + 1)));
    for (let i = 1; i < mine.length; i++) if (mine[i]! < mine[i - 1]!) outOfOrder++;
  }
  await stop(gw.child);
  const limit = (limitBefore + (await sequentialLimit(sinkUrl, 2))) / 2;
  await stop(sink.child);
  const after = (drainedAt - stoppedAt) / 1000;
  console.log(`
| figure | measured | budget |
| --- | --- | --- |
| answers | ${Object.entries(statuses)
    .map(([k, v]) => `${k}: ${fmt(v)}`)
    .join(", ")} | |
| sink's sequential limit (1 keep-alive connection) | ${fmt(limit)} req/s | |
| longest line (room) | ${fmt(peak)} messages | ≤ maxQueuedPerRoom (1000) |
| backlog when the load stopped | ${fmt(backlog)} jobs | |
| drained per second (the backlog of ${fmt(drainedTimes.length)}, at the sink) | ${fmt(rate)} (${fmt(rate / limit, 2)}× the sequential limit) | ≥ 0.8× |
| last ok delivered after the load stopped | ${fmt(after, 1)} s | ≤ 20 s |
| Retry-After values on 429 | ${[...retryAfters]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k} s × ${fmt(v)}`)
    .join(", ")}${badRetryAfter ? `; ${badRetryAfter} not a whole number` : ""} | integer |
| lost / twice / refused but delivered / out of order | ${missing} / ${twice} / ${unexpected} / ${outOfOrder} | 0 / 0 / 0 / 0 |
`);
}

// ---------------------------------------------------------------------------------------------

async function drain(o: ScenarioOptions): Promise<void> {
  const jobs = Number(process.env["BENCH_DRAIN_JOBS"] ?? 10_000);
  const rounds = Number(process.env["BENCH_DRAIN_ROUNDS"] ?? 3);
  const roots = [{ name: "after", root: ROOT }, ...(o.before ? [{ name: "before", root: resolve(o.before) }] : [])];
  const sink = await startPrinting("bench/sink.ts", { SINK_RECORD: "1" });
  const sinkUrl = `http://127.0.0.1:${sink.port}`;
  const sinkCall = async (path: string): Promise<unknown> =>
    (await fetch(`${sinkUrl}/${path}`, { method: path.startsWith("__stats") ? "GET" : "POST" })).json();
  const delivery = { maxQueuedPerRoom: jobs + 100, fastPathMs: 100 };
  const gateways = new Map<string, Gateway>();
  // Held answers must not time out (a timeout is a retry: more work than the drain measured).
  for (const { name, root } of roots)
    gateways.set(name, await startGateway(o, sinkUrl, delivery, `drain-${name}`, root, 120_000));
  // The stand-in on one core, its client on the other: slackline, or this process for the
  // sequential limit (see `pin`).
  const pinned = [
    pin(sink.child.pid!, 0),
    pin(process.pid, 1),
    ...[...gateways.values()].map((g) => pin(g.child.pid!, 1)),
  ];
  console.log(
    `# drain: ${fmt(jobs)} jobs in one room's line (filled while Rocket.Chat holds its answers), then drained with nothing else running; round 0 warms up; ${pinned.every(Boolean) ? "Rocket.Chat's stand-in pinned to CPU 0, its client (slackline, or the bench for the sequential limit) to CPU 1" : `not pinned to CPUs (${pinned.join(", ")})`}; load average ${load()}`,
  );
  console.log(
    "\n| round | checkout | sequential limit req/s | drained/s | × limit | CPU µs per message: slackline / bare client | lost / twice / out of order | load average |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const ratios: Record<string, number[]> = {};
  const cpus: Record<string, number[]> = {};
  for (let round = 0; round <= rounds; round++) {
    for (const { name } of roots) {
      const gw = gateways.get(name)!;
      // The limit is taken just before the fill and just after the drain, and averaged: on a
      // shared machine it drifts by half within a minute.
      const limitBefore = await sequentialLimit(sinkUrl, 2);
      const bareBefore = bareCpuUs;
      await sinkCall("__reset");
      await sinkCall("__hold");
      // Fill: Rocket.Chat holds every answer; the first requests are stored in flight after
      // fastPathMs, the rest join the line behind them.
      const senders = 16;
      const agent = new Agent({ connections: senders });
      const texts: string[][] = Array.from({ length: senders }, () => []);
      let next = 0;
      await Promise.all(
        Array.from({ length: senders }, async (_, c) => {
          for (let i = 0; next < jobs; i++) {
            next++;
            const text = `c${c}-${i}`;
            const res = await postHook(gw, agent, { text, channel: "#flood" });
            await res.body.text();
            if (res.statusCode !== 200) throw new Error(`fill: HTTP ${res.statusCode}`);
            texts[c]!.push(text);
          }
        }),
      );
      await agent.close();
      const load0 = load();
      const cpu0 = cpuMs(gw.child.pid!);
      await sinkCall("__release");
      const started = Date.now();
      let times: number[] = [];
      while ((times = (await sinkCall("__arrivals")) as number[]).length < jobs && Date.now() - started < 120_000)
        await sleep(100);
      // The last settles ride a later transaction: wait until the line is empty too.
      while ((await pending(gw)) > 0 && Date.now() - started < 120_000) await sleep(20);
      const cpuUs = ((cpuMs(gw.child.pid!) - cpu0) * 1000) / times.length;
      const limit = (limitBefore + (await sequentialLimit(sinkUrl, 2))) / 2;
      const bare = (bareBefore + bareCpuUs) / 2;
      const got = ((await sinkCall("__messages")) as Record<string, string[]>)["room-flood"] ?? [];
      const counts = new Map<string, number>();
      for (const t of got) counts.set(t, (counts.get(t) ?? 0) + 1);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      const lost = texts.flat().filter((t) => !counts.has(t)).length;
      let outOfOrder = 0;
      const lastOf = new Map<string, number>();
      for (const t of got) {
        const [c, i] = t.split("-") as [string, string];
        if (Number(i) < (lastOf.get(c) ?? -1)) outOfOrder++;
        lastOf.set(c, Number(i));
      }
      const rate = ((times.length - 1) * 1000) / (times.at(-1)! - times[0]!);
      if (round > 0) {
        (ratios[name] ??= []).push(rate / limit);
        (cpus[name] ??= []).push(cpuUs);
      }
      console.log(
        `| ${round === 0 ? "0 (warm-up)" : round} | ${name} | ${fmt(limit)} | ${fmt(rate)} | ${fmt(rate / limit, 2)} | ${fmt(cpuUs)} / ${fmt(bare)} | ${lost} / ${twice} / ${outOfOrder} | ${load0} |`,
      );
    }
  }
  for (const gw of gateways.values()) await stop(gw.child);
  await stop(sink.child);
  const median = (r: number[]) => [...r].sort((a, b) => a - b)[Math.floor(r.length / 2)]!;
  for (const [name, r] of Object.entries(ratios))
    console.log(
      `\n${name}: drained/s ÷ sequential limit, median ${fmt(median(r), 2)}× (${r.map((x) => fmt(x, 2)).join(", ")}; budget ≥ 0.8×); CPU per message median ${fmt(median(cpus[name]!))} µs`,
    );
}

// ---------------------------------------------------------------------------------------------

async function slow(o: ScenarioOptions): Promise<void> {
  const rate = 400; // requests per second, over 50 rooms
  const seconds = o.duration ?? 10;
  const roots = [{ name: "after", root: ROOT }, ...(o.before ? [{ name: "before", root: resolve(o.before) }] : [])];
  console.log(
    `# slow: ${rate} req/s over 50 rooms for ${seconds} s; fastPathMs 20; sink answers at once (fast path) or after 60 ms (outbox); load average ${load()}`,
  );
  console.log(
    "\n| checkout | Rocket.Chat | accepted | server CPU ms | CPU µs per accepted message | outbox commits |\n| --- | --- | --- | --- | --- | --- |",
  );
  const results: Record<string, number> = {};
  for (const { name, root } of roots) {
    for (const mode of ["fast", "slow"] as const) {
      const sink = await startPrinting("bench/sink.ts", mode === "slow" ? { SINK_DELAY_MS: "60" } : {});
      const sinkUrl = `http://127.0.0.1:${sink.port}`;
      const gw = await startGateway(o, sinkUrl, { fastPathMs: 20 }, `slow-${name}-${mode}`, root);
      const agent = new Agent({ connections: 64 });
      const send = async (i: number): Promise<boolean> => {
        try {
          const res = await postHook(gw, agent, { text: `m${i}`, channel: `#r${i % 50}` });
          await res.body.text();
          return res.statusCode === 200;
        } catch {
          return false;
        }
      };
      // Warm-up (rooms resolved, code optimised), then measured.
      await Promise.all(Array.from({ length: 200 }, (_, i) => send(i)));
      while ((await pending(gw)) > 0) await sleep(50);
      const cpu0 = cpuMs(gw.child.pid!);
      const answers: Array<Promise<boolean>> = [];
      const start = Date.now();
      let i = 0;
      while (Date.now() - start < seconds * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate);
        while (i < due) answers.push(send(1000 + i++));
        await sleep(5);
      }
      const accepted = (await Promise.all(answers)).filter(Boolean).length;
      while ((await pending(gw)) > 0) await sleep(50);
      const cpu = cpuMs(gw.child.pid!) - cpu0;
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      const commits = Number(/^slackline_outbox_commits_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
      await agent.close();
      await stop(gw.child);
      await stop(sink.child);
      const perMessage = (cpu * 1000) / accepted;
      results[`${name}-${mode}`] = perMessage;
      console.log(
        `| ${name} | ${mode === "slow" ? "slower than fastPathMs (outbox)" : "fast (fast path)"} | ${fmt(accepted)} | ${fmt(cpu)} | ${fmt(perMessage)} | ${Number.isNaN(commits) ? "–" : fmt(commits)} |`,
      );
    }
  }
  for (const { name } of roots)
    console.log(
      `\n${name}: outbox / fast path CPU per message = ${fmt(results[`${name}-slow`]! / results[`${name}-fast`]!, 2)}× (budget ≤ 1.5×)`,
    );
}

// ---------------------------------------------------------------------------------------------

async function recovery(o: ScenarioOptions): Promise<void> {
  const roots = [{ name: "after", root: ROOT }, ...(o.before ? [{ name: "before", root: resolve(o.before) }] : [])];
  console.log(
    `# recovery: 300 messages over 3 rooms; Rocket.Chat down 3 s, then 30 × 429 (1 s), then 5 resets after storing; SIGKILL + restart meanwhile; load average ${load()}\n`,
  );
  console.log(
    "| checkout | accepted | lost in the kill | delivered ≤ s after Rocket.Chat is normal | lost / twice / out of order |\n| --- | --- | --- | --- | --- |",
  );
  for (const { name, root } of roots) {
    const fake = await startFakeRocketChat({
      userId: "bench-user",
      authToken: "bench-auth-token",
      recordRequests: false,
    });
    const rooms = ["alerts", "ops", "deploys"];
    for (const room of rooms) fake.addRoom({ name: room });
    const dir = join(o.dir, `recovery-${name}`);
    mkdirSync(dir, { recursive: true });
    const opts = { ...o, dir };
    let gw = await startGateway(opts, fake.url, {}, "gw", root);
    let ready: Promise<void> = Promise.resolve();
    const oks: string[] = [];
    let lost = 0;
    const sendAll = (async () => {
      for (let i = 0; i < 300; i++) {
        const text = `${rooms[i % 3]}-${String(i).padStart(3, "0")}`;
        await ready;
        try {
          const res = await fetch(gw.url + BENCH_PATH, {
            method: "POST",
            body: JSON.stringify({ text, channel: `#${rooms[i % 3]}` }),
            headers: { "content-type": "application/json" },
          });
          await res.text();
          if (res.status === 200) oks.push(text);
        } catch {
          lost++;
        }
        await sleep(15);
      }
    })();
    await sleep(500);
    await fake.setDown(true);
    await sleep(1000);
    // SIGKILL while Rocket.Chat is down; start again on the same outbox.
    let up = () => {};
    ready = new Promise<void>((r) => (up = r));
    gw.child.kill("SIGKILL");
    await gw.exited;
    gw = await startGateway(opts, fake.url, {}, "gw", root);
    up();
    await sleep(2000);
    fake.faults.rateLimitSeconds = 1;
    fake.faults.rateLimitNext = 30;
    await fake.setDown(false);
    while (fake.faults.rateLimitNext > 0) await sleep(20);
    fake.faults.resetAfterStore = 5;
    while (fake.faults.resetAfterStore > 0) await sleep(20);
    await sendAll;
    const normal = Date.now();
    let doneAt = NaN;
    for (;;) {
      const have = new Set(fake.messages.map((m) => m.msg));
      if (oks.every((t) => have.has(t))) {
        doneAt = Date.now();
        break;
      }
      if (Date.now() - normal > 120_000) break;
      await sleep(50);
    }
    const counts = new Map<string, number>();
    for (const m of fake.messages) counts.set(m.msg, (counts.get(m.msg) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    const missing = oks.filter((t) => !counts.has(t)).length;
    let outOfOrder = 0;
    for (const room of rooms) {
      const seq = fake.messagesIn(room).map((m) => Number(m.msg.split("-")[1]));
      for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) outOfOrder++;
    }
    await stop(gw.child);
    await fake.close();
    console.log(
      `| ${name} | ${oks.length} | ${lost} | ${Number.isNaN(doneAt) ? "> 120" : fmt((doneAt - normal) / 1000, 1)} | ${missing} / ${twice} / ${outOfOrder} |`,
    );
  }
  console.log(
    "\nBudget: every accepted message delivered ≤ 10 s after Rocket.Chat answers normally; none lost, none twice.",
  );
}

export async function runScenario(name: string, o: ScenarioOptions): Promise<void> {
  switch (name) {
    case "flood":
      return flood(o);
    case "drain":
      return drain(o);
    case "slow":
      return slow(o);
    case "recovery":
      return recovery(o);
    default:
      throw new Error(
        `--scenario: flood, drain, slow or recovery (the 50-room case is the default run: npm run bench -- --payloads small --before DIR)`,
      );
  }
}
