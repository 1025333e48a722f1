/**
 * The Node entry (bin/slackline.js): serve, `check`, `--help`, `--version`. README.md
 * (Operations) describes the commands, exit codes and signals.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { upstream } from "#upstream";
import { probe } from "../cli/check.ts";
import { loadConfig, type ConfigResult } from "../config/load.ts";
import { configSource, demoConfigJson, type ConfigSource } from "../config/source.ts";
import { summarize } from "../config/summary.ts";
import { DurableDelivery } from "../delivery/durable.ts";
import { openSqliteOutbox } from "./outbox-sqlite.ts";
import { createNodeServer } from "./server.ts";
import { createLogger, parseLogFormat, parseLogLevel } from "../observability/log.ts";
import { watchProcess } from "./process-metrics.ts";
import { stdoutLines } from "../observability/stdout.ts";
import { newMessageId } from "../rocketchat/ids.ts";
import { buildServices, probeOf } from "../services.ts";
import { slackHookPath } from "../routes/incoming.ts";
import { VERSION } from "../version.ts";
import { SqliteTsStore, tsPathFor } from "./ts-map-sqlite.ts";
import { trimEndOf } from "../text/trim.ts";

/** Exit codes: 1 cannot run (port, outbox, Node), 2 config or usage, 3 `check --probe` failed. */
const EXIT_RUN = 1;
const EXIT_CONFIG = 2;
const EXIT_PROBE = 3;

export const USAGE = `slackline ${VERSION}: Slack- and Mattermost-compatible webhooks for Rocket.Chat

Usage:
  slackline [--config FILE] [--port N] [--host H]   run the gateway
  slackline check [--config FILE] [--probe]         validate the config and exit
  slackline --help | -h                             this text
  slackline --version | -v                          the version

Options:
  --config FILE   the JSON config (default: $SLACKLINE_CONFIG, a path or the JSON itself;
                  none: demo mode, one hook into the built-in inbox at /)
  --port N        default $PORT or 3000
  --host H        default $HOST or 127.0.0.1
  --probe         check: also ask Rocket.Chat who the configured user is and whether
                  each hook's and bot's room resolves

Environment: PORT, HOST, SLACKLINE_CONFIG, LOG_LEVEL (debug|info|warn|error),
LOG_FORMAT (text|json).
Exit codes: 0 ok, 1 cannot run (port, outbox, Node version), 2 invalid config or usage,
3 check --probe found a problem.
`;

function fatal(lines: string[], code = EXIT_CONFIG): never {
  for (const line of lines) process.stderr.write(line + "\n");
  process.exit(code);
}

function parse(argv: string[], options: ParseArgsOptionsConfig): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    return fatal([`${(e as Error).message.split("\n")[0]} (slackline --help shows the usage)`]);
  }
}

/** The config text and where it came from; exits 2 when it cannot be read. */
function readConfig(path: string | undefined): { source: ConfigSource; text: string } {
  const source = configSource(path, process.env["SLACKLINE_CONFIG"]);
  try {
    const text =
      source.kind === "file"
        ? readFileSync(source.path, "utf8")
        : source.kind === "inline"
          ? source.json
          : demoConfigJson(newMessageId() + newMessageId());
    return { source, text };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what = source.kind === "file" ? source.path : "config";
    return fatal([`config: cannot read ${what}: ${err.code === "ENOENT" ? "no such file" : err.message}`]);
  }
}

export function main(argv: string[] = process.argv.slice(2)): void | Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  if (argv[0] === "check") return check(argv.slice(1));
  serve(argv);
}

/** `slackline check [--config FILE] [--probe]`: 0 valid, 2 invalid, 3 the probe failed. */
async function check(argv: string[]): Promise<void> {
  const args = parse(argv, { config: { type: "string" }, probe: { type: "boolean" } });
  const { source, text } = readConfig(args["config"] as string | undefined);
  if (source.kind === "demo")
    fatal(["config: none given (--config FILE or SLACKLINE_CONFIG); without one slackline starts in demo mode"]);
  const loaded = loadConfig(text, process.env);
  if (!loaded.ok) fatal(loaded.problems);
  const where = source.kind === "file" ? source.path : "SLACKLINE_CONFIG";
  process.stdout.write(`${where}: valid\n`);
  for (const line of summarize(loaded.config))
    process.stdout.write(`${line.level === "warn" ? "warning: " : ""}${line.message}\n`);
  if (!args["probe"]) process.exit(0);
  const report = await probe(loaded.config, upstream);
  for (const line of report.passed) process.stdout.write(`ok: ${line}\n`);
  for (const line of report.failed) process.stderr.write(`${line}\n`);
  process.exit(report.failed.length > 0 ? EXIT_PROBE : 0);
}

