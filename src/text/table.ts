/**
 * Tables for Rocket.Chat, one renderer for Markdown tables and Block Kit `table` blocks: GFM for
 * message text on Rocket.Chat 8.7+, aligned monospace lines for older servers and attachment text.
 *
 * Columns line up by display width (Unicode East Asian Width, UAX #11): wide characters such as
 * `東京タワー` and emoji take two cells, combining marks and zero-width characters none.
 */
import { eastAsianWidth } from "get-east-asian-width";

export type ColumnAlign = "left" | "center" | "right" | undefined;

const ZERO_WIDTH = /^[\p{M}\p{Cf}]$/u;

/** Monospace cells `text` takes (ambiguous-width characters count as narrow, as UAX #11 advises). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ZERO_WIDTH.test(ch) ? 0 : eastAsianWidth(ch.codePointAt(0)!);
  return width;
}

function alignCell(text: string, width: number, align: ColumnAlign): string {
  const gap = Math.max(0, width - displayWidth(text));
  if (align === "right") return " ".repeat(gap) + text;
  if (align === "center") return " ".repeat(gap >> 1) + text + " ".repeat(gap - (gap >> 1));
  return text + " ".repeat(gap);
}

/**
 * The first row as the header, a rule under it, then the other rows; columns as many as the
 * widest row, missing cells empty, `|` between cells and `-+-` in the rule.
 */
export function monospaceTable(rows: readonly (readonly string[])[], align: readonly ColumnAlign[]): string[] {
  const columns = rows.reduce((n, row) => Math.max(n, row.length), 0);
  const widths = Array.from({ length: columns }, (_, c) =>
    rows.reduce((w, row) => Math.max(w, displayWidth(row[c] ?? "")), 1),
  );
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, c) => alignCell(cells[c] ?? "", w, align[c]))
      .join(" | ")
      .trimEnd();
  const [header = [], ...body] = rows;
  return [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...body.map(line)];
}

const GFM_RULE: ReadonlyMap<ColumnAlign, string> = new Map([
  ["left", ":---"],
  ["center", ":---:"],
  ["right", "---:"],
]);

/** A GFM table: cells already escaped for it (one line each, `|` as `\\|`); the first row is the header. */
export function gfmTable(rows: readonly (readonly string[])[], align: readonly ColumnAlign[]): string {
  const columns = rows.reduce((n, row) => Math.max(n, row.length), 0);
  const line = (cells: readonly string[]): string =>
    `| ${Array.from({ length: columns }, (_, c) => cells[c] || " ").join(" | ")} |`;
  const rule = Array.from({ length: columns }, (_, c) => GFM_RULE.get(align[c]) ?? "---");
  const [header = [], ...body] = rows;
  return [line(header), line(rule), ...body.map(line)].join("\n");
}
