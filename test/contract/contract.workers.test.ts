/**
 * The HTTP contract suite inside workerd: the same cases as node.test.ts, against the Worker
 * (`src/worker.ts`) with its real bindings, each gateway's config passed as `SLACKLINE_CONFIG`.
 */
import { expect, it } from "vitest";
import { workerdRuntime } from "../workers/support.ts";
import { hostileInput } from "./hostile.ts";
import { incomingAnswers } from "./incoming-answers.ts";
import { outgoingRelay } from "./outgoing-relay.ts";
import { rocketChatHooks } from "./rocketchat-hooks.ts";
import { translationThroughHttp } from "./translation.ts";

it("runs inside workerd", () => {
  expect(navigator.userAgent).toBe("Cloudflare-Workers");
});

incomingAnswers(workerdRuntime);
translationThroughHttp(workerdRuntime);
rocketChatHooks(workerdRuntime);
outgoingRelay(workerdRuntime);
hostileInput(workerdRuntime);
