/**
 * globalSetup of the workerd suites (vitest.workers.config.ts), in Node: the control server
 * that hosts the fake Rocket.Chats and the bots, and one fake for the Worker's own
 * `SLACKLINE_CONFIG` binding (what the real queue consumer delivers to).
 */
import type { TestProject } from "vitest/node";
import { gatewayConfigJson, setUpGatewayRooms } from "../contract/config.ts";
import { startControlServer } from "../contract/control-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The control API (test/contract/control-server.ts). */
    controlUrl: string;
    /** The fake the Worker's own config delivers to. */
    workerFakeId: string;
    /** `SLACKLINE_CONFIG` for the Worker's env. */
    workerConfig: string;
  }
}

/** Quick retries, so the queue tests see several within seconds. */
export const WORKER_DELIVERY = { fastPathMs: 1000, retryBaseMs: 200, retryMaxMs: 1000 };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const control = await startControlServer();
  const { id, control: fake } = await control.startFake();
  await setUpGatewayRooms(fake);
  project.provide("controlUrl", control.url);
  project.provide("workerFakeId", id);
  project.provide("workerConfig", JSON.stringify(gatewayConfigJson(fake, { delivery: WORKER_DELIVERY })));
  return () => control.close();
}
