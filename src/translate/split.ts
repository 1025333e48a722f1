/**
 * Long message text → several messages, each within Rocket.Chat's `Message_MaxAllowedSize`
 * (UTF-16 code units, default 5000; docs/rocketchat.md §2.5). Rocket.Chat refuses a longer message
 * outright, and the contract says text is split, never cut off.
 *
 * A part ends at the last paragraph break (blank line) in its window, else the last line break,
 * else the last space; a better kind of break is only preferred while it still fills at least
 * half the part, so a paragraph break near the start does not leave a tiny message. Breaks are
 * never taken inside a ``` fence, a `[label](url)` link, a `<…>`, inline code or an emoji
 * shortcode. A fence longer than a whole part is closed at a line of its own and reopened, with
 * its language, in the next part, so each part renders as code on its own. Text without any
 * break in reach (one huge word or URL) is cut hard, but never inside a surrogate pair or
 * before a joiner/variation selector/skin tone.
 *
 * Linear: one pass finds fences, protected spans and break candidates; each part then costs a
 * binary search over the candidates.
 */

interface Fence {
  /** Index of the opening line; `end` is just past the closing ``` (before its newline). */
  readonly start: number;
  readonly bodyStart: number;
  /** Index of the closing ``` line. */
  readonly closeStart: number;
  readonly end: number;
  /** The opening fence line as reopened in the next part, e.g. "```js\n". */
  readonly reopen: string;
  /** Too long for one part and cheap enough to reopen: its own lines are break candidates. */
  readonly cuttable: boolean;
}

interface Break {
  /** The part ends here (exclusive); the next part starts at `next`. */
  readonly end: number;
  readonly next: number;
  /** `end` plus what the part has to add: 4 for the "\n```" that closes a cut fence. */
  readonly cost: number;
  readonly fence: Fence | undefined;
}

// Inline spans a break must not fall into. None crosses a line, and each alternative is
// bounded by a character it cannot contain, so scanning stays linear.
const PROTECTED = /\[(?:[^[\]\\\n]|\\.)*\]\([^()\s]*\)|<[^<>\n]*>|`[^`\n]+`|:[\w+-]+:/g;
const FENCE_OPEN = /^ {0,3}```([^`\n]*)$/;
const FENCE_CLOSE = /^ {0,3}```[ \t\r]*$/;
const FENCE_CLOSER = "\n```";

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;
const isSpace = (c: number): boolean => c === 32 || c === 9;

export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  if (!(max >= 1)) throw new RangeError(`splitText: max must be at least 1, got ${max}`);
  const limitMax = Math.floor(max);

  let n = text.length;
  while (n > 0 && isBlank(text.charCodeAt(n - 1))) n--;
  const fences = findFences(text, n, limitMax);
  const spans = findSpans(text, fences);
  const tiers = findBreaks(text, n, fences, spans);

  const parts: string[] = [];
  let s = skipBlankLines(text, 0, n);
  let prefix = "";
  while (s < n) {
    const budget = limitMax - prefix.length;
    if (n - s <= budget) {
      const rest = text.slice(s, n);
      if (prefix !== "" || rest.trim() !== "") parts.push(prefix + rest);
      break;
    }
    const cut = chooseBreak(tiers, s, budget) ?? hardCut(text, s, budget, fences, spans);
    let end = cut.end;
    while (end > s && isBlank(text.charCodeAt(end - 1))) end--;
    const body = text.slice(s, end);
    if (cut.fence !== undefined) {
      parts.push(prefix + body + FENCE_CLOSER);
      prefix = cut.fence.reopen;
    } else {
      // A part of only (Unicode) spaces shows nothing.
      if (prefix !== "" || body.trim() !== "") parts.push(prefix + body);
      prefix = "";
    }
    s = skipBlankLines(text, cut.next, n);
  }
  return parts;
}

/** Past any whitespace-only lines starting at `i`, keeping the indentation of the next line. */
function skipBlankLines(text: string, i: number, n: number): number {
  let pos = i;
  let j = i;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 10) pos = j + 1;
    else if (!isBlank(c)) break;
    j++;
  }
  return j >= n ? n : pos;
}

