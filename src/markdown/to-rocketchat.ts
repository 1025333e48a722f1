/**
 * Standard Markdown (CommonMark + GFM, what Mattermost and Slack `markdown` blocks send) →
 * Rocket.Chat's dialect.
 *
 * marked's lexer reads the input; the tokens are written back out for one of two renderers:
 *
 * - `"message"`: message text, parsed by @rocket.chat/message-parser (docs/rocketchat.md §5.2).
 *   `*b*` is bold, `_i_` italic, `~s~` strike; every line is its own paragraph; lists cannot nest;
 *   fences need their own lines; tables and `---` exist only on RC 8.7+ (`ctx.tables`).
 * - `"attachment"`: attachment `text`, rendered by the web client with marked (GFM) after
 *   HTML-escaping (docs/rocketchat.md §3.3). `*x*` is not reliably bold there, so bold is `**x**`; `>` quotes are
 *   escaped away, so quotes are written as literal "> " lines.
 *
 * Escaping (message). Rocket.Chat's parser honours a backslash only before `# * . _ \` ~`, and
 * not at all inside bold/italic/strike or link labels (checked against the real parser, 0.32.0,
 * and fuzzed in the tests). So:
 * - literal `*`, `~` and backticks are always escaped (`a * b * c` is bold in RC); `_` is left
 *   alone inside a plain word (`snake_case`, see `intraword`) and escaped elsewhere;
 * - inside emphasis, a literal that needs escaping closes the emphasis around itself
 *   (`*a*\**b*` for a bold "a*b"); so does inline code or a link glued to a word there;
 * - line starts that RC would read as markup (`- `, `>`, `|`, `---`) get a zero-width space in
 *   front, `# ` and `1. ` a backslash; `||`, `](` and a `!` before a link get a zero-width space;
 * - `_x_` is not italic in RC when a letter or digit touches it (`a_x_`), and `(*x*)`, `=*x*`
 *   or `Note:*x*` are not bold (RC sees the emoticons `*)`, `=*`, or a URL scheme), so a
 *   zero-width space separates such delimiters from their neighbours.
 * Everything else (mentions, `:emoji:`, bare URLs) is passed through for RC to recognise.
 * Known limit: in a word that RC takes for a host name without a real TLD (`1.0~rc1`, `a.b*`),
 * RC ignores escapes and shows the backslash (the markup stays literal, which is what counts).
 *
 * Cost (docs/hostile-input.md). marked's emphasis scan is quadratic in the number of unmatched
 * `*`/`_` delimiters, and its container parsing recurses once per nesting level. Inline runs over
 * a fixed budget are lexed in pieces, with the delimiters nothing could close escaped
 * (escapeUnclosable); the closer scans of one message share a budget (ScanBudgetTokenizer); and
 * markers nested deeper than MAX_NESTING containers, on the line or by indentation, are escaped,
 * so any input is handled in roughly linear time. Any unexpected failure falls back to escaped
 * text.
 */
import { Lexer, Tokenizer, getDefaults } from "marked";
import type { MarkedToken, Token, Tokens } from "marked";
import { replaceEach } from "../text/replace.ts";
import { withLineFeeds } from "../text/newlines.ts";
import { gfmTable, monospaceTable } from "../text/table.ts";
import { trimOf } from "../text/trim.ts";
import type { TranslateContext } from "../model/context.ts";

export type MarkdownTarget = "message" | "attachment";

interface Options {
  readonly message: boolean;
  readonly tables: boolean;
}

/** Inline rendering state: which emphasis is open, and how literal text must be written. */
interface InlineState {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly strike: boolean;
  /** Link label. RC parses markup there but ignores backslash escapes; marked needs `\(`. */
  readonly label: boolean;
  /** Monospace table cell: plain text, no markup at all. */
  readonly plain: boolean;
}

const TOP: InlineState = { bold: false, italic: false, strike: false, label: false, plain: false };
const PLAIN: InlineState = { ...TOP, plain: true };

// Private-use sentinels, resolved once an inline run is complete (removed from the input first).
const ESC_OPEN = "\uE000"; // start of an escaped character ("\*")
const ESC_CLOSE = "\uE001"; // end of an escaped character
const ITALIC_OPEN = "\uE002";
const ITALIC_CLOSE = "\uE003";
const LITERAL_BACKSLASH = "\uE004";
const BOLD_OPEN = "\uE005";
const BOLD_CLOSE = "\uE006";
const SENTINELS = /[\uE000-\uE006]/g;
const HAS_SENTINEL = /[\uE000-\uE006]/;

const ZWSP = "\u200B";
const NBSP = "\u00A0";
/** One level of visual indentation for flattened nested list items (RC lists cannot nest). */
const INDENT = NBSP.repeat(4);
/** Horizontal rule before RC 8.7 (no HORIZONTAL_RULE node) and inside quotes. */
const RULE = "———";

/** Nested `>`/list markers on one line beyond this are escaped (marked recurses per level). */
const MAX_NESTING = 10;
/** `*`/`_` count × length of an inline run above which it is lexed in pieces. */
const INLINE_BUDGET = 100_000;

/**
 * Markdown longer than this is shown as literal text instead of being parsed. Slack caps a
 * message at 40,000 characters and Mattermost at 16,383; past that, a body built to be slow to
 * parse (marked's emphasis scan) would cost seconds of CPU per request.
 */
const MAX_PARSED_LENGTH = 64 * 1024;

/**
 * Converts Markdown to Rocket.Chat's dialect for message text (default) or attachment text.
 * Never throws: any input string gives a string.
 */
export function markdownToRocketChat(
  markdown: string,
  ctx: TranslateContext,
  target: MarkdownTarget = "message",
): string {
  const o: Options = { message: target !== "attachment", tables: ctx?.tables !== false };
  const src = normalise(typeof markdown === "string" ? markdown : String(markdown ?? ""));
  if (src.trim() === "") return "";
  if (src.length > MAX_PARSED_LENGTH) return fallback(src, o);
  try {
    return renderBlocks(lex(src), o);
  } catch {
    return fallback(src, o);
  }
}

// ───────────────────────────── lexing ─────────────────────────────

function normalise(src: string): string {
  const lf = withLineFeeds(src);
  return HAS_SENTINEL.test(lf) ? lf.replace(SENTINELS, "") : lf;
}

/** `marked.lexer`, but with the inline pass budgeted (see the module comment). */
function lex(src: string): Token[] {
  // Fresh options: marked stores its tokenizer on the options object it is given.
  const tokenizer = new ScanBudgetTokenizer();
  const lexer = new Lexer({ ...getDefaults(), gfm: true, breaks: false, tokenizer });
  const tokens = lexer.blockTokens(capNesting(src), lexer.tokens);
  for (let i = 0; i < lexer.inlineQueue.length; i++) {
    const next = lexer.inlineQueue[i]!;
    lexer.state.inRawBlock = false;
    const pieces = inlinePieces(next.src);
    // Over budget: unclosable delimiters are escaped (see escapeUnclosable); normal text is one piece.
    const over = pieces.length > 1 || emphasisCost(next.src, 0, next.src.length) > INLINE_BUDGET;
    for (const piece of pieces) lexer.inlineTokens(over ? escapeUnclosable(piece) : piece, next.tokens);
  }
  lexer.inlineQueue = [];
  return tokens;
}

