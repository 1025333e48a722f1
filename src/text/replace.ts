/**
 * `text.replace(pattern, fn)` for a global pattern, as a loop over `exec`. V8 runs a function
 * replacement from its runtime, calling out to JavaScript once per match; this loop stays in
 * optimised code and costs about half as much on a short message (bench:translate).
 *
 * The pattern must be global (`g`) and never match the empty string.
 */
export function replaceEach(text: string, pattern: RegExp, replacer: (match: RegExpExecArray) => string): string {
  pattern.lastIndex = 0;
  let out = "";
  let at = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    out += text.slice(at, m.index) + replacer(m);
    at = pattern.lastIndex;
  }
  return at === 0 ? text : out + text.slice(at);
}
