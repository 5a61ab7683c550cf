import type { CacheRule, CacheRuleSpec, RuleBinding } from "./cache-rule.js";
import {
  allowsUpstreamPrefix,
  bindingFor,
  canonicaliseUpstream,
  judgeUpstream,
  ROOT_PREFIX,
  type UpstreamEntry,
  type UpstreamPolicy,
} from "./upstream-policy.js";

/** Today's judgement of an existing rule (contract §6.1). */
export type Compliance = "allowed" | "not-on-allowlist" | "drift";

export type RuleJudgement =
  | { readonly compliance: "not-on-allowlist" }
  | {
      readonly compliance: "allowed" | "drift";
      readonly entry: UpstreamEntry;
      /** The credential and role the policy binds today, filled in for the rule's registry. */
      readonly expected: Pick<RuleBinding, "credentialArn" | "customRoleArn">;
    };

/**
 * The canonical upstream of a stored URL: the allowlist entry's `url` when the URL, once
 * canonicalised, is that entry's url or one of its aliases; else the canonicalised host itself;
 * a value that is no host at all stays as ECR holds it (and so equals no entry).
 */
export const canonicalUpstreamOf = (policy: UpstreamPolicy, url: string): string => {
  const canonical = canonicaliseUpstream(url);
  if (!canonical.ok) return url;
  const entry = policy.upstreams.find(
    (e) => e.url === canonical.host || e.aliases.includes(canonical.host),
  );
  return entry?.url ?? canonical.host;
};

const sameUpstreamPrefix = (a: string | undefined, b: string | undefined): boolean =>
  (a ?? ROOT_PREFIX) === (b ?? ROOT_PREFIX);

/**
 * Judges a rule as ECR holds it against today's policy, on canonical forms: a rule stored under
 * an alias or another case (`docker.io`, `QUAY.IO`) is judged as its entry's canonical upstream.
 *
 * 1. The upstream must be on the allowlist for the rule's registry, and its upstream repository
 *    prefix one the entry allows (none counts as `ROOT`): otherwise `not-on-allowlist`.
 * 2. Its credential and custom role must be exactly what the entry binds today for that
 *    registry (none where it binds none): otherwise `drift`.
 *
 * `upstreamRegistry` is not compared: ECR reports it for every rule and checks it itself.
 */
export const judgeRule = (
  policy: UpstreamPolicy,
  region: string,
  rule: CacheRule,
): RuleJudgement => {
  const canonical = canonicaliseUpstream(rule.upstreamRegistryUrl);
  if (!canonical.ok) return { compliance: "not-on-allowlist" };
  const verdict = judgeUpstream(policy, rule.registryId, canonical.host);
  if (!verdict.allowed || !allowsUpstreamPrefix(verdict.entry, rule.upstreamRepositoryPrefix)) {
    return { compliance: "not-on-allowlist" };
  }
  const expected = bindingFor(verdict.entry, rule.registryId, region);
  const matches =
    rule.credentialArn === expected.credentialArn && rule.customRoleArn === expected.customRoleArn;
  return { compliance: matches ? "allowed" : "drift", entry: verdict.entry, expected };
};

/**
 * Whether `existing` is the rule that `spec` would have made (contract §1's retries): the same
 * upstream in canonical form, the same upstream repository prefix (none and `ROOT` alike), and
 * the same credential and role.
 */
export const isSameRule = (policy: UpstreamPolicy, existing: CacheRule, spec: CacheRuleSpec) =>
  canonicalUpstreamOf(policy, existing.upstreamRegistryUrl) === spec.upstreamRegistryUrl &&
  sameUpstreamPrefix(existing.upstreamRepositoryPrefix, spec.upstreamRepositoryPrefix) &&
  existing.credentialArn === spec.credentialArn &&
  existing.customRoleArn === spec.customRoleArn;

/** Whether `existing` caches the same upstream as `spec`, whatever its credential or role. */
export const isSameUpstream = (policy: UpstreamPolicy, existing: CacheRule, spec: CacheRuleSpec) =>
  canonicalUpstreamOf(policy, existing.upstreamRegistryUrl) === spec.upstreamRegistryUrl &&
  sameUpstreamPrefix(existing.upstreamRepositoryPrefix, spec.upstreamRepositoryPrefix);
