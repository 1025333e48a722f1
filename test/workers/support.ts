/**
 * Helpers for the suites inside workerd: the Worker's env with the test bindings, and a call to
 * the Worker's `fetch` with a chosen config and bindings (what a deployment with that
 * `SLACKLINE_CONFIG` secret would do).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/worker.ts";
import type { WorkerEnv } from "../../src/workers/env.ts";
import { remoteBot, remoteFake } from "../contract/remote.ts";
import { gatewayClient, type ContractRuntime, type GatewayClient } from "../contract/runtime.ts";

export interface TestEnv extends WorkerEnv {
  readonly TEST_CONTROL_URL: string;
  readonly TEST_FAKE_ID: string;
}

export const testEnv = env as unknown as TestEnv;

/** The Worker's `fetch` with `env` changed as given (a key set to undefined drops a binding). */
export async function callWorker(
  request: Request,
  changes: Partial<Record<keyof TestEnv | string, unknown>> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const merged = Object.fromEntries(Object.entries({ ...testEnv, ...changes }).filter(([, v]) => v !== undefined));
  const res = await worker.fetch(request, merged as WorkerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function workerGateway(config: Record<string, unknown>, changes: Record<string, unknown> = {}): GatewayClient {
  return gatewayClient((request) => callWorker(request, { SLACKLINE_CONFIG: JSON.stringify(config), ...changes }));
}

/** The contract runtime in workerd: the Worker with its real bindings, the fakes over HTTP. */
export const workerdRuntime: ContractRuntime = {
  name: "workerd",
  startFake: () => remoteFake(testEnv.TEST_CONTROL_URL),
  startBot: (kind) => remoteBot(testEnv.TEST_CONTROL_URL, kind),
  gateway: async (config) => workerGateway(config),
};
