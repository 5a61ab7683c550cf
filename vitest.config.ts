import { defineConfig } from "vitest/config";

// Handlers read these at import time; every test file starts from the same known state.
const env = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  POWERTOOLS_LOG_LEVEL: "SILENT",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

export default defineConfig({
  test: {
    env,
    testTimeout: 20_000,
    // The JSON report lets CI print one "N passed, N failed" line for the whole run.
    reporters: ["default", ["json", { outputFile: "coverage/test-results.json" }]],
    hookTimeout: 180_000,
    // Tiers run one after another: e2e and deploy both build dist/, so they must not overlap.
    projects: [
      {
        extends: true,
        test: {
          name: "in-process",
          include: ["test/{unit,component,property,integration}/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: {
          name: "deploy",
          include: ["test/deploy/**/*.test.ts"],
          sequence: { groupOrder: 2 },
        },
      },
    ],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "text"],
      thresholds: {
        "src/domain/**": { lines: 100, branches: 100, functions: 100, statements: 100 },
        "src/http/**": { lines: 100, branches: 100, functions: 100, statements: 100 },
      },
    },
  },
});
