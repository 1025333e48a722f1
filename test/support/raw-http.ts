/**
 * One raw HTTP/1.1 exchange over TCP: exactly the bytes a sender writes, and the answer as it
 * came back (status, head, headers by lower-case name, body with chunked framing removed).
 * Send `Connection: close`: the answer ends when the server closes the connection.
 */
import { connect } from "node:net";

export interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function rawRequest(url: string, bytes: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Written, not ended: a sender that half-closes may lose the answer (the server closes on FIN).
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c)).on("error", reject);
    socket.on("close", () => {
      const [head = "", ...rest] = Buffer.concat(chunks).toString("utf8").split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      let body = rest.join("\r\n\r\n");
      if (headers["transfer-encoding"] === "chunked")
        body = body
          .split("\r\n")
          .filter((_, i) => i % 2 === 1)
          .join("");
      resolve({ status: Number(statusLine.split(" ")[1]), head, headers, body });
    });
  });
}