/** Closed ``` fences, found line by line (Rocket.Chat reads a fence only on lines of its own). */
function findFences(text: string, n: number, max: number): Fence[] {
  const fences: Fence[] = [];
  let open: { start: number; bodyStart: number; lang: string } | undefined;
  for (let lineStart = 0; lineStart < n; ) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0 || lineEnd > n) lineEnd = n;
    let k = lineStart;
    while (k < lineStart + 3 && text.charCodeAt(k) === 32) k++;
    // Cheap pre-check so ordinary lines never reach the regexes.
    if (text.startsWith("```", k)) {
      const line = text.slice(lineStart, lineEnd);
      if (open === undefined) {
        const m = FENCE_OPEN.exec(line.endsWith("\r") ? line.slice(0, -1) : line);
        if (m) open = { start: lineStart, bodyStart: Math.min(lineEnd + 1, n), lang: m[1]!.trim() };
      } else if (FENCE_CLOSE.test(line)) {
        const reopen = "```" + open.lang + "\n";
        const end = lineStart + line.trimEnd().length;
        // A reopened part must still have room for content: reopen + close within half a part.
        const cuttable = end - open.start > max && (reopen.length + FENCE_CLOSER.length) * 2 < max;
        const { start, bodyStart } = open;
        fences.push({ start, bodyStart, closeStart: lineStart, end, reopen, cuttable });
        open = undefined;
      }
    }
    lineStart = lineEnd + 1;
  }
  // An unclosed fence is plain text to Rocket.Chat, so it is split as prose.
  return fences;
}

/** Protected inline spans outside fences, in order, as [start, end) pairs. */
function findSpans(text: string, fences: readonly Fence[]): number[] {
  const spans: number[] = [];
  let f = 0;
  for (const m of text.matchAll(PROTECTED)) {
    while (f < fences.length && fences[f]!.end <= m.index) f++;
    const fence = fences[f];
    if (fence !== undefined && fence.start <= m.index) continue;
    spans.push(m.index, m.index + m[0].length);
  }
  return spans;
}

/**
 * Break candidates sorted by position, in nested tiers: tiers[0] paragraph breaks, tiers[1] also
 * line breaks, tiers[2] everything (spaces and lines inside long fences too).
 */
function findBreaks(text: string, n: number, fences: readonly Fence[], spans: readonly number[]): Break[][] {
  const tiers: Break[][] = [[], [], []];
  const add = (b: Break, tier: number): void => {
    for (let t = tier; t < 3; t++) tiers[t]!.push(b);
  };
  let f = 0;
  let sp = 0;
  let lineHasText = false;
  for (let i = 0; i < n; ) {
    const fence = fences[f];
    if (fence !== undefined && i === fence.start) {
      if (fence.cuttable) {
        // Every line end inside the body but the last: cutting there leaves code on both sides.
        let j = text.indexOf("\n", fence.bodyStart);
        for (; j >= 0 && j < fence.closeStart - 1; j = text.indexOf("\n", j + 1)) {
          add({ end: j, next: j + 1, cost: j + FENCE_CLOSER.length, fence }, 2);
        }
      }
      i = fence.end;
      f++;
      lineHasText = true;
      continue;
    }
    if (sp < spans.length && i === spans[sp]) {
      i = spans[sp + 1]!;
      sp += 2;
      lineHasText = true;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 10) {
      let last = i;
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 10) last = j;
        else if (!isBlank(d)) break;
        j++;
      }
      add({ end: i, next: last + 1, cost: i, fence: undefined }, last > i ? 0 : 1);
      i = last + 1;
      lineHasText = false;
    } else if (isSpace(c)) {
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      // Only between words: leading indentation and trailing spaces are not word breaks.
      if (lineHasText && j < n && !isBlank(text.charCodeAt(j))) {
        add({ end: i, next: j, cost: i, fence: undefined }, 2);
      }
      i = j;
    } else {
      lineHasText = true;
      i++;
    }
    // Never skip past a fence or span start while scanning a run.
    while (f < fences.length && fences[f]!.start < i) f++;
    while (sp < spans.length && spans[sp]! < i) sp += 2;
  }
  return tiers;
}