/** Characters marked's closer scans (emphasis, strike) may read in one message; see ScanBudgetTokenizer. */
const SCAN_BUDGET = 100_000;

/**
 * marked's tokenizer with a budget on its closer scans: each `*`, `_` or `~` run that may open
 * reads ahead for its closer, which is quadratic in the worst case (docs/hostile-input.md). Once
 * one message's scans have read SCAN_BUDGET characters, further delimiters are text. The count
 * is of characters, not time, so a given input always gives the same output.
 *
 * How far a scan read is taken from its closer rule's `lastIndex`: marked resets it to 0 before
 * the scan and leaves it after the last match read (0 again when the scan ran to the end).
 */
class ScanBudgetTokenizer extends Tokenizer {
  private scanned = 0;

  override emStrong(src: string, maskedSrc: string, prevChar?: string) {
    if (this.scanned > SCAN_BUDGET) return undefined;
    const inline = this.rules.inline;
    const rule = src[0] === "*" ? inline.emStrongRDelimAst : inline.emStrongRDelimUnd;
    return this.charged(rule, src.length, () => super.emStrong(src, maskedSrc, prevChar));
  }

  override del(src: string, maskedSrc: string, prevChar?: string) {
    if (this.scanned > SCAN_BUDGET) return undefined;
    const rule = this.rules.inline.delRDelim;
    return this.charged(rule, src.length, () => super.del(src, maskedSrc, prevChar));
  }

  /**
   * Runs one scan and adds what it read. A match lexes its content at once (nested scans of the
   * same rule), so each call puts back the `lastIndex` it found for the scan around it.
   */
  private charged<T>(rule: RegExp, rest: number, scan: () => T): T {
    const outer = rule.lastIndex;
    rule.lastIndex = NOT_SCANNED;
    const token = scan();
    if (rule.lastIndex !== NOT_SCANNED) this.scanned += rule.lastIndex === 0 ? rest : rule.lastIndex;
    rule.lastIndex = outer;
    return token;
  }
}
const NOT_SCANNED = -1;

function emphasisCost(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 42 || c === 95) n++; // * _
  }
  return n * (to - from);
}

/**
 * Splits an inline run whose emphasis cost is over budget: greedily, preferring to cut after a
 * newline, then after a space, else anywhere. Linear; normal text is one piece.
 */
function inlinePieces(s: string): string[] {
  if (emphasisCost(s, 0, s.length) <= INLINE_BUDGET) return [s];
  const pieces: string[] = [];
  let start = 0;
  let delims = 0;
  let lastNewline = -1;
  let lastSpace = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 42 || c === 95) delims++;
    if (delims * (i + 1 - start) > INLINE_BUDGET && i > start) {
      const cut = lastNewline > start ? lastNewline : lastSpace > start ? lastSpace : i;
      pieces.push(s.slice(start, cut));
      start = cut;
      delims = 0;
      for (let j = start; j <= i; j++) {
        const d = s.charCodeAt(j);
        if (d === 42 || d === 95) delims++;
      }
      lastNewline = lastSpace = -1;
    }
    if (c === 10) lastNewline = i + 1;
    else if (c === 32) lastSpace = i + 1;
  }
  if (start < s.length) pieces.push(s.slice(start));
  return pieces;
}

const WS = /\s/;
const PUNCT = /[\p{P}\p{S}]/u;
const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
/** Whether `s[i]` is a backslash that escapes the next character. */
const escapes = (s: string, i: number): boolean => s[i] === "\\" && ASCII_PUNCT.test(s[i + 1] ?? "");
const URL_START = /^(?:https?:\/\/|ftp:\/\/|www\.)[a-zA-Z0-9-]/i;
const EMAIL_NAME = /[A-Za-z0-9._+-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9._-]/;
/** Left as written, but its delimiters may still close emphasis. */
const KEEP = 1;
/** Hidden from emphasis as marked hides it: left as written, its delimiters close nothing. */
const HIDDEN = 2;

/** Marks the code spans of `s` HIDDEN (no backslash before a backtick in `s`). */
function markCodeSpans(s: string, protect: Uint8Array): void {
  const runs: Array<[start: number, length: number]> = [];
  for (let i = 0; i < s.length; i++) {
    if (escapes(s, i)) {
      i++;
      continue;
    }
    if (s[i] !== "`") continue;
    let j = i;
    while (s[j] === "`") j++;
    runs.push([i, j - i]);
    i = j - 1;
  }
  const nextSame = new Array<number>(runs.length).fill(-1);
  const lastOfLength = new Map<number, number>();
  for (let r = runs.length - 1; r >= 0; r--) {
    nextSame[r] = lastOfLength.get(runs[r]![1]) ?? -1;
    lastOfLength.set(runs[r]![1], r);
  }
  for (let r = 0; r < runs.length; r++) {
    const close = nextSame[r]!;
    if (close < 0) continue;
    const [closeStart, closeLength] = runs[close]!;
    protect.fill(HIDDEN, runs[r]![0], closeStart + closeLength);
    r = close;
  }
}

/**
 * Where escapeUnclosable must not add a backslash: code spans, which marked hides from
 * emphasis (HIDDEN), and `<…>` (autolinks, tags), bare URLs and e-mail addresses, where a
 * backslash would show (KEEP: their delimiters still count as closers). Linear.
 */
function protectedChars(s: string): Uint8Array {
  const protect = new Uint8Array(s.length);
  // Code spans: a backtick run is closed by the next run of the same length. A backslash
  // before a backtick may or may not escape it (not inside a span): then everything from the
  // first backtick to the last is KEEP.
  if (s.includes("\\`")) protect.fill(KEEP, s.indexOf("`"), s.lastIndexOf("`") + 1);
  else markCodeSpans(s, protect);
  // `<…>` (to the first `>`, no `<` between): perhaps an autolink or a tag.
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (protect[i]) continue;
    if (escapes(s, i)) i++;
    else if (c === "<") {
      let j = i + 1;
      while (j < s.length && s[j] !== ">" && s[j] !== "<") j++;
      if (s[j] === ">") {
        protect.fill(KEEP, i, j + 1);
        i = j;
      }
    }
  }
  // E-mail addresses (which marked links: the name before `@`, the domain after) and bare
  // URLs (to the next space or `<`, which may be past a `>`).
  const keep = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (protect[k] === 0) protect[k] = KEEP;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (protect[i] === HIDDEN) continue;
    if (c === "@") {
      let k = i;
      while (k > 0 && protect[k - 1] !== HIDDEN && EMAIL_NAME.test(s[k - 1]!)) k--;
      let j = i + 1;
      while (j < s.length && EMAIL_DOMAIN.test(s[j]!)) j++;
      keep(k, j);
    } else if ("hHfFwW".includes(c) && URL_START.test(s.slice(i, i + 9))) {
      let j = i;
      while (j < s.length && s[j] !== "<" && !WS.test(s[j]!)) j++;
      keep(i, j);
      i = j - 1;
    }
  }
  return protect;
}