function serve(argv: string[]): void {
  const args = parse(argv, { config: { type: "string" }, port: { type: "string" }, host: { type: "string" } });
  const port = Number(args["port"] ?? process.env["PORT"] ?? 3000);
  const host = (args["host"] as string | undefined) ?? process.env["HOST"] ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535) fatal([`port: must be a whole number from 0 to 65535`]);

  const { source, text } = readConfig(args["config"] as string | undefined);
  const loaded: ConfigResult = loadConfig(text, process.env);
  if (!loaded.ok) fatal(loaded.problems);

  const logger = createLogger(parseLogLevel(process.env["LOG_LEVEL"]), stdoutLines(), {
    format: parseLogFormat(process.env["LOG_FORMAT"]),
    color: process.stdout.isTTY === true && !process.env["NO_COLOR"],
  });
  const { delivery: settings } = loaded.config;
  // Accept, then deliver: what Rocket.Chat does not confirm in time waits in the outbox. The
  // demo inbox is in memory and always answers, so it needs none.
  let outbox: ReturnType<typeof openSqliteOutbox> | undefined;
  try {
    outbox = loaded.config.rocketchat ? openSqliteOutbox(settings.outboxPath) : undefined;
  } catch (e) {
    fatal([`delivery.outboxPath: cannot open ${settings.outboxPath}: ${(e as Error).message}`], EXIT_RUN);
  }
  // Slack ts ↔ Rocket.Chat message, beside the outbox: thread_ts, chat.update and chat.delete
  // find a message after a restart.
  let tsStore: SqliteTsStore | undefined;
  try {
    tsStore = outbox ? new SqliteTsStore(tsPathFor(settings.outboxPath)) : undefined;
  } catch (e) {
    fatal([`cannot open ${tsPathFor(settings.outboxPath)}: ${(e as Error).message}`], EXIT_RUN);
  }
  const durable = { delivery: undefined as DurableDelivery | undefined };
  const services = buildServices(loaded.config, {
    upstream,
    logger,
    ...(tsStore && { tsStore }),
    ...(outbox && {
      delivery: (deliverer, metrics, rocketchat) =>
        (durable.delivery = new DurableDelivery({
          outbox,
          deliverer,
          metrics,
          logger,
          settings,
          probe: probeOf(rocketchat),
        })),
    }),
  });
  durable.delivery?.start();
  const origin = (p: number) => `http://${host.includes(":") ? `[${host}]` : host}:${p}`;
  const { server } = createNodeServer(services, { baseUrl: origin(port) });
  const stopWatching = watchProcess(services.metrics, server);

  server.once("error", (e) => fatal([`cannot listen on ${origin(port)}: ${e.message}`], EXIT_RUN));
  server.listen(port, host, () => {
    const listening = (server.address() as AddressInfo).port;
    const base = trimEndOf(loaded.config.publicUrl ?? origin(listening), "/");
    logger.info(
      `slackline ${VERSION} on Node ${process.version}, config: ${source.kind === "file" ? source.path : source.kind === "inline" ? "SLACKLINE_CONFIG" : "none (demo mode)"}`,
    );
    for (const line of summarize(loaded.config, {
      demo: source.kind === "demo",
      ...(outbox && { outboxPath: settings.outboxPath }),
    }))
      logger[line.level](line.message);
    logger.info(`slackline listening on ${origin(listening)}`);
    if (source.kind === "demo") {
      const url = `${base}${slackHookPath(loaded.config.incoming[0]!.token)}`;
      // After the log lines above, which go out together at the end of this turn.
      const banner = (text: string) => setImmediate(() => process.stdout.write(text));
      banner(
        `\nDemo mode: no config given, messages go to the built-in inbox at ${base}/\n` +
          `Incoming webhook URL:\n  ${url}\n` +
          `The same hook as a Rocket.Chat incoming-webhook URL (apprise rocket://, netdata, Ansible):\n  ${base}/hooks/demo/${loaded.config.incoming[0]!.token}\n\nTry:\n  curl -X POST -H 'Content-Type: application/json' -d '{"text":"Hello *world* :tada:"}' ${url}\n\n`,
      );
    }
  });

  // SIGTERM, SIGINT and SIGHUP: stop accepting, let in-flight requests and deliveries finish
  // within the grace period; the rest stays in the outbox and the next start resumes it.
  // (SIGHUP drains rather than reloads: a service manager restarts slackline with the new config.)
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const deadline = Date.now() + settings.shutdownGraceMs;
    logger.info(`${signal}: closing`, { graceMs: settings.shutdownGraceMs });
    const answered = new Promise<void>((resolve) => server.close(() => resolve()));
    const left = await durable.delivery?.stop(settings.shutdownGraceMs);
    await Promise.race([answered, sleep(Math.max(0, deadline - Date.now()))]);
    stopWatching();
    logger.info("closed", left === undefined ? undefined : { outboxJobs: left });
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(signal, () => void shutdown(signal));
}
