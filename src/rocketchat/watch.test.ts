import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/log.ts";
import type { RocketChatResult } from "./client.ts";
import { watchRocketChat } from "./watch.ts";

describe("watchRocketChat", () => {
  it("logs each change of Rocket.Chat's state once: unreachable (WARN), refusing credentials (ERROR), back (INFO)", async () => {
    const answers: Array<RocketChatResult<string>> = [
      { ok: true, value: "a" },
      { ok: false, failure: { kind: "unavailable", message: "connect ECONNREFUSED" } },
      { ok: false, failure: { kind: "ambiguous", status: 502, message: "bad gateway" } },
      { ok: false, failure: { kind: "unavailable", message: "connect ECONNREFUSED" } },
      { ok: true, value: "b" },
      { ok: false, failure: { kind: "not_found", status: 400, message: "no such room" } },
      { ok: false, failure: { kind: "unauthorized", status: 401, message: "You must be logged in to do this." } },
      { ok: false, failure: { kind: "unauthorized", status: 401, message: "You must be logged in to do this." } },
      { ok: true, value: "c" },
    ];
    const api = {
      calls: 0,
      async next(): Promise<RocketChatResult<string>> {
        return answers[this.calls++]!;
      },
    };
    const lines: string[] = [];
    const watched = watchRocketChat(api, createLogger("debug", (l) => lines.push(l.replace(/^\S+ /, ""))), "https://chat.example");
    const results = [];
    for (let i = 0; i < answers.length; i++) results.push(await watched.next());
    // Same results, same object behind them.
    expect(results).toEqual(answers);
    expect(api.calls).toBe(answers.length);
    expect(lines).toEqual([
      'WARN Rocket.Chat at https://chat.example is unreachable; messages wait in the outbox error="connect ECONNREFUSED"',
      "INFO Rocket.Chat at https://chat.example is reachable again",
      "ERROR Rocket.Chat at https://chat.example refuses slackline's credentials: check rocketchat.userId and rocketchat.authToken (messages wait in the outbox) status=401 error=\"You must be logged in to do this.\"",
      "INFO Rocket.Chat at https://chat.example is accepting slackline's credentials again",
    ]);
  });
});
