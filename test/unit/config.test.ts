import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("loadConfig", () => {
  it("takes the Region and applies the default ECR deadline and attempt timeout", () => {
    expect(loadConfig({ AWS_REGION: "eu-west-1" })).toEqual({
      region: "eu-west-1",
      ecrDeadlineMs: 8000,
      ecrAttemptTimeoutMs: 3000,
    });
  });

  it("reads the policy file and timing overrides", () => {
    const config = loadConfig({
      AWS_REGION: "us-gov-west-1",
      POLICY_FILE: "/tmp/policy.yaml",
      ECR_DEADLINE_MS: "1500",
      ECR_ATTEMPT_TIMEOUT_MS: "400",
    });

    expect(config).toEqual({
      region: "us-gov-west-1",
      policyFile: "/tmp/policy.yaml",
      ecrDeadlineMs: 1500,
      ecrAttemptTimeoutMs: 400,
    });
  });

  it("keeps the attempt timeout within a shorter deadline", () => {
    expect(
      loadConfig({ AWS_REGION: "eu-west-1", ECR_DEADLINE_MS: "1000" }).ecrAttemptTimeoutMs,
    ).toBe(1000);
  });

  it.each([
    [{}, "AWS_REGION must name an AWS Region"],
    [{ AWS_REGION: "Europe" }, "AWS_REGION must name an AWS Region, got 'Europe'"],
    [{ AWS_REGION: "eu-west-1", ECR_DEADLINE_MS: "8s" }, "ECR_DEADLINE_MS must be a whole number"],
    [{ AWS_REGION: "eu-west-1", ECR_DEADLINE_MS: "0" }, "ECR_DEADLINE_MS must be a whole number"],
    [
      { AWS_REGION: "eu-west-1", ECR_ATTEMPT_TIMEOUT_MS: "30000" },
      "ECR_ATTEMPT_TIMEOUT_MS must be a whole number",
    ],
  ])("fails fast on %o, naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