/**
 * Escapes, in an inline run over the emphasis budget, each `*`/`_` run that could open emphasis
 * (and not close it) but has no run of the same character after it that could close it:
 * marked would scan the rest of the run for a closer, for each of them in vain (`**a_`
 * repeated is quadratic), and they are literal text anyway, which a backslash keeps them.
 * "Could close" is read liberally (preceded by a non-space, and not punctuation followed by a
 * letter), so a delimiter marked might match is never escaped. Nothing is escaped in code
 * spans, autolinks, tags or URLs, nor right before another delimiter. Linear.
 */
export function escapeUnclosable(s: string): string {
  const protect = protectedChars(s);
  const starts: number[] = [];
  const ends: number[] = [];
  const escapable: boolean[] = [];
  const canClose: boolean[] = [];
  const canOpen: boolean[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!protect[i] && escapes(s, i)) {
      i++;
      continue;
    }
    if ((c !== "*" && c !== "_") || protect[i] === HIDDEN) continue;
    let j = i;
    while (s[j] === c && protect[j] === protect[i]) j++;
    const prev = s[i - 1];
    const next = s[j];
    const nextWord = next !== undefined && !WS.test(next) && !PUNCT.test(next);
    const prevWord = prev !== undefined && !WS.test(prev) && !PUNCT.test(prev);
    const close = prev !== undefined && !WS.test(prev) && !(PUNCT.test(prev) && prev !== "~" && nextWord);
    starts.push(i);
    ends.push(j);
    canClose.push(close);
    canOpen.push(next !== undefined && !WS.test(next) && !(PUNCT.test(next) && prevWord));
    // Not before another delimiter: after an escape, marked forgets the previous character,
    // which decides whether a `*`, `_` or `~` there opens. Nor right after an escaped one.
    const afterEscape = i >= 2 && escapes(s, i - 2);
    escapable.push(
      !protect[i] && !close && !afterEscape && next !== undefined && !WS.test(next) && !DELIMITERS.has(next),
    );
    i = j - 1;
  }
  const toEscape = new Array<boolean>(starts.length).fill(false);
  let closerOfStar = false;
  let closerOfUnderscore = false;
  let any = false;
  const char = (r: number): string | undefined => (r >= 0 ? s[starts[r]!] : undefined);
  for (let r = starts.length - 1; r >= 0; r--) {
    const c = char(r)!;
    const star = c === "*";
    // marked skips a `*` between `__` and `__` right after a `*` opener (and `_` between `**`s
    // after a `_` one): escaping either pair would change that, so they are left.
    const other = star ? "_" : "*";
    const pairAfterOpener =
      char(r - 1) === other && (canOpen[r - 1] || (char(r - 2) === c && char(r - 3) === other && canOpen[r - 3]));
    if (escapable[r] && !pairAfterOpener && !(star ? closerOfStar : closerOfUnderscore)) toEscape[r] = any = true;
    if (canClose[r]) {
      if (star) closerOfStar = true;
      else closerOfUnderscore = true;
    }
  }
  if (!any) return s;
  let out = "";
  let copied = 0;
  for (let r = 0; r < starts.length; r++) {
    if (!toEscape[r]) continue;
    out += s.slice(copied, starts[r]);
    for (let k = starts[r]!; k < ends[r]!; k++) out += `\\${s[k]}`;
    copied = ends[r]!;
  }
  return out + s.slice(copied);
}

/**
 * Escapes the container markers (`>`, `-`, `+`, `*`, `1.`) beyond MAX_NESTING levels, so the
 * block lexer never recurses deeper than that. Levels are those on the line itself
 * (`> > - x`) plus the list items it is indented into: each list item is open, for the lines
 * after it, while they are indented to its content column (and less than 4 columns past the
 * innermost, which would be code or text), until a line indented less ends it. Lines in
 * ``` or ~~~ fences at the start of a line are left alone. Linear.
 */
