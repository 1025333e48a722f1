/** Retry timing shared by the Node outbox and the Workers queue consumer. */

/** Exponential backoff with full jitter: a random wait below min(cap, base·2^(attempts−1)). */
export function backoffMs(attempts: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1)));
}
