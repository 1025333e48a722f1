/**
 * The Node HTTP server. Incoming webhooks, slackline's hot path, are answered straight from
 * node:http by the same handler the Hono app routes to; every other request goes to the Hono
 * app through @hono/node-server, and so does an incoming request this path does not read
 * plainly (an encoded body, an escaped path), so both answer alike.
 *
 * Why: a web `Request` and `Response` around every webhook cost more CPU than the translation
 * and delivery it carries (`npm run bench`, docs/performance.md).
 */
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from "node:http";
import { createApp, type AppOptions } from "../app.ts";
import { accessLog } from "../observability/access.ts";
import { incomingHandler, INCOMING_ROUTES, serveIncoming } from "../routes/incoming.ts";
import type { Services } from "../services.ts";
import type { Result } from "../result.ts";
import type { Dialect } from "../translate/incoming.ts";
import { slackError, type SlackAnswer } from "../http/answers.ts";
import type { BodyError } from "../http/body.ts";
import { readStreamLimited } from "./body.ts";

/**
 * INCOMING_ROUTES as Hono matches them: a `:param` is one path segment, the token the last one,
 * and a trailing slash is allowed (the app is not strict).
 */
const ROUTES = (Object.entries(INCOMING_ROUTES) as Array<[Dialect, string]>).map(([dialect, pattern]) => ({
  dialect,
  path: new RegExp(`^${pattern.replace(/:\w+/g, "([^/]+)")}/?$`),
}));

export interface NodeServer {
  readonly server: Server;
  readonly app: Hono;
}

export function createNodeServer(services: Services, opts: Omit<AppOptions, "incoming"> = {}): NodeServer {
  const incoming = incomingHandler(services);
  const app = createApp(services, { ...opts, incoming });
  const access = accessLog(services.metrics, services.logger);
  const unexpected = (route: string, err: unknown) => access.unexpected(route, err);
  const viaHono = getRequestListener(app.fetch);

  const guard = slowClientGuard(services);
  const server = createServer(guard.options, (req, res) => {
    if (!guard.admit(req, res)) return;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const target = req.method === "POST" ? incomingTarget(path, req) : undefined;
    if (!target) return void viaHono(req, res);
    const { dialect, token } = target;

    const started = performance.now();
    const request = {
      dialect,
      token,
      contentType: req.headers["content-type"] ?? null,
      query: q < 0 ? "" : url.slice(q + 1),
      readBody: (limit: number) => readBody(req, res, limit),
    };
    void serveIncoming(incoming, request, unexpected).then(({ sent, noted }) => {
      write(res, sent);
      access.request("POST", INCOMING_ROUTES[dialect], noted.status, started, noted);
    });
  });
  return { server, app };
}

/** The hook a POST is for, unless its path is escaped or its body encoded (gzip): Hono's turn. */
function incomingTarget(path: string, req: IncomingMessage): { dialect: Dialect; token: string } | undefined {
  const encoding = req.headers["content-encoding"];
  if (path.includes("%") || (encoding !== undefined && encoding !== "identity")) return undefined;
  for (const route of ROUTES) {
    const match = route.path.exec(path);
    if (match) return { dialect: route.dialect, token: match.at(-1)! };
  }
  return undefined;
}

/** The body, at most `limit` bytes; after an excess the connection closes once answered. */
async function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Result<Uint8Array, BodyError>> {
  const body = await readStreamLimited(req, limit, req.headers["content-length"]);
  if (!body.ok && body.error === "request_too_large") res.shouldKeepAlive = false;
  return body;
}

function write(res: ServerResponse, answer: SlackAnswer): void {
  // A body nobody read is not waited for: the connection closes once answered.
  if (!res.req.complete) res.shouldKeepAlive = false;
  // Answers are ASCII: a character is a byte.
  res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.length }).end(answer.body);
}

// ---------------------------------------------------------------------------------------------
// Slow and idle clients (docs/hostile-input.md): timeouts, bodies nobody reads, bytes in flight.

interface SlowClientGuard {
  readonly options: ServerOptions;
  /** Whether to go on with a request; false when it was answered (503) here. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

function slowClientGuard(services: Services): SlowClientGuard {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxInFlightBytes } = services.config.server;
  const { maxBodyBytes } = services.config.limits;
  let inFlight = 0;
  return {
    options: {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks the two request timeouts on this interval (default 30 s, too coarse for 10 s).
      connectionsCheckingInterval: Math.max(5, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
    },
    admit(req, res) {
      // HTTP/1.0 health checks (HAProxy's default) send no Host; the app needs one for its URL.
      req.headers.host ??= "localhost";
      // What this request may make the process hold: its declared length, else (chunked) the limit.
      const declared = Number(req.headers["content-length"]);
      const chunked = req.headers["transfer-encoding"] !== undefined;
      const bytes = chunked ? maxBodyBytes : Number.isFinite(declared) ? Math.min(declared, maxBodyBytes + 1) : 0;
      if (bytes > 0 && inFlight + bytes > maxInFlightBytes) {
        res.shouldKeepAlive = false;
        write(res, slackError({ code: "service_unavailable", retryAfterSeconds: 1 }));
        return false;
      }
      inFlight += bytes;
      res.once("close", () => (inFlight -= bytes));
      // Answered before its body was read (unknown token, refused): close rather than drain it.
      res.once("finish", () => {
        if (!req.complete) req.socket.end();
      });
      return true;
    },
  };
}
