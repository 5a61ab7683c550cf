/** The policy decision recorded for a request that passes the policy gate. */
export type PolicyDecision = "allowed" | "denied" | "invalid";

/**
 * What a use case learns that the audit line must carry. The HTTP layer creates one per request
 * and the use case fills it in as it goes, so the line is complete whichever way the request ends.
 */
export interface AuditTrail {
  upstreamCanonical?: string;
  policyDecision?: PolicyDecision;
  /** A dry run: nothing was created. */
  dryRun?: boolean;
  /** The registry's onboarding decision (contract §7), when the policy onboards registries. */
  authorization?: "allowed" | "registry-not-onboarded" | "caller-not-authorized";
  /** The account of the role assumed for this request, and its session name. */
  roleAccount?: string;
  roleSessionName?: string;
}