const BLANK = new Set([" ", "\t"]);
const FENCE = /^[ \t]*(`{3,}|~{3,})/;

function capNesting(src: string): string {
  let out = "";
  let copied = 0;
  let changed = false;
  let lineStart = 0;
  /** Content columns (from the line start) of the list items open above this line. */
  const items: number[] = [];
  let fence = "";
  let previousBlank = false;
  while (lineStart < src.length) {
    let end = src.indexOf("\n", lineStart);
    if (end < 0) end = src.length;
    const line = src.slice(lineStart, end);
    const fenceMark = FENCE.exec(line)?.[1];
    if (fence !== "") {
      if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = "";
      lineStart = end + 1;
      continue;
    }
    if (fenceMark !== undefined) fence = fenceMark;
    const blank = line.trim() === "";
    let i = lineStart;
    let depth = 0;
    let listSeen = false;
    for (;;) {
      while (i < end && (src[i] === " " || src[i] === "\t")) i++;
      if (i >= end) break;
      const c = src[i]!;
      let markerEnd = -1;
      let list = false;
      if (c === ">") markerEnd = i + 1;
      else if ((c === "-" || c === "+" || c === "*") && BLANK.has(src[i + 1] ?? "")) {
        markerEnd = i + 1;
        list = true;
      } else if (c >= "0" && c <= "9") {
        let j = i;
        while (j < end && j - i < 9 && src[j]! >= "0" && src[j]! <= "9") j++;
        if ((src[j] === "." || src[j] === ")") && BLANK.has(src[j + 1] ?? "")) markerEnd = j + 1;
        list = markerEnd >= 0;
      }
      const column = i - lineStart;
      if (list && !listSeen) {
        // The first list marker of the line: the items it is indented into count as levels.
        listSeen = true;
        while (items.length > 0 && items.at(-1)! > column) items.pop();
        if (column >= (items.at(-1) ?? 0) + 4) break; // code or text, not a list item
        depth += items.length;
      } else if (markerEnd < 0 && !listSeen && previousBlank && !blank) {
        // Text after a blank line ends the items it is not indented into.
        while (items.length > 0 && items.at(-1)! > column) items.pop();
      }
      if (markerEnd < 0) break;
      if (++depth > MAX_NESTING) {
        const at = c >= "0" && c <= "9" ? markerEnd - 1 : i;
        out += src.slice(copied, at) + "\\";
        copied = at;
        changed = true;
        break;
      }
      if (list) items.push(markerEnd - lineStart + 1);
      i = markerEnd;
    }
    if (!blank) previousBlank = false;
    else previousBlank = true;
    lineStart = end + 1;
  }
  return changed ? out + src.slice(copied) : src;
}

// ───────────────────────────── blocks ─────────────────────────────

function renderBlocks(tokens: readonly Token[], o: Options): string {
  const out: string[] = [];
  for (const token of tokens) {
    const block = renderBlock(token, o);
    if (block !== "") out.push(block);
  }
  return out.join("\n\n");
}

function renderBlock(token: Token, o: Options): string {
  const t = token as MarkedToken;
  switch (t.type) {
    case "space":
    case "def":
      return "";
    case "paragraph":
    case "text":
      return joinLines(blockTextLines(t, o), o);
    case "heading":
      return heading(t, o);
    case "code":
      return o.message ? messageFence(t.text, t.lang) : markdownFence(t.text, t.lang);
    case "blockquote":
      return joinLines(quoteLines(t.tokens, o), o);
    case "list":
      return o.message ? messageList(t, o, 0).join("\n") : markdownList(t, o);
    case "table":
      return table(t, o);
    case "hr":
      return !o.message || o.tables ? "---" : RULE;
    case "html":
      return joinLines(htmlLines(t.text, o), o);
    default:
      return typeof token.raw === "string" ? joinLines(literalLines(token.raw, o), o) : "";
  }
}

/** Lines of one paragraph: message lines are RC paragraphs; attachment lines need hard breaks. */
function joinLines(lines: readonly string[], o: Options): string {
  if (o.message) return lines.join("\n");
  // marked joins soft-broken lines into one; a trailing backslash is a CommonMark hard break.
  return lines.map((l) => (l === "" ? NBSP : l)).join("\\\n");
}

function blockTextLines(t: Tokens.Paragraph | Tokens.Text, o: Options): string[] {
  return t.tokens ? inlineLines(t.tokens, o, TOP) : literalLines(t.text, o);
}

function heading(t: Tokens.Heading, o: Options): string {
  const level = t.depth;
  if (level <= 4) {
    const text = inlineLines(t.tokens, o, TOP).join(" ");
    return text === "" ? "" : `${"#".repeat(level)} ${text}`;
  }
  // Rocket.Chat has no h5/h6 ("##### T" stays plain text): a bold line instead.
  return boldLine(t.tokens, o);
}

function boldLine(tokens: readonly Token[], o: Options): string {
  const raw = renderInline(tokens, o, { ...TOP, bold: true }).replace(NEWLINES, " ");
  return finishInline(wrap(raw, "bold", o), o).join(" ");
}

/** Everything inside a quote becomes paragraph lines: an RC QUOTE holds paragraphs only. */
function quoteLines(tokens: readonly Token[], o: Options): string[] {
  return flatLines(tokens, o).map((l) => (l === "" ? ">" : `> ${l}`));
}

/** Blocks as plain lines (for quotes): code and tables become inline-code lines. */
function flatLines(tokens: readonly Token[], o: Options): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const t = token as MarkedToken;
    let lines: string[];
    switch (t.type) {
      case "space":
      case "def":
        continue;
      case "paragraph":
      case "text":
        lines = blockTextLines(t, o);
        break;
      case "heading":
        lines = [boldLine(t.tokens, o)];
        break;
      case "code":
        lines = t.text.split("\n").map((l) => finishInline(codeSpan(l, o), o)[0] ?? "");
        break;
      case "blockquote":
        lines = quoteLines(t.tokens, o);
        break;
      case "list":
        lines = messageList(t, o, 0, "• ");
        break;
      case "table":
        lines = monospaceLines(t).map((l) => finishInline(codeSpan(l, o), o)[0] ?? "");
        break;
      case "hr":
        lines = [RULE];
        break;
      case "html":
        lines = htmlLines(t.text, o);
        break;
      default:
        lines = typeof token.raw === "string" ? literalLines(token.raw, o) : [];
    }
    if (lines.length === 0) continue;
    if (out.length > 0) out.push("");
    pushAll(out, lines);
  }
  return out;
}

/** `push(...items)` without the argument-count limit. */
function pushAll(target: string[], items: readonly string[]): void {
  for (const item of items) target.push(item);
}

const BR_ONLY = /^(?:\s*<br\s*\/?>)+\s*$/i;

/** Raw HTML is shown as text (RC never renders it); a lone `<br>` is a line break. */
function htmlLines(html: string, o: Options): string[] {
  if (BR_ONLY.test(html)) return [];
  return literalLines(html, o);
}

function literalLines(text: string, o: Options): string[] {
  return finishInline(escapeText(trimOf(text, "\n"), o, TOP), o);
}

/** Item blocks that stay under their item (indented) when a list is flattened. */
const INDENTED_IN_ITEM = new Set(["paragraph", "text", "heading", "hr"]);

/** Slack/GitHub-style checkboxes for nested task items, which RC cannot show as TASKS. */
const BOX = "☐ ";
const CHECKED_BOX = "☑ ";
const NESTED_BULLET = "◦ ";

/**
 * A list as message lines. Top level: `- `, `N. `, `- [ ] `. Nested items (RC has no nested
 * lists, and an indented `- x` is plain text) are flattened to paragraphs indented with
 * non-breaking spaces (4 per level) and marked `◦ `, `N. `, `☐ `/`☑ ` so the nesting still reads.
 */
function messageList(list: Tokens.List, o: Options, depth: number, topBullet = "- "): string[] {
  const out: string[] = [];
  const start = typeof list.start === "number" ? list.start : 1;
  const indent = INDENT.repeat(depth);
  const cont = INDENT.repeat(depth + 1);
  list.items.forEach((item, i) => {
    const topLevel = depth === 0 && topBullet === "- ";
    let marker: string;
    if (item.task && topLevel) marker = item.checked ? "- [x] " : "- [ ] ";
    else if (item.task) marker = item.checked ? CHECKED_BOX : BOX;
    else if (list.ordered) marker = `${start + i}. `;
    else marker = depth === 0 ? topBullet : NESTED_BULLET;
    const blocks = item.tokens.filter((b) => b.type !== "space" && b.type !== "checkbox");
    const first = blocks[0];
    let lines: string[] = [];
    if (first && (first.type === "text" || first.type === "paragraph")) {
      lines = blockTextLines(first as Tokens.Text, o);
      blocks.shift();
    }
    out.push((indent + marker + (lines[0] ?? "")).trimEnd() || indent + marker.trimEnd());
    for (const line of lines.slice(1)) out.push(cont + line);
    for (const block of blocks) {
      const b = block as MarkedToken;
      if (b.type === "list") pushAll(out, messageList(b, o, depth + 1, topBullet));
      else if (INDENTED_IN_ITEM.has(b.type)) {
        for (const line of flatLines([b], o)) out.push(cont + line);
      } else if (topBullet !== "- ") {
        pushAll(out, flatLines([b], o)); // inside a quote: lines only
      } else {
        // Fences, tables and quotes must start in column 0 in RC: they interrupt the list.
        const rendered = renderBlock(b, o);
        if (rendered !== "") out.push(rendered);
      }
    }
  });
  return out;
}

/** A list for marked (attachments): real nesting, indented under the item's content. */
function markdownList(list: Tokens.List, o: Options): string {
  const out: string[] = [];
  const start = typeof list.start === "number" ? list.start : 1;
  list.items.forEach((item, i) => {
    const bullet = list.ordered ? `${start + i}. ` : "- ";
    const pad = " ".repeat(bullet.length);
    const marker = item.task ? `${bullet}[${item.checked ? "x" : " "}] ` : bullet;
    const blocks = item.tokens.filter((b) => b.type !== "space" && b.type !== "checkbox");
    const first = blocks[0];
    let text = "";
    if (first && (first.type === "text" || first.type === "paragraph")) {
      text = joinLines(blockTextLines(first as Tokens.Text, o), o).replace(NEWLINES, `\n${pad}`);
      blocks.shift();
    }
    let entry = (marker + text).trimEnd();
    for (const block of blocks) {
      const rendered = block.type === "list" ? markdownList(block as Tokens.List, o) : renderBlock(block, o);
      if (rendered === "") continue;
      const indented = rendered.replace(NEWLINES, `\n${pad}`);
      entry += (block.type === "list" ? "\n" : "\n\n") + pad + indented;
    }
    out.push(entry);
  });
  return out.join("\n");
}

const NEWLINES = /\n/g;

// ───────────────────────────── code ─────────────────────────────

const BACKTICK_RUN = /`{3,}/g;
const LANG_WORD = /^[^\s`]+/;
const LANG_OK = /^[A-Za-z0-9_.-]+$/;
const LANG_ALIASES: Readonly<Record<string, string>> = {
  "c++": "cpp",
  "c#": "csharp",
  "f#": "fsharp",
};

/** RC's fence info: `js`, `objective-c`, `a.b` work; `c++`, `c#` break the block. */
function fenceLanguage(lang: string | undefined): string {
  const word = lang ? (LANG_WORD.exec(lang.trim())?.[0] ?? "") : "";
  const lower = word.toLowerCase();
  const mapped = Object.hasOwn(LANG_ALIASES, lower) ? LANG_ALIASES[lower]! : word;
  return LANG_OK.test(mapped) ? mapped : "";
}

/** Any three backticks in a line end (and break) an RC code block, even mid-line. */
function breakBacktickRuns(line: string): string {
  return line.replace(BACKTICK_RUN, (run) => run.replace(TWO_BACKTICKS, `\`\`${ZWSP}`));
}

function messageFence(code: string, lang: string | undefined): string {
  const body = trimOf(code, "\n");
  // An empty block ("```\n```") is not a code block in RC: keep one blank line.
  const lines = body === "" ? " " : body.split("\n").map(breakBacktickRuns).join("\n");
  return `\`\`\`${fenceLanguage(lang)}\n${lines}\n\`\`\``;
}

function markdownFence(code: string, lang: string | undefined): string {
  const body = trimOf(code, "\n");
  let longest = 0;
  for (const m of body.matchAll(BACKTICKS)) longest = Math.max(longest, m[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  const info = lang ? (LANG_WORD.exec(lang.trim())?.[0] ?? "") : "";
  return `${fence}${info}\n${body}\n${fence}`;
}

/** Inline code. RC's has single backticks and no backtick inside: split around them. */
function codeSpan(code: string, o: Options): string {
  const text = code.replace(NEWLINES, " ");
  if (!o.message) {
    let longest = 0;
    for (const m of text.matchAll(BACKTICKS)) longest = Math.max(longest, m[0].length);
    const fence = "`".repeat(longest + 1);
    const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" "));
    return text === "" ? "" : pad ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
  }
  return text
    .split("`")
    .map((part) => (part === "" ? "" : `\`${part}\``))
    .join(`${ESC_OPEN}\\\`${ESC_CLOSE}`);
}

// ───────────────────────────── tables ─────────────────────────────

const PIPE = /\|/g;
const UNESCAPED_PIPE = /(?<!\\)\|/g;

function table(t: Tokens.Table, o: Options): string {
  if (o.message && !o.tables) return messageFence(monospaceLines(t).join("\n"), undefined);
  const cell = (c: Tokens.TableCell): string => {
    const text = inlineLines(c.tokens, o, TOP).join(" ");
    // RC 8.7 accepts `\|` inside cells; attachment text has `|` escaped except in code spans.
    return o.message ? text.replace(PIPE, "\\|") : text.replace(UNESCAPED_PIPE, "\\|");
  };
  return gfmTable(
    [t.header.map(cell), ...t.rows.map((r) => r.map(cell))],
    t.align.map((a) => a ?? undefined),
  );
}

/** A table as aligned monospace lines (RC before 8.7 has no tables). */
function monospaceLines(t: Tokens.Table): string[] {
  const text = (c: Tokens.TableCell): string =>
    finishPlain(renderInline(c.tokens, { message: true, tables: false }, PLAIN));
  const rows = [t.header.map(text), ...t.rows.map((r) => r.map(text))];
  return monospaceTable(
    rows,
    t.align.map((a) => a ?? undefined),
  );
}

// ───────────────────────────── inline ─────────────────────────────

/** One inline run as finished lines (escapes resolved, line starts protected). */
function inlineLines(tokens: readonly Token[], o: Options, st: InlineState): string[] {
  return finishInline(renderInline(tokens, o, st), o);
}

const BR_TAG = /^<br\s*\/?>$/i;

/**
 * Renders inline tokens to text that may still hold sentinels (see finishInline).
 * `before`: the last character rendered just before these tokens when they continue an open
 * emphasis ("" when they start one). Only the last character is tracked: indexing into a
 * growing concatenated string would flatten it every time.
 */
function renderInline(tokens: readonly Token[], o: Options, st: InlineState, before = ""): string {
  let out = "";
  let last = before;
  let literal = "";
  const append = (piece: string): void => {
    if (piece === "") return;
    out += piece;
    last = piece[piece.length - 1]!;
  };
  const flush = (): void => {
    if (literal === "") return;
    append(st.plain ? literal : escapeText(literal, o, st, renderedBefore(last, st)));
    literal = "";
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const t = token as MarkedToken;
    switch (t.type) {
      case "text":
        if (t.tokens) {
          flush();
          append(renderInline(t.tokens, o, st, last));
        } else literal += t.escaped ? t.text : decodeHtmlEntities(t.text);
        break;
      case "escape":
        literal += t.text;
        break;
      case "html":
        if (BR_TAG.test(t.raw.trim())) {
          flush();
          append(st.label ? " " : "\n");
        } else literal += t.raw;
        break;
      case "br":
        flush();
        append(st.label ? " " : "\n");
        break;
      case "checkbox":
      case "def":
      case "space":
        break;
      case "strong":
      case "em":
      case "del": {
        flush();
        // Adjacent spans of one kind (`**a****b**`) become one: their delimiters would touch.
        let inner = t.tokens;
        while (tokens[i + 1]?.type === t.type) {
          inner = inner.concat((tokens[++i] as Tokens.Strong).tokens);
        }
        append(emphasis(inner, EMPHASIS_OF[t.type], o, st, last));
        break;
      }
      case "codespan":
        if (st.plain || (st.label && o.message))
          literal += t.text; // RC labels hold no code
        else {
          flush();
          // marked would read two adjacent spans' backticks as one run.
          if (!o.message && last === "`") append(ZWSP);
          append(atom(codeSpan(t.text, o), last, o, st));
        }
        break;
      case "link":
      case "image": {
        flush();
        const piece = t.type === "link" ? link(t, o, st) : image(t, o, st);
        // RC reads `Note:[l](…)` as a URL scheme and `[![a](…)` as neither link nor image.
        const bracket = piece.startsWith("[") || piece.startsWith("![");
        if (o.message && bracket && (last === ":" || last === "[")) append(ZWSP);
        append(atom(piece, last, o, st));
        break;
      }
      default:
        if (typeof token.raw === "string") literal += token.raw;
    }
  }
  flush();
  return out;
}

/** The character RC sees before the next text: an emphasis delimiter at the start of a run. */
function renderedBefore(last: string, st: InlineState): string | undefined {
  if (last === "") return st.bold ? "*" : st.strike ? "~" : undefined;
  if (last === ITALIC_OPEN) return "_";
  if (last === ITALIC_CLOSE) return ZWSP; // may get a zero-width space (see resolveMessage)
  if (last === ESC_CLOSE || last === BOLD_OPEN || last === BOLD_CLOSE) return "*";
  return last;
}

const WHITESPACE = /\s/;
const ESC_MARKS = /[\uE000\uE001]/g;

/**
 * Inline code, a link or an image. Inside RC's emphasis these are only recognised at the start
 * or after whitespace (`*a`x`*` is plain bold text): elsewhere the emphasis is closed around
 * them, as around an escaped character.
 */
function atom(piece: string, before: string, o: Options, st: InlineState): string {
  if (!o.message || st.label || st.plain || !(st.bold || st.italic || st.strike)) return piece;
  if (before === "" || WHITESPACE.test(before)) return piece;
  return ESC_OPEN + piece.replace(ESC_MARKS, "") + ESC_CLOSE;
}

type Emphasis = "bold" | "italic" | "strike";
const EMPHASIS_OF = { strong: "bold", em: "italic", del: "strike" } as const;

function emphasis(tokens: readonly Token[], kind: Emphasis, o: Options, st: InlineState, before: string): string {
  // The same emphasis inside itself (`**a **b** c**`) is not repeated: its content continues.
  if (st.plain || st[kind]) return renderInline(tokens, o, st, before);
  return wrap(renderInline(tokens, o, { ...st, [kind]: true }), kind, o);
}

function delimiters(kind: Emphasis, o: Options): [string, string] {
  if (kind === "italic") return [ITALIC_OPEN, ITALIC_CLOSE];
  if (kind === "bold") return o.message ? [BOLD_OPEN, BOLD_CLOSE] : ["**", "**"];
  return o.message ? ["~", "~"] : ["~~", "~~"];
}

/**
 * Puts emphasis delimiters around content. RC emphasis cannot span lines and ignores escapes
 * inside, so each line, and each stretch between escaped characters, is wrapped on its own;
 * surrounding whitespace goes outside (`* a*` at a line start would be a list item).
 */
function wrap(content: string, kind: Emphasis, o: Options): string {
  const [open, close] = delimiters(kind, o);
  let out = "";
  let segStart = 0;
  const emit = (end: number): void => {
    let seg = content.slice(segStart, end);
    if (o.message) seg = seg.replaceAll(LITERAL_BACKSLASH, "\\");
    const core = seg.trim();
    if (core === "") out += seg;
    else {
      const lead = seg.length - seg.trimStart().length;
      const trail = seg.length - seg.trimEnd().length;
      out += seg.slice(0, lead) + open + core + close + seg.slice(seg.length - trail);
    }
  };
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (c === "\n") {
      emit(i);
      out += "\n";
      segStart = i + 1;
    } else if (c === ESC_OPEN) {
      emit(i);
      const end = content.indexOf(ESC_CLOSE, i);
      const stop = end < 0 ? content.length - 1 : end;
      out += content.slice(i, stop + 1);
      i = stop;
      segStart = stop + 1;
    }
  }
  emit(content.length);
  return out;
}

const ALT_UNSAFE = /[\n[\]]/g;
const HTTP = /^https?:/i;
const URL_UNSAFE = /[\s<>()]/g;
const BACKTICKS = /`+/g;
const TWO_BACKTICKS = /``/g;
const SLACK_LINK = /^<([^|<>\s]+)\|([^<>]+)>$/;
const MAILTO = /^mailto:/i;
const SAFE_LINK = /^(?:https?|mailto|ftps?|tel|sms):/i;
const IMAGE_SRC = /^(?:https?:|data:image\/)/i;

function link(t: Tokens.Link, o: Options, st: InlineState): string {
  if (t.autolink) {
    // `<https://x|label>` (Slack style) reaches marked as an autolink with a `|` in it.
    const slack = SLACK_LINK.exec(t.raw);
    if (slack && !st.plain && !st.label && SAFE_LINK.test(slack[1]!)) {
      return `[${escapeLabel(slack[2]!, o)}](${encodeHref(slack[1]!)})`;
    }
    return t.text.replace(MAILTO, ""); // bare URL / address: RC links it itself
  }
  const href = decodeHtmlEntities(t.href).trim();
  if (st.plain) {
    const label = renderInline(t.tokens, o, st);
    return label === "" || label === href ? href : `${label} (${href})`;
  }
  if (!SAFE_LINK.test(href)) return renderInline(t.tokens, o, st); // relative, javascript:…
  if (st.label) return renderInline(t.tokens, o, st);
  const labelState = { ...st, label: true };
  const label = renderInline(t.tokens, o, labelState).replace(NEWLINES, " ").trim();
  const url = encodeHref(href);
  if (label === "") return o.message && HTTP.test(href) ? url : `[${escapeLabel(href, o)}](${url})`;
  return `[${label}](${url})`;
}