/** The best candidate for a part starting at `s`, or undefined when none is in reach. */
function chooseBreak(tiers: readonly Break[][], s: number, budget: number): Break | undefined {
  const limit = s + budget;
  let furthest: Break | undefined;
  for (const tier of tiers) {
    const b = lastWithin(tier, limit);
    if (b === undefined || b.end <= s) continue;
    if (b.cost - s >= budget / 2) return b;
    furthest = b;
  }
  return furthest;
}

/** The last candidate whose cost is ≤ limit (candidates are sorted by cost). */
function lastWithin(tier: readonly Break[], limit: number): Break | undefined {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tier[mid]!.cost <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? tier[lo - 1] : undefined;
}

/** No break in reach: cut at the budget, backing out of a span or fence that starts after `s`. */
function hardCut(text: string, s: number, budget: number, fences: readonly Fence[], spans: readonly number[]): Break {
  let c = s + budget;
  const fence = containing(fences, c);
  if (fence !== undefined) {
    const closeAt = Math.min(c - FENCE_CLOSER.length, fence.closeStart - 1);
    if (fence.cuttable && closeAt > Math.max(s, fence.bodyStart)) {
      const at = graphemeSafe(text, s, closeAt);
      return { end: at, next: at, cost: at + FENCE_CLOSER.length, fence };
    }
    // A fence that fits in a part of its own starts the next part; a bigger one that cannot be
    // reopened (`max` too small for its fence lines) is split like prose.
    if (fence.start > s) c = fence.start;
  } else {
    const span = containingSpan(spans, c);
    if (span !== undefined && span > s) c = span;
  }
  c = graphemeSafe(text, s, c);
  return { end: c, next: c, cost: c, fence: undefined };
}

/**
 * Move a cut back off a low surrogate, joiner, variation selector, combining mark or skin tone.
 * Splitting a surrogate pair is never acceptable; the rest only while the part keeps a character.
 */
function graphemeSafe(text: string, s: number, cut: number): number {
  let c = cut;
  for (let k = 0; k < 16 && c > s + 1; k++) {
    const here = text.charCodeAt(c);
    const before = text.charCodeAt(c - 1);
    const skinTone = here === 0xd83c && text.charCodeAt(c + 1) >= 0xdffb && text.charCodeAt(c + 1) <= 0xdfff;
    const joined =
      here === 0x200d ||
      before === 0x200d ||
      (here >= 0xfe00 && here <= 0xfe0f) ||
      (here >= 0x300 && here <= 0x36f) ||
      here === 0x20e3;
    if (!splitsPair(text, c) && !skinTone && !joined) break;
    c--;
  }
  if (!splitsPair(text, c)) return c;
  // Backing off ran into the start of the part: honour only the surrogate rule.
  return splitsPair(text, cut) && cut - 1 > s ? cut - 1 : cut;
}

const splitsPair = (text: string, at: number): boolean => {
  const here = text.charCodeAt(at);
  const before = text.charCodeAt(at - 1);
  return here >= 0xdc00 && here <= 0xdfff && before >= 0xd800 && before <= 0xdbff;
};

function containing(fences: readonly Fence[], pos: number): Fence | undefined {
  let lo = 0;
  let hi = fences.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fences[mid]!.end <= pos) lo = mid + 1;
    else hi = mid;
  }
  const f = fences[lo];
  return f !== undefined && f.start < pos ? f : undefined;
}

/** The start of the span strictly containing `pos`, if any. */
function containingSpan(spans: readonly number[], pos: number): number | undefined {
  let lo = 0;
  let hi = spans.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid * 2 + 1]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  const start = spans[lo * 2];
  return start !== undefined && start < pos ? start : undefined;
}
