/**
 * slackline as a real process: `node bin/slackline.js` from this checkout, or another entry
 * (the built bundle) from any directory.
 */
import { spawn, type ChildProcess } from "node:child_process";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface Cli {
  readonly child: ChildProcess;
  readonly url: string;
  readonly log: string[];
  readonly exited: Promise<number | null>;
}

export interface CliOptions {
  /** The script node runs; default bin/slackline.js (the sources). */
  readonly entry?: string;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** More environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts the CLI and resolves once it printed `slackline listening on http://HOST:PORT`. */
export async function startCli(configPath: string, opts: CliOptions = {}): Promise<Cli> {
  const child = spawn(process.execPath, [opts.entry ?? "bin/slackline.js", "--config", configPath, "--port", "0"], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line) log.push(line);
        const m = /slackline listening on (http:\/\/[^\s"]+)/.exec(line);
        if (m) resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onLine);
    child.stderr!.on("data", onLine);
    void exited.then((code) => reject(new Error(`slackline exited (${code}) before listening:\n${log.join("\n")}`)));
  });
  return { child, url, log, exited };
}

/** A test's clean-up: SIGKILLs the CLIs of `clis` still running, waits for them, and empties the list. */
export async function killAll(clis: Cli[]): Promise<void> {
  const running = clis.splice(0);
  for (const cli of running)
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGKILL");
  await Promise.all(running.map((c) => c.exited));
}
