import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { EcrCacheRuleGateway } from "../adapters/ecr-cache-rule-gateway.js";
import { createEcrClient } from "../adapters/ecr-client.js";
import { loadPolicyState, type PolicyState } from "../adapters/policy-source.js";
import { registryClients } from "../adapters/registry-clients.js";
import { type Config, loadConfig } from "../config.js";
import type { CacheRuleGateway } from "../domain/cache-rule.js";
import type { ApiEvent, ApiResult } from "../http/api-event.js";
import { auditLog } from "../http/audit-middleware.js";
import { makeDispatcher } from "../http/dispatch.js";
import { problemErrors } from "../http/error-middleware.js";
import { logger } from "../logger.js";
// What every route's module builds on (defineRoute, the request schemas with zod, the answer
// helpers) loads with the function; only each route's own code waits for its first request.
// Left to the first request too, it would be loaded there in a second round of imports, which
// made the create path's cold start 2 to 6 % slower (BENCHMARKS.md).
import "../http/responses.js";
import "../http/route.js";

/** What the function is built from: everything a test may replace. */
export interface Dependencies {
  readonly config: Config;
  readonly policy: PolicyState;
  readonly gateway: CacheRuleGateway;
}

/**
 * Builds the dependencies once per cold start: config (fails fast on a bad environment), the
 * policy (a broken one is logged here, at every cold start, and answered with 503), the one ECR
 * client with its connection pool, and the STS client when a registry has a role.
 */
export const buildDependencies = async (
  env: NodeJS.ProcessEnv = process.env,
  policyState?: PolicyState,
): Promise<Dependencies> => {
  const config = loadConfig(env);
  const policy = policyState ?? (await loadPolicyState(config.policyFile));
  if (!policy.ok) {
    logger.error("policy unavailable: every request will be answered 503", {
      policySource: policy.source,
      error: policy.error,
    });
  } else {
    // Valid, but ECR will refuse rules for these entries (an upstream it does not support, one
    // that needs a credential the policy does not bind).
    for (const warning of policy.warnings ?? []) {
      logger.warn("policy warning", { policySource: policy.source, warning: warning.text });
    }
  }
  const clientOptions = { region: config.region, attemptTimeoutMs: config.ecrAttemptTimeoutMs };
  const client = createEcrClient(clientOptions);
  // STS only for a policy that onboards a registry with a role: a one-account install never
  // loads its client.
  const needsRoles =
    policy.ok && policy.policy.registries?.some((entry) => entry.roleArn !== undefined);
  const assumeRole = needsRoles
    ? (await import("../adapters/role-sessions.js")).createRoleSessions(clientOptions)
    : undefined;
  return {
    config,
    policy,
    gateway: new EcrCacheRuleGateway(registryClients(client, clientOptions, assumeRole)),
  };
};

/**
 * The one function behind every route: the Middy chain, outermost first (Lambda context in the
 * logs; the audit line and `x-request-id`; problem+json errors), around the dispatcher, which
 * finds the route in the route table and runs it.
 */
export const makeHandler = ({ config, policy, gateway }: Dependencies) =>
  middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(auditLog({ logger }))
    .use(problemErrors({ logger }))
    .handler(
      makeDispatcher({
        policy,
        region: config.region,
        gateway,
        deadlineMs: config.ecrDeadlineMs,
      }),
    );
