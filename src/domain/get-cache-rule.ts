import type { CacheRule, CacheRuleGateway, CacheRuleKey, RuleValidation } from "./cache-rule.js";
import type { RequestContext } from "./request-context.js";

export interface GetCacheRuleDeps {
  readonly gateway: CacheRuleGateway;
}

/** Reads one rule; a missing rule surfaces as the gateway's `rule-not-found` error. */
export const makeGetCacheRule =
  ({ gateway }: GetCacheRuleDeps) =>
  (context: RequestContext, key: CacheRuleKey): Promise<CacheRule> =>
    gateway.describe(context, key);

/** Asks ECR whether a rule can reach its upstream with its credential (contract §6.6). */
export const makeValidateCacheRule =
  ({ gateway }: GetCacheRuleDeps) =>
  (context: RequestContext, key: CacheRuleKey): Promise<RuleValidation> =>
    gateway.validate(context, key);
