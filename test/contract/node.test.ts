/**
 * The HTTP contract suite on Node: the app in process (`app.request`), the fake Rocket.Chat and
 * the bots on loopback. The same cases run inside workerd (contract.workers.test.ts).
 */
import { afterAll } from "vitest";
import { hostileInput } from "./hostile.ts";
import { incomingAnswers } from "./incoming-answers.ts";
import { localRuntime } from "./local.ts";
import { outgoingRelay } from "./outgoing-relay.ts";
import { rocketChatHooks } from "./rocketchat-hooks.ts";
import { translationThroughHttp } from "./translation.ts";

const rt = localRuntime();
afterAll(() => rt.close());

incomingAnswers(rt);
translationThroughHttp(rt);
rocketChatHooks(rt);
outgoingRelay(rt);
hostileInput(rt);
