import type { AuditTrail } from "./audit-trail.js";
import type { CacheRule, CacheRuleGateway, CacheRuleKey } from "./cache-rule.js";
import { canonicalUpstreamOf } from "./compliance.js";
import type { RequestContext } from "./request-context.js";
import type { UpstreamPolicy } from "./upstream-policy.js";

export interface DeleteCacheRuleDeps {
  readonly gateway: CacheRuleGateway;
  readonly policy: UpstreamPolicy;
}

/**
 * Deletes a rule whatever the policy says of it: that is how a rule that breaks the policy is
 * cleaned up. The audit line records the upstream the rule pointed at.
 */
export const makeDeleteCacheRule =
  ({ gateway, policy }: DeleteCacheRuleDeps) =>
  async (context: RequestContext, key: CacheRuleKey, trail: AuditTrail): Promise<CacheRule> => {
    const rule = await gateway.delete(context, key);
    trail.upstreamCanonical = canonicalUpstreamOf(policy, rule.upstreamRegistryUrl);
    return rule;
  };
