import { EcrCacheRuleGateway } from "../adapters/ecr-cache-rule-gateway.js";
import { createEcrClient } from "../adapters/ecr-client.js";
import { loadPolicyState, type PolicyState } from "../adapters/policy-source.js";
import { type Config, loadConfig } from "../config.js";
import type { CacheRuleGateway } from "../domain/cache-rule.js";
import { logger } from "../logger.js";

export interface Dependencies {
  readonly config: Config;
  readonly policy: PolicyState;
  readonly gateway: CacheRuleGateway;
}

/**
 * Builds what every route needs, once per cold start: config (fails fast on a bad environment),
 * the policy (a broken one is logged here, at every cold start, and answered with 503), and the
 * one ECR client.
 */
export const buildDependencies = async (
  env: NodeJS.ProcessEnv = process.env,
): Promise<Dependencies> => {
  const config = loadConfig(env);
  const policy = await loadPolicyState(config.policyFile);
  if (!policy.ok) {
    logger.error("policy unavailable: every request will be answered 503", {
      policySource: policy.source,
      error: policy.error,
    });
  }
  const client = createEcrClient({
    region: config.region,
    attemptTimeoutMs: config.ecrAttemptTimeoutMs,
  });
  return {
    config,
    policy,
    gateway: new EcrCacheRuleGateway(client, { deadlineMs: config.ecrDeadlineMs }),
  };
};