function image(t: Tokens.Image, o: Options, st: InlineState): string {
  const alt = decodeHtmlEntities(t.text).replace(ALT_UNSAFE, " ").trim();
  const href = decodeHtmlEntities(t.href).trim();
  if (st.plain || st.label || !IMAGE_SRC.test(href)) {
    return st.plain || st.label ? alt : escapeText(alt, o, st);
  }
  const url = encodeHref(href);
  if (o.message) return `![${alt}](${url})`;
  // Attachment text: marked would inline the image; a link is what the client shows well.
  return `[${escapeText(alt || href, o, st)}](${url})`;
}

function escapeLabel(text: string, o: Options): string {
  return o.message ? text : escapeText(text, o, { ...TOP, label: true });
}

/** Spaces and unbalanced parentheses end RC's (and marked's) link destination. */
function encodeHref(href: string): string {
  let depth = 0;
  let balanced = true;
  for (const c of href) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) balanced = false;
  }
  balanced &&= depth === 0;
  return href.replace(URL_UNSAFE, (c) =>
    c === "(" || c === ")" ? (balanced ? c : c === "(" ? "%28" : "%29") : encodeURIComponent(c),
  );
}

// ───────────────────────────── escaping ─────────────────────────────

const MESSAGE_SPECIAL = /[*~`_\\|\]!]/;
const MESSAGE_ESCAPE = /[*~`_\\]|\|(?=\|)|\](?=\()|!$/g;
const MARKDOWN_SPECIAL = /[*~`_\\|[\]!()]/;
const MARKDOWN_ESCAPE = /[*~`\\|[\]]|_|!$/g;
const MARKDOWN_LABEL_ESCAPE = /[*~`\\|[\]()]|_|!$/g;

function isAsciiAlnum(c: string | undefined): boolean {
  if (c === undefined || c === "") return false;
  const x = c.charCodeAt(0);
  return (x >= 48 && x <= 57) || (x >= 65 && x <= 90) || (x >= 97 && x <= 122);
}

/** Literal text → text that RC (or marked) shows as is. See the module comment for the rules. */
function escapeText(text: string, o: Options, st: InlineState, before?: string): string {
  if (st.plain || (o.message && st.label)) return text;
  if (!o.message) {
    if (!MARKDOWN_SPECIAL.test(text)) return text;
    return replaceEach(text, st.label ? MARKDOWN_LABEL_ESCAPE : MARKDOWN_ESCAPE, ({ 0: c, index: at }) =>
      c === "_" && isAsciiAlnum(text[at - 1]) && isAsciiAlnum(text[at + 1]) ? c : `\\${c}`,
    );
  }
  if (!MESSAGE_SPECIAL.test(text)) return text;
  return replaceEach(text, MESSAGE_ESCAPE, ({ 0: m, index: at }) => {
    switch (m[0]) {
      case "\\":
        return LITERAL_BACKSLASH;
      case "|":
        return `|${ZWSP}`; // `||x||` is a spoiler in RC, and `\|` is no escape there
      case "]":
        return `]${ZWSP}`; // a literal "[x](https://…)" would become a link
      case "!":
        return `!${ZWSP}`; // a "!" before a link of ours would make it an image
      case "_":
        return intraword(text, at, before, st.italic || st.bold || st.strike) ? m : escaped(m);
      default:
        return escaped(m);
    }
  });
}

const SHORTCODE_CHAR = /[a-z0-9_+'-]/;
/** Words are looked at this far around an `_` (keeps escaping linear); longer ones get escaped. */
const MAX_WORD = 100;

/** Whether an emoji shortcode's name continues from `at` to a closing `:`. */
function closesShortcode(text: string, at: number): boolean {
  for (let i = at + 1; i < text.length && i <= at + MAX_WORD; i++) {
    const c = text[i]!;
    if (c === ":") return true;
    if (!SHORTCODE_CHAR.test(c)) return false;
  }
  return false;
}

/** What may precede a text run whose first word keeps its `_` (our markup, line start). */
const WORD_SAFE_BEFORE = new Set(" \t\n()*_`~");
const SPACE = /\s/;
const DELIMITERS = new Set(["*", "~", "_"]);

/**
 * Whether the `_` at `at` can stay unescaped: it sits between ASCII letters/digits, and RC reads
 * the word around it as plain text or as a name.
 * - A name: `@john_doe`, `#dev_ops`, `:white_check_mark:` after a space or the start (or a
 *   `(`, outside emphasis). RC reads these whole, also inside emphasis; escaping would split
 *   them (and mention someone else).
 * - A plain word, outside emphasis: letters/digits joined by `_` or `.` (`snake_case`,
 *   `conf.my_x`, which RC shows literally as a would-be host name), after a space or the start.
 *   After `-`, `'`, `/`, `é`… RC reads `x-ab_cd_` as having the italic `_cd_`; inside emphasis
 *   its word rules differ again, so there every other `_` is escaped.
 * `before` is the character rendered before `text` (undefined: start of a line).
 */
function intraword(text: string, at: number, before: string | undefined, inEmphasis: boolean): boolean {
  if (!isAsciiAlnum(text[at - 1]) || !isAsciiAlnum(text[at + 1])) return false;
  let j = at - 1;
  for (; j > 0; j--) {
    if (at - j > MAX_WORD) return false;
    const c = text[j - 1]!;
    if (isAsciiAlnum(c)) continue;
    if ((c === "_" || c === ".") && isAsciiAlnum(text[j - 2])) continue;
    break;
  }
  const charAt = (i: number): string | undefined => (i >= 0 ? text[i] : before);
  const prev = charAt(j - 1);
  if (prev === "@" || prev === "#" || (prev === ":" && closesShortcode(text, at))) {
    const sigilBefore = charAt(j - 2);
    if (sigilBefore === undefined || SPACE.test(sigilBefore)) return true;
    if (j - 2 < 0 && DELIMITERS.has(sigilBefore)) return true; // starts an emphasis
    return !inEmphasis && prev !== ":" && sigilBefore === "(";
  }
  if (inEmphasis) return false;
  return prev === undefined || (j > 0 ? SPACE.test(prev) : WORD_SAFE_BEFORE.has(prev));
}

const escaped = (c: string): string => `${ESC_OPEN}\\${c}${ESC_CLOSE}`;

/**
 * RC's parser lets a backslash escape `# * . _ \` ~` (outside emphasis and labels) and has no
 * `\\`. Before a literal `.`, `#` or `_` a literal backslash is doubled (`\\.` shows `\.`);
 * before markup of ours (`*`, `~`, a backtick, an italic `_`) a zero-width space keeps them apart.
 */
const MARKUP_AFTER_BACKSLASH = `~\`${ITALIC_OPEN}${ITALIC_CLOSE}${BOLD_OPEN}${BOLD_CLOSE}`;

/**
 * Resolves the sentinels of a finished inline run and protects each line's start.
 * - ESC_OPEN/ESC_CLOSE: dropped (the escaped character stays escaped).
 * - LITERAL_BACKSLASH: a backslash; before a character RC would let it escape, a zero-width
 *   space follows (RC has no `\\`: `\\*` is a backslash and an escaped `*`).
 * - ITALIC_OPEN/CLOSE: `_`. RC does not open italic after an ASCII letter/digit nor close it
 *   before one (`a_x_`, `_x_b` stay plain), and reads `#x_`/`@x_` as a name with the `_` in
 *   it: a zero-width space separates them. marked has the
 *   same rule for any letter and ignores a zero-width space, so attachments drop such italics.
 */
function finishInline(raw: string, o: Options): string[] {
  const text = o.message ? resolveMessage(raw) : resolveMarkdown(raw);
  const lines = text.split("\n");
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return lines.map((line, i) => protectLineStart(i === 0 ? line : line.replace(LEADING_BLANKS, ""), o));
}

const LEADING_BLANKS = /^[ \t]+/;

/** The next character that is not an escape sentinel. */
function nextRaw(raw: string, from: number): string | undefined {
  for (let i = from; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== ESC_OPEN && c !== ESC_CLOSE) return c;
  }
  return undefined;
}

