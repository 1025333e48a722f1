/**
 * Config loading (docs/contract.md §2): JSON text + environment → a validated Config, or one line per
 * problem naming its key path. Pure, so the Node CLI and the Worker share it.
 */
import type * as z from "zod/mini";
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
    const offset = errorOffset(text, (e as Error).message);
    const where = offset === undefined ? "" : ` at ${lineColumn(text, offset)}`;
    return { ok: false, problems: [`config: not valid JSON${where}`] };
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, [], problems);
  const parsed = configSchema.safeParse(interpolated, { reportInput: true });
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
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(configSchema, issue.path);
    return issue.keys.map((k) => {
      const near = nearMiss(k, known);
      return `${formatPath([...issue.path, k])}: unknown key${near ? ` (did you mean "${near}"?)` : ""}`;
    });
  }
  return [`${formatPath(issue.path)}: ${explain(issue)}`];
}

/**
 * zod's own wording, replaced for the cases a config file gets wrong most: zod/mini loads no locale,
 * so it says "Invalid input"; with the English locale configured it says "Invalid input: expected …",
 * "Too small: …". Every check in the schema without its own message is one of those cases.
 */
const ZOD_DEFAULT = /^(Invalid|Too small|Too big)/;

function explain(issue: z.core.$ZodIssue): string {
  const custom = !ZOD_DEFAULT.test(issue.message);
  switch (issue.code) {
    case "invalid_type":
      // `input` is read only for its type: a value can be a secret, so it is never printed.
      return issue.input === undefined
        ? "is required"
        : `must be ${typeName(issue.expected)}, not ${valueType(issue.input)}`;
    case "invalid_value": {
      const shown =
        typeof issue.input === "string" && issue.input.length <= 40 ? ` (found ${JSON.stringify(issue.input)})` : "";
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${shown}`;
    }
    case "too_small":
      if (custom) return issue.message;
      if (issue.origin === "string") return `must be at least ${issue.minimum} characters`;
      if (issue.origin === "array")
        return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      if (custom) return issue.message;
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      if (issue.origin === "array") return `must have at most ${issue.maximum} items`;
      return `must be at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  boolean: "true or false",
  number: "a number",
  int: "a whole number",
  string: "a string",
  object: "an object ({…})",
  array: "a list ([…])",
  record: "an object ({…})",
};
const typeName = (expected: string): string => TYPE_NAMES[expected] ?? expected;

function valueType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" && !Number.isInteger(value)) return "a fraction";
  return (
    { string: "a string", number: "a number", boolean: "true/false", object: "an object" }[typeof value as string] ??
    typeof value
  );
}

/** The keys an object in the schema accepts at `path` (array indexes and wrappers looked through). */
function keysAt(schema: z.core.$ZodType, path: Path): string[] {
  let at: z.core.$ZodType | undefined = schema;
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType => {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) return unwrap(def.innerType);
    if (def.type === "pipe" && def.in) return unwrap(def.in);
    return s;
  };
  for (const key of path) {
    if (!at) return [];
    const def = unwrap(at)._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
    };
    at = typeof key === "number" ? def.element : def.shape?.[String(key)];
  }
  const def = at && (unwrap(at)._zod.def as { shape?: Record<string, z.core.$ZodType> });
  return def?.shape ? Object.keys(def.shape) : [];
}

/** The known key a typo most likely meant: same letters in another case, or at most two edits away. */
export function nearMiss(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(key.length / 3));
  for (const k of known) {
    if (k.toLowerCase() === lower) return k;
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestDistance) [best, bestDistance] = [k, d - 1];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Where JSON.parse stopped: V8 says `at position N`, or quotes up to 10 characters either side
 * of an unexpected token (`Unexpected token ',', ..."coming": [,]…" is not valid JSON`).
 */
function errorOffset(text: string, message: string): number | undefined {
  const at = /position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const quoted = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON/.exec(message);
  if (!quoted) return undefined;
  const [, token, cut, snippet] = quoted;
  const start = text.indexOf(snippet!);
  if (start < 0) return undefined;
  return cut ? start + 10 : start + snippet!.indexOf(token!);
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
