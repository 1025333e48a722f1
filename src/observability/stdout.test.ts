import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { stdoutLines } from "./stdout.ts";

describe("stdoutLines", () => {
  it("writes the lines of one event-loop turn together, in order, each ending in a newline", async () => {
    const writes: string[] = [];
    const out = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        writes.push(chunk.toString());
        done();
      },
    });
    const write = stdoutLines(out);
    write("one");
    write("two");
    write("three");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["one\ntwo\nthree\n"]);
    write("four");
    await nextTurn();
    expect(writes).toEqual(["one\ntwo\nthree\n", "four\n"]);
  });
});
