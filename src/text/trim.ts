/**
 * Trimming a set of characters by loops. A pattern like `/:+$/` or `/[\r\n]+$/` retries from
 * every character of a long inner run and is quadratic on it (the adversarial tests).
 */

/** `text` without any of `chars` at its end. */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** `text` without any of `chars` at its start or its end. */
export function trimOf(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && chars.includes(text[start]!)) start++;
  return trimEndOf(text.slice(start), chars);
}
