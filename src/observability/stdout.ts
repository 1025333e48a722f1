/**
 * Node: log lines go to stdout together, one write per turn of the event loop instead of one
 * per line. Under load that is one system call for many access-log lines (`npm run bench`:
 * a `console.log` per request was ~7 % of slackline's CPU). Lines still pending when the
 * process exits are written then (stdout to a file or pipe is synchronous on Linux).
 */
export function stdoutLines(out: NodeJS.WritableStream = process.stdout): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    out.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}
