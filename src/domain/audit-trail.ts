/** The policy decision recorded for a create request. */
export type PolicyDecision = "allowed" | "denied" | "invalid";

/**
 * What a use case learns that the audit line must carry. The HTTP layer creates one per request
 * and the use case fills it in as it goes, so the line is complete whichever way the request ends.
 */
export interface AuditTrail {
  upstreamCanonical?: string;
  policyDecision?: PolicyDecision;
}
