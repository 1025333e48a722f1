/**
 * A Web API call's arguments, read as Slack reads them (docs/web-api.md): query-string
 * parameters, then the body (JSON, a form, or multipart with files) on top, in any mix. Nested
 * JSON (`attachments`, `blocks`, `metadata`, `files`) may come as a string in any of them.
 * Never throws: a body that cannot be read is a Slack error code.
 */
import { parseMediaType } from "../http/body.ts";

/** Arguments by name; a multipart file part is a `File`. Null prototype: any key is data. */
export type Args = Record<string, unknown>;

export type ArgsResult = { readonly ok: true; readonly value: Args } | { readonly ok: false; readonly error: string };

/** Fields Slack documents as JSON inside a form field or query parameter. */
const NESTED: Record<string, string> = {
  attachments: "invalid_attachments",
  blocks: "invalid_blocks_format",
  metadata: "invalid_metadata_format",
  files: "invalid_arguments",
};

const newArgs = (): Args => Object.create(null) as Args;

function merge(into: Args, entries: Iterable<[string, unknown]>): void {
  for (const [k, v] of entries) into[k] = v;
}

/** Query, then body on top (`search` as `URL.search` has it). */
export async function decodeArgs(search: string, contentType: string | null, bytes: Uint8Array): Promise<ArgsResult> {
  const args = newArgs();
  merge(args, new URLSearchParams(search));
  const media = parseMediaType(contentType);
  if (media.type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": contentType ?? "" },
      }).formData();
    } catch {
      return { ok: false, error: "invalid_form_data" };
    }
    merge(args, form.entries());
  } else {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes).trim();
    } catch {
      return { ok: false, error: media.type === "application/json" ? "invalid_json" : "invalid_form_data" };
    }
    const form = media.type === "application/x-www-form-urlencoded";
    if (text === "") {
      // nothing more
    } else if (media.type === "application/json" || (!form && text.startsWith("{"))) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, error: "invalid_json" };
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, error: "invalid_json" };
      merge(args, Object.entries(json));
    } else if (form || media.type === "" || media.type === "text/plain") {
      // Some clients send a form without saying so; Slack reads it as one.
      merge(args, new URLSearchParams(text));
    } else {
      return { ok: false, error: "invalid_form_data" };
    }
  }
  for (const [key, error] of Object.entries(NESTED)) {
    const v = args[key];
    if (typeof v !== "string") continue;
    if (v.trim() === "") {
      delete args[key];
      continue;
    }
    try {
      args[key] = JSON.parse(v);
    } catch {
      return { ok: false, error };
    }
  }
  return { ok: true, value: args };
}

/** A string argument (numbers as Slack's clients send them too), trimmed; "" → undefined. */
export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  const s = typeof v === "string" ? v.trim() : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
  return s === "" ? undefined : s;
}

/** Slack's booleans: `true`, `1` (also as strings); anything else is false. */
export function flag(args: Args, key: string): boolean {
  const v = args[key];
  return v === true || v === 1 || v === "true" || v === "1";
}

/** A whole number argument within [min, max], else `fallback`. */
export function int(args: Args, key: string, fallback: number, min: number, max: number): number {
  const v = str(args, key);
  if (v === undefined || !/^\d+$/.test(v)) return fallback;
  return Math.min(max, Math.max(min, Number(v)));
}
