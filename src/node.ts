/**
 * The Node entry: `npx slackline [--config FILE] [--port N] [--host H]` (CONTRACT §1).
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { upstream } from "#upstream";
import { loadConfig } from "./config/load.ts";
import { configSource, demoConfigJson } from "./config/source.ts";
import { DurableDelivery } from "./delivery/durable.ts";
import { openSqliteOutbox } from "./delivery/sqlite.ts";
import { createNodeServer } from "./http/node-server.ts";
import { createLogger, parseLogLevel } from "./observability/log.ts";
import { stdoutLines } from "./observability/stdout.ts";
import { newMessageId } from "./rocketchat/ids.ts";
import { buildServices, probeOf } from "./services.ts";

const EXIT_CONFIG = 2;
const EXIT_OUTBOX = 1;

function fatal(lines: string[], code = EXIT_CONFIG): never {
  for (const line of lines) process.stderr.write(line + "\n");
  process.exit(code);
}

export function main(argv: string[] = process.argv.slice(2)): void {
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: "string" }, port: { type: "string" }, host: { type: "string" } } }).values;
  } catch (e) {
    fatal([`usage: slackline [--config FILE] [--port N] [--host H] (${(e as Error).message})`]);
  }
  const port = Number(args.port ?? process.env["PORT"] ?? 3000);
  const host = args.host ?? process.env["HOST"] ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535) fatal([`port: must be a whole number from 0 to 65535`]);

  const source = configSource(args.config, process.env["SLACKLINE_CONFIG"]);
  let text: string;
  try {
    text = source.kind === "file" ? readFileSync(source.path, "utf8") : source.kind === "inline" ? source.json : demoConfigJson(newMessageId() + newMessageId());
  } catch (e) {
    fatal([`config: cannot read ${source.kind === "file" ? source.path : "config"}: ${(e as Error).message}`]);
  }
  const loaded = loadConfig(text, process.env);
  if (!loaded.ok) fatal(loaded.problems);

  const logger = createLogger(parseLogLevel(process.env["LOG_LEVEL"]), stdoutLines());
  const { delivery: settings } = loaded.config;
  // Accept, then deliver: what Rocket.Chat does not confirm in time waits in the outbox. The
  // demo inbox is in memory and always answers, so it needs none.
  let outbox;
  try {
    outbox = loaded.config.rocketchat ? openSqliteOutbox(settings.outboxPath) : undefined;
  } catch (e) {
    fatal([`delivery.outboxPath: cannot open ${settings.outboxPath}: ${(e as Error).message}`], EXIT_OUTBOX);
  }
  const durable = { delivery: undefined as DurableDelivery | undefined };
  const services = buildServices(loaded.config, {
    upstream,
    logger,
    ...(outbox && {
      delivery: (deliverer, metrics, rocketchat) =>
        (durable.delivery = new DurableDelivery({ outbox, deliverer, metrics, logger, settings, probe: probeOf(rocketchat) })),
    }),
  });
  durable.delivery?.start();
  const origin = (p: number) => `http://${host.includes(":") ? `[${host}]` : host}:${p}`;
  const { server } = createNodeServer(services, { baseUrl: origin(port) });

  server.once("error", (e) => fatal([`cannot listen on ${origin(port)}: ${e.message}`], 1));
  server.listen(port, host, () => {
    const listening = (server.address() as AddressInfo).port;
    const base = (loaded.config.publicUrl ?? origin(listening)).replace(/\/+$/, "");
    logger.info(`slackline listening on ${origin(listening)}`);
    if (source.kind === "demo") {
      const url = `${base}/services/T0000000/B0000000/${loaded.config.incoming[0]!.token}`;
      process.stdout.write(
        `\nDemo mode: no config given, messages go to the built-in inbox at ${base}/\n` +
          `Incoming webhook URL:\n  ${url}\n\nTry:\n  curl -X POST -H 'Content-Type: application/json' -d '{"text":"Hello *world*"}' ${url}\n\n`,
      );
    } else {
      for (const hook of loaded.config.incoming) logger.info(`incoming hook "${hook.name}" → ${hook.channel}`);
    }
  });

  // SIGTERM: stop accepting, let in-flight requests and deliveries finish within the grace
  // period; the rest stays in the outbox and the next start resumes it.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const deadline = Date.now() + settings.shutdownGraceMs;
    logger.info(`${signal}: closing`, { graceMs: settings.shutdownGraceMs });
    const answered = new Promise<void>((resolve) => server.close(() => resolve()));
    const left = await durable.delivery?.stop(settings.shutdownGraceMs);
    await Promise.race([answered, sleep(Math.max(0, deadline - Date.now()))]);
    logger.info("closed", left === undefined ? undefined : { outboxJobs: left });
    process.exit(0);
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}
