/**
 * The HTTP contract suite against the Node server slackline runs (src/node/server.ts) on a
 * real socket: incoming webhooks through its node:http fast path, the rest through Hono, the
 * undici upstream to the fake Rocket.Chat. Same cases as node.test.ts and inside workerd.
 */
import { afterAll } from "vitest";
import { incomingAnswers } from "./incoming-answers.ts";
import { localRuntime } from "./local.ts";
import { outgoingRelay } from "./outgoing-relay.ts";
import { rocketChatHooks } from "./rocketchat-hooks.ts";
import { translationThroughHttp } from "./translation.ts";

const rt = localRuntime({}, "node-server");
afterAll(() => rt.close());

incomingAnswers(rt);
translationThroughHttp(rt);
rocketChatHooks(rt);
outgoingRelay(rt);
