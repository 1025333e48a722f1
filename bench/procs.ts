/**
 * Child processes for the benchmarks (bench/run.ts, bench/delivery.ts): start, wait, measure, stop.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = resolve(import.meta.dirname, "..");

/** The one incoming hook of every benchmark: its token, its URL path and its config entry. */
export const BENCH_TOKEN = "bench-token-0123456789abcdef";
export const BENCH_PATH = `/services/T0000000/B0000000/${BENCH_TOKEN}`;
export const benchHook = {
  name: "bench",
  token: BENCH_TOKEN,
  channel: "#bench",
  allowChannelOverride: true,
  // The limiter allows a burst of `burst`: big enough never to refuse.
  rateLimit: { perSecond: 1_000_000_000, burst: 1_000_000_000 },
};
const env = process.env;

/** Killed when the benchmark exits, however it exits. */
export const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** Starts `node script` and resolves with the port it prints as `{"port":N}`. */
export function startPrinting(
  script: string,
  extraEnv: Record<string, string> = {},
  flags: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...flags, join(ROOT, script)], {
    env: { ...env, ...extraEnv },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`${script} exited (${code})`)));
    child.stdout!.once("data", (d: Buffer) => ok({ child, port: (JSON.parse(d.toString()) as { port: number }).port }));
  });
}

export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

export async function waitUntilUp(url: string, seconds = 10): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not come up`);
}

/** Stops a child with SIGTERM (slackline then writes its CPU profile) and waits for it. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/PID/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Pins every thread of `pid` to one CPU (`taskset`, util-linux), when the machine has more than
 * one and taskset is there; false otherwise. A ping-pong between two processes runs at very
 * different speeds depending on whether the scheduler puts them on the same core or not: the
 * delivery scenarios pin Rocket.Chat's stand-in to one core and its client (slackline, or the
 * bench itself for the sequential limit) to the other, so that both are measured alike.
 */
export function pin(pid: number, cpu: number): boolean {
  if (cpus().length < 2) return false;
  // A thread that ends while taskset walks them fails the call: try again.
  for (let i = 0; i < 3; i++)
    if (spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" }).status === 0)
      return true;
  return false;
}
