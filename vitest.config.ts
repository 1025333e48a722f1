import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["test/**/*.workers.test.ts", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
