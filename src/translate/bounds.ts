/**
 * One request stays one request (docs/hostile-input.md): what a payload may cost to translate
 * and how many messages it may become are bounded, and whatever is cut is said in the message.
 *
 * - Work: before translation, `text` is cut to a number of characters per dialect, and the
 *   strings of `attachments` and `blocks` together to a budget; later items past it are dropped.
 *   Both budgets derive from `maxParts × maxMessageSize` (50,000 characters by default, a little
 *   over Slack's own 40,000), Markdown's at half of it because its parser costs about twice as
 *   much per character, and Markdown `text` also ends at its MARKDOWN_MARKUP_BUDGET-th markup
 *   character: marked spends some fifty times longer on one of those than on a letter
 *   (`npm run bench:translate`, "adversarial"; docs/hostile-input.md).
 * - Output: at most `maxParts` messages; the last one ends with a note of how much was left out.
 */
import type { TranslateContext } from "../model/context.ts";
import type { Dialect } from "./incoming.ts";
import { splitText } from "./split.ts";

/** Deeper structures than any real block or attachment are not walked (nor kept). */
const MAX_DEPTH = 24;

export const maxPartsOf = (ctx: TranslateContext): number => Math.max(1, ctx.maxParts ?? 10);

/**
 * Markup characters of Markdown `text` read: where marked's inline pass stops to try a rule.
 * A markup-rich document (this project's README) has some 1,400 in 25,000 characters.
 */
const MARKDOWN_MARKUP_BUDGET = 6_000;
const MARKDOWN_MARKUP = /[\\<![`*~_]/g;

/** Characters of `text` the translator reads, per dialect. */
export function textBudget(text: string, ctx: TranslateContext, dialect: Dialect): number {
  const total = maxPartsOf(ctx) * ctx.maxMessageSize;
  if (dialect !== "markdown") return total;
  const limit = Math.ceil(total / 2);
  MARKDOWN_MARKUP.lastIndex = 0;
  let seen = 0;
  for (let m = MARKDOWN_MARKUP.exec(text); m !== null && m.index < limit; m = MARKDOWN_MARKUP.exec(text))
    if (++seen > MARKDOWN_MARKUP_BUDGET) return m.index;
  return limit;
}

/** Characters of all the strings in attachments and blocks together. */
export const structureBudget = (ctx: TranslateContext): number => maxPartsOf(ctx) * ctx.maxMessageSize;

/** Counts what was cut across one request. */
export class CutCounter {
  chars = 0;
}

/** `text` within `limit` UTF-16 units, never splitting a surrogate pair; the excess is counted. */
export function cutText(text: string, limit: number, cut: CutCounter): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit);
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  cut.chars += text.length - end;
  return text.slice(0, end);
}

/**
 * A budget shared by several JSON values: strings are kept while it lasts, the one that crosses
 * it is cut, and once it is spent the remaining items of every list are dropped. Object keys and
 * non-string values cost nothing.
 */
export class StringBudget {
  #left: number;
  readonly #cut: CutCounter;

  constructor(chars: number, cut: CutCounter) {
    this.#left = chars;
    this.#cut = cut;
  }

  list<T>(items: readonly T[]): T[] {
    return this.#walk(items, 0) as T[];
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === "string") {
      const kept = cutText(value, this.#left, this.#cut);
      this.#left -= kept.length;
      return kept;
    }
    if (typeof value !== "object" || value === null) return value;
    if (depth > MAX_DEPTH) return Array.isArray(value) ? [] : {};
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        if (this.#left <= 0) {
          this.#cut.chars += stringLength(item, depth + 1);
          continue;
        }
        out.push(this.#walk(item, depth + 1));
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Own, enumerable data keys only (`__proto__` from JSON is an own key: define, not assign).
      Object.defineProperty(out, k, {
        value: this.#walk(v, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}

/** The characters of every string in a JSON value (bounded depth, as walked above). */
function stringLength(value: unknown, depth: number): number {
  if (typeof value === "string") return value.length;
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return 0;
  let n = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += stringLength(v, depth + 1);
  return n;
}

/** The note that ends a cut message. */
export const cutNote = (chars: number): string =>
  `_(… ${chars.toLocaleString("en-US")} more characters not shown: the message was too long)_`;

/**
 * `text` as at most `maxParts` parts of at most `max` characters; when anything was cut (here or
 * before translation, per `cut`), the last part ends with {@link cutNote}.
 */
export function boundedParts(text: string, max: number, maxParts: number, cut: CutCounter): string[] {
  const parts = text === "" ? [] : splitText(text, max);
  if (parts.length <= maxParts && cut.chars === 0) return parts.length === 0 ? [""] : parts;
  const kept = parts.slice(0, maxParts);
  for (const dropped of parts.slice(maxParts)) cut.chars += dropped.length;
  // Room for the note (whose own length depends on the count: leave a few digits spare).
  const room = max - cutNote(cut.chars * 10 + 10).length - 2;
  const last = kept.pop() ?? "";
  let body = last;
  if (last.length > room) {
    body = room > 0 ? splitText(last, room)[0]! : "";
    cut.chars += last.length - body.length;
  }
  const note = cutNote(cut.chars);
  kept.push(body.trimEnd() === "" ? note : `${body.trimEnd()}\n\n${note}`);
  return kept;
}
