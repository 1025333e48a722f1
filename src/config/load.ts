/**
 * Config loading (CONTRACT §2): JSON text + environment → a validated Config, or one line per
 * problem naming its key path. Pure, so the Node CLI and the Worker share it.
 */
import * as z from "zod";
import { configSchema, type Config } from "./schema.ts";

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Env = Readonly<Record<string, string | undefined>>;
type Path = ReadonlyArray<PropertyKey>;

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function loadConfig(text: string, env: Env): ConfigResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error, which may be a secret: report only where it is.
    const at = /position (\d+)/.exec((e as Error).message);
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : "";
    return { ok: false, problems: [`config: not valid JSON${where}`] };
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, [], problems);
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(describe));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: parsed.data! };
}

/** `${NAME}` anywhere in a string value is replaced by the environment variable NAME. */
function interpolate(value: unknown, env: Env, path: Path, problems: string[]): unknown {
  if (typeof value === "string") {
    return value.replace(VARIABLE, (whole, name: string) => {
      // Own keys only: `${constructor}` is not a variable.
      const v = Object.hasOwn(env, name) ? env[name] : undefined;
      if (typeof v !== "string") {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return whole;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], problems));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], problems)]));
  }
  return value;
}

/** `incoming[1].token` */
export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  return out || "config";
}

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`);
  const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
  return [`${formatPath(issue.path)}: ${message}`];
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
