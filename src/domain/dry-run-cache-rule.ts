import { type AdmissionDeps, admitCreate, type CreateCacheRuleCommand } from "./admission.js";
import type { AuditTrail } from "./audit-trail.js";
import {
  type CacheRule,
  type CacheRuleGateway,
  type CacheRuleSpec,
  RULES_PER_REGISTRY,
} from "./cache-rule.js";
import { isSameRule } from "./compliance.js";
import type { RequestContext } from "./request-context.js";

/** What a real create would answer now (contract §6.4). */
export type DryRunOutcome = "create" | "existing" | "conflict" | "quota-exceeded";

export interface DryRunResult {
  readonly outcome: DryRunOutcome;
  /** Exactly the input a real create would send to `CreatePullThroughCacheRule`. */
  readonly request: CacheRuleSpec;
  readonly quota: { readonly used: number; readonly limit: number };
  /** The rule under the prefix, for `existing` and `conflict`. */
  readonly existingRule?: CacheRule;
}

export interface DryRunDeps extends AdmissionDeps {
  readonly gateway: CacheRuleGateway;
}

// ECR's largest page: a registry holds at most 50 rules, so one call normally reads them all.
const COUNT_PAGE_SIZE = 1_000;

/**
 * Previews a create without making it; never calls `CreatePullThroughCacheRule`.
 *
 * 1. Admit the request exactly as a create would (same 400 and 403 answers).
 * 2. Read every page of the registry's rules, inside the request's one deadline.
 * 3. A rule under the prefix decides it: the same rule is `existing`, anything else
 *    `conflict` (as ECR checks the prefix before the quota); else a full registry is
 *    `quota-exceeded`; else `create`.
 */
export const makeDryRunCacheRule = (deps: DryRunDeps) => {
  const { gateway, policy } = deps;
  return async (
    context: RequestContext,
    command: CreateCacheRuleCommand,
    trail: AuditTrail,
  ): Promise<DryRunResult> => {
    trail.dryRun = true;
    const request = admitCreate(deps, command, trail);
    const rules: CacheRule[] = [];
    let nextToken: string | undefined;
    do {
      const page = await gateway.list(context, request.registryId, {
        limit: COUNT_PAGE_SIZE,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      rules.push(...page.rules);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);

    const quota = { used: rules.length, limit: RULES_PER_REGISTRY };
    const existingRule = rules.find(
      (rule) => rule.ecrRepositoryPrefix === request.ecrRepositoryPrefix,
    );
    if (existingRule !== undefined) {
      const outcome = isSameRule(policy, existingRule, request) ? "existing" : "conflict";
      return { outcome, request, quota, existingRule };
    }
    return { outcome: quota.used >= quota.limit ? "quota-exceeded" : "create", request, quota };
  };
};
