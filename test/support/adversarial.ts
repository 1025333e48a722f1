/**
 * Adversarial text for the translators' linearity tests. At 100,000 characters a pass that
 * backtracks quadratically needs some 10^10 steps, far past a test's timeout, so a test that
 * finishes at all shows every pass is linear (speed itself is for `npm run bench:translate`).
 */
export const ADVERSARIAL_LENGTH = 100_000;

/** `pattern` repeated to exactly `length` characters. */
export const repeatTo = (pattern: string, length = ADVERSARIAL_LENGTH): string =>
  pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);

/** `[label, text]` rows for `it.each`, labelled by the text's start. */
export const adversarialCases = (texts: readonly string[]): Array<[string, string]> =>
  texts.map((s) => [JSON.stringify(s.slice(0, 12)), s]);