const EMOTICON_BEFORE_STAR = ":=-^";

function nextEffective(raw: string, from: number): string | undefined {
  for (let i = from; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === ESC_OPEN || c === ESC_CLOSE) continue;
    if (c === ITALIC_OPEN || c === ITALIC_CLOSE) return "_";
    if (c === BOLD_OPEN || c === BOLD_CLOSE) return "*";
    if (c === LITERAL_BACKSLASH) return "\\";
    return c;
  }
  return undefined;
}

function resolveMessage(raw: string): string {
  if (!HAS_SENTINEL.test(raw)) return raw;
  let out = "";
  let last = ""; // last character output (see renderInline on why not `out[out.length - 1]`)
  const put = (piece: string): void => {
    out += piece;
    last = piece[piece.length - 1]!;
  };
  let run = 0; // where the pending run of ordinary characters starts: copied in one piece
  const mention = new MentionScan(raw);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c < ESC_OPEN || c > BOLD_CLOSE) continue;
    if (run < i) put(raw.slice(run, i));
    run = i + 1;
    switch (c) {
      case ESC_OPEN:
      case ESC_CLOSE:
        break;
      case LITERAL_BACKSLASH: {
        const next = nextRaw(raw, i + 1);
        if (next === "." || next === "#" || next === "_")
          put("\\\\"); // `\\.` shows `\.`
        else if (next !== undefined && MARKUP_AFTER_BACKSLASH.includes(next)) put(`\\${ZWSP}`);
        else put("\\");
        break;
      }
      case ITALIC_OPEN:
      case ITALIC_CLOSE: {
        // `#b_`/`@b_` would take the `_` into the name, `:_…:` reads as an emoji shortcode.
        const next = nextEffective(raw, i + 1);
        const glued = last === ":" || mention.endsAt(i) || (c === ITALIC_OPEN && isAsciiAlnum(last));
        put(glued ? `${ZWSP}_` : "_");
        if (c === ITALIC_CLOSE && (next === ":" || isAsciiAlnum(next))) put(ZWSP);
        break;
      }
      case BOLD_OPEN:
      case BOLD_CLOSE: {
        // RC reads `:*`, `=*` (before an opening `*`), `*)`, `*-)` (after a closing one) and
        // `*\0/*` as emoticons, and `Note:*x*` as a URL scheme: keep the asterisk apart.
        const after = raw[i + 1]; // a backslash here is a literal one
        const next = nextEffective(raw, i + 1);
        const open = c === BOLD_OPEN;
        put(open && last !== "" && EMOTICON_BEFORE_STAR.includes(last) ? `${ZWSP}*` : "*");
        const literalBackslash = after === "\\" || after === LITERAL_BACKSLASH;
        if (literalBackslash || (!open && (next === ")" || next === "-"))) put(ZWSP);
        break;
      }
    }
  }
  if (run < raw.length) put(raw.slice(run));
  return out;
}

