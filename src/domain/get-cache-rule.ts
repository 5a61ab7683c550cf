import type { CacheRule, CacheRuleGateway, CacheRuleKey } from "./cache-rule.js";

export interface GetCacheRuleDeps {
  readonly gateway: CacheRuleGateway;
}

/** Reads one rule; a missing rule surfaces as the gateway's `rule-not-found` error. */
export const makeGetCacheRule =
  ({ gateway }: GetCacheRuleDeps) =>
  (key: CacheRuleKey): Promise<CacheRule> =>
    gateway.describe(key);
