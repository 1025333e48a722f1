/**
 * Reads `test/data/reference/captures/*.http`: raw HTTP requests as real senders sent them,
 * separated by `### request N …` / `### next request` lines and ended by `### end`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The test data, inside the repository so that a fresh clone tests alone: `corpus/` (real
 * payloads quoted in public threads; each folder's README says where from) and
 * `reference/captures/` (requests as real senders sent them).
 */
export const TEST_DATA = join(import.meta.dirname, "../data");
export const CAPTURES = join(TEST_DATA, "reference/captures");

export interface CapturedRequest {
  /** `file#n`, n counting from 1. */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  /** Header lines as sent, in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body bytes after the blank line (chunked framing kept as sent). */
  readonly body: Buffer;
}

export function header(req: CapturedRequest, name: string): string | undefined {
  return req.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

export function readCaptures(): CapturedRequest[] {
  const out: CapturedRequest[] = [];
  for (const file of readdirSync(CAPTURES)
    .filter((f) => f.endsWith(".http"))
    .sort()) {
    const text = readFileSync(join(CAPTURES, file), "latin1");
    const blocks = text.split(/^### (?:request \d+[^\n]*|next request)\n/m).slice(0);
    let n = 0;
    for (const raw of blocks) {
      const start = raw.search(/^(GET|POST|PUT|DELETE|PATCH) \S+ HTTP\/1\.[01]\r?$/m);
      if (start < 0) continue;
      const block = raw
        .slice(start)
        .replace(/\n### end[\s\S]*$/, "")
        .replace(/\n#[^\n]*(?:\n#[^\n]*)*\s*$/, "");
      const split = block.search(/\r?\n\r?\n/);
      const head = block.slice(0, split).split(/\r?\n/);
      let body = block.slice(split).replace(/^\r?\n\r?\n/, "");
      const [method, path] = head[0]!.split(" ");
      const headers = head.slice(1).map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()] as const;
      });
      const length = headers.find(([k]) => k.toLowerCase() === "content-length")?.[1];
      // The capture files end each request with a newline the sender did not send.
      if (length !== undefined) body = body.slice(0, Number(length));
      else if (/chunked/i.test(headers.find(([k]) => k.toLowerCase() === "transfer-encoding")?.[1] ?? "")) {
        const end = body.indexOf("\r\n0\r\n\r\n");
        body = end < 0 ? body : body.slice(0, end + 7);
      } else body = "";
      out.push({ id: `${file}#${++n}`, method: method!, path: path!, headers, body: Buffer.from(body, "latin1") });
    }
  }
  return out;
}

/**
 * Incoming-webhook requests: Slack `/services/T/B/token`, Mattermost `/hooks/token` or
 * Rocket.Chat `/hooks/id/token`.
 */
export const isIncomingWebhook = (r: CapturedRequest): boolean =>
  r.method === "POST" && /^\/(?:[\w/]*\/)?(services\/[^/]+\/[^/]+\/[^/]+|hooks\/[^/]+(?:\/[^/]+)?)$/.test(r.path);

/** Rocket.Chat's own incoming-webhook URL, `/hooks/{id}/{token}`. */
export const isRocketChatHook = (r: CapturedRequest): boolean => /\/hooks\/[^/]+\/[^/]+$/.test(r.path);
