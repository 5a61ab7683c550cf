import type { AuditTrail } from "./audit-trail.js";
import type { CacheRule, CacheRuleGateway, CacheRuleKey } from "./cache-rule.js";
import { canonicalUpstreamOf, judgeRule } from "./compliance.js";
import { DomainError } from "./errors.js";
import type { RequestContext } from "./request-context.js";
import { explainSecretError } from "./secret-errors.js";
import type { UpstreamPolicy } from "./upstream-policy.js";

export interface SyncResult {
  readonly sync: "updated" | "unchanged";
  readonly rule: CacheRule;
}

export interface SyncCacheRuleDeps {
  readonly gateway: CacheRuleGateway;
  readonly policy: UpstreamPolicy;
  readonly region: string;
}

/**
 * Brings a rule's credential and role in line with today's policy (contract §6.5).
 *
 * 1. Read the rule (404 when there is none) and judge it ({@link judgeRule}).
 * 2. Not on the allowlist: 403, it cannot be fixed, only deleted.
 * 3. Already what the policy binds: `unchanged`, no update call.
 * 4. It carries a credential or role the policy no longer binds: 409, since ECR cannot remove
 *    one from a rule.
 * 5. Otherwise `UpdatePullThroughCacheRule` with the policy's values: `updated`.
 */
export const makeSyncCacheRule =
  ({ gateway, policy, region }: SyncCacheRuleDeps) =>
  async (context: RequestContext, key: CacheRuleKey, trail: AuditTrail): Promise<SyncResult> => {
    const rule = await gateway.describe(context, key);
    trail.upstreamCanonical = canonicalUpstreamOf(policy, rule.upstreamRegistryUrl);
    const judgement = judgeRule(policy, region, rule);
    if (judgement.compliance === "not-on-allowlist") {
      trail.policyDecision = "denied";
      throw new DomainError(
        "upstream-not-allowed",
        `The rule's upstream '${rule.upstreamRegistryUrl}'${rule.upstreamRepositoryPrefix === undefined ? "" : ` (upstream prefix '${rule.upstreamRepositoryPrefix}')`} is not on the organisation's allowlist for registry ${key.registryId}; it cannot be brought in line: delete it instead.`,
      );
    }
    trail.policyDecision = "allowed";
    if (judgement.compliance === "allowed") return { sync: "unchanged", rule };

    const { expected } = judgement;
    const removes = [
      rule.credentialArn !== undefined && expected.credentialArn === undefined && "credential",
      rule.customRoleArn !== undefined && expected.customRoleArn === undefined && "role",
    ].filter((what) => what !== false);
    if (removes.length > 0) {
      throw new DomainError(
        "cannot-remove-credential",
        `The rule has a ${removes.join(" and a ")} that the policy no longer binds, and ECR cannot remove one from a rule: delete the rule and create it again.`,
      );
    }
    const updated = await gateway
      .update(context, { ...key, ...expected })
      .catch((error: unknown) => Promise.reject(explainSecretError(error, expected.credentialArn)));
    return {
      sync: "updated",
      rule: {
        ...rule,
        ...(updated.credentialArn === undefined ? {} : { credentialArn: updated.credentialArn }),
        ...(updated.customRoleArn === undefined ? {} : { customRoleArn: updated.customRoleArn }),
        ...(updated.updatedAt === undefined ? {} : { updatedAt: updated.updatedAt }),
      },
    };
  };
