/**
 * Placeholders stand in for finished markup (links, mentions, code) while the prose around it is
 * rewritten, so that no later pass can touch a URL. They are private-use characters around an
 * index: `clean` first replaces any such character the input itself holds.
 */
const OPEN = "\uE000";
const CLOSE = "\uE001";
const IN_INPUT = /[\uE000\uE001]/g;

/** For a regex character class: text that is not part of a placeholder. */
export const PLACEHOLDER_CHARS = "\\uE000\\uE001";

export class Placeholders {
  readonly #pieces: string[] = [];

  /** The input with the characters placeholders use replaced by U+FFFD. */
  static clean(text: string): string {
    // `includes` of a character outside Latin-1 answers at once for most texts (one-byte strings).
    return text.includes(OPEN) || text.includes(CLOSE) ? text.replace(IN_INPUT, "\uFFFD") : text;
  }

  hold(markup: string): string {
    return OPEN + (this.#pieces.push(markup) - 1) + CLOSE;
  }

  /** The text with every placeholder replaced by the markup it holds. */
  restore(text: string): string {
    if (this.#pieces.length === 0) return text;
    let out = "";
    let at = 0;
    for (let open = text.indexOf(OPEN); open >= 0; open = text.indexOf(OPEN, at)) {
      const close = text.indexOf(CLOSE, open);
      if (close < 0) break;
      out += text.slice(at, open) + this.#pieces[Number(text.slice(open + 1, close))];
      at = close + 1;
    }
    return out + text.slice(at);
  }
}
