/** Reading a Slack ts back, as a bot does: the tests check the ts slackline hands out. */

/** Parses a Slack ts (`"1700000000.000200"`) into its time (ms) and `seq`; undefined if bad. */
export function parseSlackTs(ts: string): { epochMs: number; seq: number } | undefined {
  const m = /^(\d{1,15})\.(\d{6})$/.exec(ts);
  if (!m) return undefined;
  const micros = Number(m[2]);
  return { epochMs: Number(m[1]) * 1000 + Math.floor(micros / 1000), seq: micros % 1000 };
}
