/**
 * The Cloudflare Workers suites (`*.workers.test.ts`, left out of vitest.config.ts), in two
 * projects:
 *
 * - `workerd`: inside workerd, the Worker from wrangler.toml with its real bindings (the STATE,
 *   ROOMS and LIMITS Durable Objects, their storage and alarms). The fake
 *   Rocket.Chat and the bots run in Node (globalSetup), reachable on 127.0.0.1; tests drive them
 *   over the control API, whose URL is a binding.
 * - `wrangler`: on Node, what wrangler makes of the Worker: the dry-run bundle (size, nothing
 *   Node-only in it) and `wrangler dev`. They spawn wrangler and workerd, so they run here, apart
 *   from the timing-sensitive Node suites.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const WRANGLER_TESTS = [
  "test/workers/bundle.workers.test.ts",
  "test/workers/dev.workers.test.ts",
  "test/workers/dev-faults.workers.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                SLACKLINE_CONFIG: inject("workerConfig"),
                LOG_LEVEL: "error",
                TEST_CONTROL_URL: inject("controlUrl"),
                TEST_FAKE_ID: inject("workerFakeId"),
              },
            },
          })),
        ],
        test: {
          name: "workerd",
          include: ["test/**/*.workers.test.ts"],
          exclude: WRANGLER_TESTS,
          globalSetup: ["test/workers/global-setup.ts"],
        },
      },
      { extends: true, test: { name: "wrangler", include: WRANGLER_TESTS } },
    ],
  },
});
