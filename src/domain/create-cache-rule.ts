import type { AuditTrail } from "./audit-trail.js";
import type { CacheRule, CacheRuleGateway } from "./cache-rule.js";
import { DomainError, invalidRequest } from "./errors.js";
import {
  canonicaliseUpstream,
  judgeUpstream,
  specFor,
  type UpstreamPolicy,
} from "./upstream-policy.js";

export interface CreateCacheRuleCommand {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  /** The caller's spelling, validated only as a string so far. */
  readonly upstreamRegistryUrl: string;
}

export type CreateCacheRuleOutcome =
  | { readonly status: "created"; readonly rule: CacheRule }
  | { readonly status: "existing"; readonly rule: CacheRule };

export interface CreateCacheRuleDeps {
  readonly gateway: CacheRuleGateway;
  readonly policy: UpstreamPolicy;
  /** The AWS Region the function runs in, for credential ARN templates. */
  readonly region: string;
}

/**
 * Creates a pull through cache rule, safely and idempotently.
 *
 * 1. Canonicalise the caller's upstream; a malformed one is `invalid`.
 * 2. Judge it against the allowlist for this registry; not admitted is `denied`.
 * 3. Ask ECR to create the rule with the entry's canonical values only.
 * 4. If ECR says the prefix is taken, read the rule: the same upstream means a retry of an earlier
 *    success (`existing`); another upstream, or a rule that vanished meanwhile, is a conflict.
 */
export const makeCreateCacheRule =
  ({ gateway, policy, region }: CreateCacheRuleDeps) =>
  async (
    command: CreateCacheRuleCommand,
    trail: AuditTrail = {},
  ): Promise<CreateCacheRuleOutcome> => {
    const canonical = canonicaliseUpstream(command.upstreamRegistryUrl);
    if (!canonical.ok) {
      trail.policyDecision = "invalid";
      throw invalidRequest("The request is not valid.", [
        { field: "upstreamRegistryUrl", message: canonical.reason },
      ]);
    }
    trail.upstreamCanonical = canonical.host;

    const verdict = judgeUpstream(policy, command.registryId, canonical.host);
    if (!verdict.allowed) {
      trail.policyDecision = "denied";
      const message =
        verdict.reason === "not-on-allowlist"
          ? `Upstream registry '${canonical.host}' is not on the organisation's allowlist.`
          : `Upstream registry '${canonical.host}' is on the organisation's allowlist, but not for registry ${command.registryId}.`;
      throw new DomainError("upstream-not-allowed", "UpstreamNotAllowed", message);
    }
    trail.policyDecision = "allowed";
    trail.upstreamCanonical = verdict.entry.url;

    const spec = specFor(verdict.entry, command.registryId, command.ecrRepositoryPrefix, region);
    try {
      return { status: "created", rule: await gateway.create(spec) };
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== "rule-conflict") throw error;
      return resolveConflict(gateway, spec.upstreamRegistryUrl, command, error);
    }
  };

const resolveConflict = async (
  gateway: CacheRuleGateway,
  upstreamRegistryUrl: string,
  command: CreateCacheRuleCommand,
  conflict: DomainError,
): Promise<CreateCacheRuleOutcome> => {
  let existing: CacheRule;
  try {
    existing = await gateway.describe({
      registryId: command.registryId,
      ecrRepositoryPrefix: command.ecrRepositoryPrefix,
    });
  } catch (error) {
    // Deleted between the two calls: report the conflict ECR gave, not a confusing 404.
    if (error instanceof DomainError && error.kind === "rule-not-found") throw conflict;
    throw error;
  }
  if (existing.upstreamRegistryUrl === upstreamRegistryUrl)
    return { status: "existing", rule: existing };
  throw new DomainError(
    "rule-conflict",
    conflict.code,
    `A pull through cache rule with prefix '${command.ecrRepositoryPrefix}' already exists in registry ${command.registryId} for upstream '${existing.upstreamRegistryUrl}'. ECR: ${conflict.message}`,
    { cause: conflict },
  );
};
