import { defineConfig } from "vitest/config";

// Three projects so `make test-unit` stays fast and needs no network; integration and
// e2e start real nats-servers and the real kubectl, so they get longer timeouts and
// run files one at a time (2 cores).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["libs/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
