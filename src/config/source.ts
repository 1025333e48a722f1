/**
 * Where the config comes from: `--config FILE`, else `SLACKLINE_CONFIG` (a path, or the JSON
 * itself), else demo mode. Shared by the Node CLI; the Worker reads the variable directly.
 */
export type ConfigSource = { kind: "file"; path: string } | { kind: "inline"; json: string } | { kind: "demo" };

export function configSource(cliPath: string | undefined, envValue: string | undefined): ConfigSource {
  if (cliPath) return { kind: "file", path: cliPath };
  const value = envValue?.trim();
  if (!value) return { kind: "demo" };
  return value.startsWith("{") ? { kind: "inline", json: value } : { kind: "file", path: value };
}

/** Demo mode: one hook into the built-in inbox; the token is printed with its URL. */
export function demoConfigJson(token: string): string {
  return JSON.stringify({ incoming: [{ name: "demo", token, channel: "#general" }] });
}