const MENTION_NAME = /[\p{L}\p{N}._:-]/u; // user names may hold `:` (federation)

const MENTION_SPAN = 80;
const isNameChar = (c: string): boolean =>
  (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || MENTION_NAME.test(c);

/**
 * Whether `raw` before a position ends in `#name`/`@name` (letters, digits, `._:-`; sentinels
 * skipped) that starts at most MENTION_SPAN characters back. Read forwards, once: asked at
 * increasing positions, the whole text costs one pass (looking back from each `_` would cost
 * MENTION_SPAN steps per `_`).
 */
class MentionScan {
  readonly #raw: string;
  #scanned = 0;
  /** The last `#`/`@` followed by name characters only, or -1. */
  #at = -1;

  constructor(raw: string) {
    this.#raw = raw;
  }

  endsAt(end: number): boolean {
    for (; this.#scanned < end; this.#scanned++) {
      const c = this.#raw[this.#scanned]!;
      if (c === "#" || c === "@") this.#at = this.#scanned;
      else if (c === ESC_OPEN || c === ESC_CLOSE || c === ITALIC_OPEN || c === ITALIC_CLOSE) continue;
      else if (!isNameChar(c)) this.#at = -1;
    }
    return this.#at >= 0 && this.#at >= end - MENTION_SPAN;
  }
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
const isWordChar = (c: string | undefined): boolean => c !== undefined && WORD_CHAR.test(c);

function resolveMarkdown(raw: string): string {
  if (!raw.includes(ITALIC_OPEN)) return raw;
  const parts: string[] = [];
  const opens: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === ITALIC_OPEN) {
      opens.push(parts.length);
      parts.push("_");
    } else if (c === ITALIC_CLOSE) {
      const at = opens.pop();
      const before = at === undefined ? undefined : lastChar(parts, at);
      const after = nextEffective(raw, i + 1);
      const intraword = isWordChar(before) || isWordChar(after);
      if (intraword && at !== undefined) parts[at] = "";
      parts.push(intraword ? "" : "_");
    } else parts.push(c);
  }
  return parts.join("");
}

