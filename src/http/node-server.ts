/**
 * The Node HTTP server. Incoming webhooks, slackline's hot path, are answered straight from
 * node:http by the same handler the Hono app routes to; every other request goes to the Hono
 * app through @hono/node-server, and so does an incoming request this path does not read
 * plainly (an encoded body, an escaped path), so both answer alike.
 *
 * Why: a web `Request` and `Response` around every webhook cost more CPU than the translation
 * and delivery it carries (`npm run bench`, issue #7).
 */
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createApp, type AppOptions } from "../app.ts";
import { accessLog } from "../observability/access.ts";
import { incomingHandler, INCOMING_ROUTES } from "../routes/incoming.ts";
import type { Services } from "../services.ts";
import type { Result } from "../slack/errors.ts";
import type { Dialect } from "../translate/incoming.ts";
import { rollupError, type SlackAnswer } from "./answers.ts";
import type { BodyError } from "./body.ts";

/** The paths Hono matches for INCOMING_ROUTES (a trailing slash allowed: the app is not strict). */
const SLACK_PATH = /^\/services\/[^/]+\/[^/]+\/([^/]+)\/?$/;
const HOOKS_PATH = /^\/hooks\/([^/]+)\/?$/;

export interface NodeServer {
  readonly server: Server;
  readonly app: Hono;
}

export function createNodeServer(services: Services, opts: Omit<AppOptions, "incoming"> = {}): NodeServer {
  const incoming = incomingHandler(services);
  const app = createApp(services, { ...opts, incoming });
  const access = accessLog(services.metrics, services.logger);
  const viaHono = getRequestListener(app.fetch);

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const target = req.method === "POST" ? incomingTarget(path, req) : undefined;
    if (!target) return void viaHono(req, res);
    const { dialect, token } = target;

    const started = performance.now();
    const route = INCOMING_ROUTES[dialect];
    incoming({
      dialect,
      token,
      contentType: req.headers["content-type"] ?? null,
      query: q < 0 ? "" : url.slice(q + 1),
      readBody: (limit) => readBody(req, res, limit),
    })
      .catch((err: unknown) => {
        access.unexpected(route, err);
        return rollupError;
      })
      .then((answer) => {
        write(res, answer);
        access.request("POST", route, answer.status, started);
      });
  });
  return { server, app };
}

/** The hook a POST is for, unless its path is escaped or its body encoded (gzip): Hono's turn. */
function incomingTarget(path: string, req: IncomingMessage): { dialect: Dialect; token: string } | undefined {
  const encoding = req.headers["content-encoding"];
  if (path.includes("%") || (encoding !== undefined && encoding !== "identity")) return undefined;
  const slack = SLACK_PATH.exec(path);
  if (slack) return { dialect: "slack", token: slack[1]! };
  const hooks = HOOKS_PATH.exec(path);
  return hooks ? { dialect: "markdown", token: hooks[1]! } : undefined;
}

/** At most `limit` bytes; a declared or actual excess is refused without reading the rest. */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Result<Uint8Array, BodyError>> {
  const tooLarge = (): Result<Uint8Array, BodyError> => {
    // The rest of the body is never read: close the connection after answering.
    res.shouldKeepAlive = false;
    return { ok: false, error: "request_too_large" };
  };
  if (Number(req.headers["content-length"]) > limit) return Promise.resolve(tooLarge());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData).off("end", onEnd).pause();
      resolve(tooLarge());
    };
    const onEnd = () => resolve({ ok: true, value: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    // The sender went away mid-body.
    req.on("data", onData).on("end", onEnd).once("error", () => resolve({ ok: false, error: "invalid_payload" }));
  });
}

function write(res: ServerResponse, answer: SlackAnswer): void {
  // Answers are ASCII: a character is a byte.
  res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.length }).end(answer.body);
}
