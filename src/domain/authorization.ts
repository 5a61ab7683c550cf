import type { AuditTrail } from "./audit-trail.js";
import { DomainError } from "./errors.js";
import type { Caller, RegistryAccess } from "./request-context.js";
import type { UpstreamPolicy } from "./upstream-policy.js";

/**
 * Decides whether `caller` may act on `registryId` (contract §7), before anything else is read:
 *
 * - no `registries` section: every registry, for any caller, with the function's own
 *   credentials (`undefined`);
 * - a registry that is not onboarded: 403 `RegistryNotOnboarded`, without naming the ones that
 *   are;
 * - a caller whose account is not among the entry's `callers`: 403 `CallerNotAuthorized`;
 * - else the entry's role, if it has one, to be assumed for this request only, in a session
 *   named after the request.
 */
export const authorizeRegistry = (
  policy: UpstreamPolicy,
  registryId: string,
  caller: Caller,
  requestId: string,
  trail: AuditTrail,
): RegistryAccess | undefined => {
  if (policy.registries === undefined) return undefined;
  const entry = policy.registries.find((registry) => registry.id === registryId);
  if (entry === undefined) {
    trail.authorization = "registry-not-onboarded";
    throw new DomainError(
      "registry-not-onboarded",
      `Registry ${registryId} is not onboarded to this service. Registries are onboarded by the platform team, through a reviewed change to the policy file.`,
    );
  }
  if (caller.accountId === undefined || !entry.callers.includes(caller.accountId)) {
    trail.authorization = "caller-not-authorized";
    throw new DomainError(
      "caller-not-authorized",
      `Principals of account ${caller.accountId ?? "(unknown)"} may not act on registry ${registryId}. The registry's callers are set by the platform team, through a reviewed change to the policy file.`,
    );
  }
  trail.authorization = "allowed";
  if (entry.roleArn === undefined) return undefined;
  // The policy check holds every roleArn to its registry's own account.
  trail.roleAccount = entry.id;
  trail.roleSessionName = requestId;
  return { roleArn: entry.roleArn, sessionName: requestId };
};
