/** Every property name JavaScript defines on its built-in prototypes and globals. */
const sources: object[] = [
  Object.prototype,
  Function.prototype,
  Array.prototype,
  String.prototype,
  Number.prototype,
  Object,
  Function,
  globalThis,
];

export const BUILT_IN_NAMES: readonly string[] = [
  ...new Set(["__proto__", ...sources.flatMap((o) => Object.getOwnPropertyNames(o))]),
].sort();
