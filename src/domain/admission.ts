import type { AuditTrail } from "./audit-trail.js";
import type { CacheRuleSpec } from "./cache-rule.js";
import { DomainError, invalidRequest } from "./errors.js";
import {
  allowsUpstreamPrefix,
  canonicaliseUpstream,
  judgeUpstream,
  specFor,
  type UpstreamPolicy,
} from "./upstream-policy.js";

/** A create request once its fields are known to be strings of the right shape. */
export interface CreateCacheRuleCommand {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  /** The caller's spelling, validated only as a string so far. */
  readonly upstreamRegistryUrl: string;
  /** Only for ECR upstreams (§8); already checked against ECR's pattern. */
  readonly upstreamRepositoryPrefix?: string;
}

export interface AdmissionDeps {
  readonly policy: UpstreamPolicy;
  /** The AWS Region the function runs in, for ARN templates. */
  readonly region: string;
}

const MAX_LISTED_HOSTS = 10;

/** Where a refused caller can see what the registry may use, and how that list changes. */
const whatIsAllowed = (policy: UpstreamPolicy, registryId: string): string => {
  const hosts = policy.upstreams
    .filter((entry) => entry.registryIds === undefined || entry.registryIds.includes(registryId))
    .map((entry) => entry.url);
  const shown =
    hosts.length === 0
      ? "It may use no upstream today."
      : `It may use ${hosts.slice(0, MAX_LISTED_HOSTS).join(", ")}${hosts.length > MAX_LISTED_HOSTS ? ` and ${hosts.length - MAX_LISTED_HOSTS} more` : ""}.`;
  return `${shown} GET /upstreams?registryId=${registryId} lists them with their aliases; the allowlist changes only through a reviewed change to the policy file.`;
};

const notAllowed = (message: string): DomainError =>
  new DomainError("upstream-not-allowed", message);

/**
 * Decides what a create may ask of ECR, or refuses it; shared by the create and its dry run so
 * that both give the same answers. Records the decision in the audit trail as it goes.
 *
 * 1. Canonicalise the caller's upstream; a malformed one is `invalid` (400).
 * 2. Judge it against the allowlist for this registry; not admitted is `denied` (403).
 * 3. An upstream repository prefix is for ECR entries only (400 elsewhere) and must be one the
 *    entry allows (403); none counts as `ROOT`.
 * 4. The spec carries the entry's canonical values and today's credential and role.
 */
export const admitCreate = (
  { policy, region }: AdmissionDeps,
  command: CreateCacheRuleCommand,
  trail: AuditTrail,
): CacheRuleSpec => {
  const canonical = canonicaliseUpstream(command.upstreamRegistryUrl);
  if (!canonical.ok) {
    trail.policyDecision = "invalid";
    throw invalidRequest("Invalid field upstreamRegistryUrl; see errors for each.", [
      { field: "upstreamRegistryUrl", message: canonical.reason },
    ]);
  }
  trail.upstreamCanonical = canonical.host;

  const verdict = judgeUpstream(policy, command.registryId, canonical.host);
  if (!verdict.allowed) {
    trail.policyDecision = "denied";
    const refusal =
      verdict.reason === "not-on-allowlist"
        ? `Upstream registry '${canonical.host}' is not on the organisation's allowlist for registry ${command.registryId}.`
        : `Upstream registry '${canonical.host}' is on the organisation's allowlist, but not for registry ${command.registryId}.`;
    throw notAllowed(`${refusal} ${whatIsAllowed(policy, command.registryId)}`);
  }
  const { entry } = verdict;
  trail.upstreamCanonical = entry.url;

  const { upstreamRepositoryPrefix } = command;
  if (upstreamRepositoryPrefix !== undefined && entry.upstreamRegistry !== "ecr") {
    trail.policyDecision = "invalid";
    throw invalidRequest("Invalid field upstreamRepositoryPrefix; see errors for each.", [
      {
        field: "upstreamRepositoryPrefix",
        message: `is only for ECR upstreams; '${entry.url}' is not one`,
      },
    ]);
  }
  if (!allowsUpstreamPrefix(entry, upstreamRepositoryPrefix)) {
    trail.policyDecision = "denied";
    const allowed = entry.upstreamRepositoryPrefixes ?? [];
    throw notAllowed(
      upstreamRepositoryPrefix === undefined
        ? `Upstream '${entry.url}' needs an upstreamRepositoryPrefix, one of: ${allowed.join(", ")}.`
        : `Upstream repository prefix '${upstreamRepositoryPrefix}' is not allowed for '${entry.url}'; allowed: ${allowed.length === 0 ? "ROOT only" : allowed.join(", ")}. The allowlist changes only through a reviewed change to the policy file.`,
    );
  }
  trail.policyDecision = "allowed";
  return specFor(
    entry,
    command.registryId,
    command.ecrRepositoryPrefix,
    region,
    upstreamRepositoryPrefix,
  );
};
