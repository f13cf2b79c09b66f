import { defineConfig } from "vitest/config";

// Projects so `make test-unit` stays fast and needs no network; integration, e2e and
// chaos start real nats-servers (chaos: in containers) and the real kubectl, so they get
// longer timeouts and run files one at a time (2 cores).
export default defineConfig({
  test: {
    projects: [
      // 20 s, not vitest's 5 s: some unit files spawn kubectl, openssl or containers, and a
      // CI machine with heavy steal ran them (and a 1 s pure loop) five times slower.
      { test: { name: "unit", include: ["libs/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"], testTimeout: 20_000 } },
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
      // Chaos: clusters of containers (testcontainers) that tests kill and partition; a
      // cluster takes seconds to start and a scenario minutes to run.
      {
        test: {
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
