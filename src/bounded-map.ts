/**
 * Deletes a Map's oldest entries (by insertion order) until it holds at most `keep`: the bound
 * of every cache and short-lived store that keeps its newest entries.
 */
export function dropOldest<K, V>(map: Map<K, V>, keep: number): void {
  while (map.size > keep) map.delete(map.keys().next().value as K);
}
