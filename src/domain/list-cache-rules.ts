import type { CacheRule, CacheRuleGateway, PageRequest } from "./cache-rule.js";
import { type Compliance, judgeRule } from "./compliance.js";
import type { RequestContext } from "./request-context.js";
import type { UpstreamPolicy } from "./upstream-policy.js";

export interface ListedRule {
  readonly rule: CacheRule;
  readonly compliance: Compliance;
}

export interface RuleListPage {
  readonly rules: readonly ListedRule[];
  readonly nextToken?: string;
}

export interface ListCacheRulesDeps {
  readonly gateway: CacheRuleGateway;
  readonly policy: UpstreamPolicy;
  readonly region: string;
}

/**
 * One page of a registry's rules in ECR's order, each with today's judgement of it
 * ({@link judgeRule}): the portal sees at a glance which rules break the policy.
 */
export const makeListCacheRules =
  ({ gateway, policy, region }: ListCacheRulesDeps) =>
  async (context: RequestContext, registryId: string, page: PageRequest): Promise<RuleListPage> => {
    const found = await gateway.list(context, registryId, page);
    return {
      rules: found.rules.map((rule) => ({
        rule,
        compliance: judgeRule(policy, region, rule).compliance,
      })),
      ...(found.nextToken === undefined ? {} : { nextToken: found.nextToken }),
    };
  };