function lastChar(parts: readonly string[], before: number): string | undefined {
  for (let i = before - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (p !== "") return p[p.length - 1];
  }
  return undefined;
}

const MESSAGE_HEADING = /^#+(?=[ \t]|$)/;
const MESSAGE_ORDERED = /^(\d+)\.(?=[ \t]|$)/;
const MESSAGE_BLOCK_START = /^(?:[>|]|-(?:[ \t]|--))/;
const MARKDOWN_HEADING = /^#{1,6}(?=[ \t]|$)/;
const MARKDOWN_BLOCK_START = /^[-+=]/;
const MARKDOWN_ORDERED = /^(\d{1,9})([.)])(?=[ \t]|$)/;

/** A literal line start that RC (or marked) would read as a block marker. */
function protectLineStart(line: string, o: Options): string {
  if (o.message) {
    if (MESSAGE_HEADING.test(line)) return `\\${line}`;
    if (MESSAGE_BLOCK_START.test(line)) return ZWSP + line;
    return line.replace(MESSAGE_ORDERED, "$1\\.");
  }
  if (MARKDOWN_HEADING.test(line) || MARKDOWN_BLOCK_START.test(line)) return `\\${line}`;
  return line.replace(MARKDOWN_ORDERED, "$1\\$2");
}

/** Table cells in a monospace block: no markup, just text on one line. */
function finishPlain(raw: string): string {
  return raw.replace(SENTINELS, "").replace(NEWLINES, " ").trim();
}

/** If anything unexpected happens: the input as escaped text, line by line. */
function fallback(src: string, o: Options): string {
  try {
    return joinLines(finishInline(escapeText(src, o, TOP), o), o);
  } catch {
    return src;
  }
}

// ───────────────────────────── entities ─────────────────────────────

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

/** The named character references people actually type; others stay as written. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: NBSP,
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  deg: "°",
  plusmn: "±",
  times: "×",
  divide: "÷",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  sect: "§",
  para: "¶",
  larr: "←",
  rarr: "→",
  uarr: "↑",
  darr: "↓",
  harr: "↔",
  check: "✓",
};

/** HTML character references in Markdown (CommonMark decodes them): numeric ones and the named ones above. */
function decodeHtmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return replaceEach(text, ENTITY, ([whole, dec, hex, name]) => {
    if (name !== undefined) return Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name]! : whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\uFFFD";
    return String.fromCodePoint(code);
  });
}
