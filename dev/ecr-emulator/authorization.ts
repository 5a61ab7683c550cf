import type { CredentialLookup } from "./credential-lookup.js";
import { hasValidSignature, parseAuthorization, type ReceivedRequest } from "./sigv4.js";
import { EcrError } from "./validation.js";

/** A call for a registry that requires a role. */
export interface RoleBoundCall {
  readonly request: ReceivedRequest;
  /** The ECR operation, for the AccessDenied message. */
  readonly operation: string;
  readonly requiredRoleArn: string;
}

const accessDenied = (principal: string, operation: string): EcrError =>
  new EcrError(
    "AccessDeniedException",
    // The pull through cache actions have no resource type, so IAM names the resource `*`.
    `User: ${principal} is not authorized to perform: ecr:${operation} on resource: * because no identity-based policy allows the ecr:${operation} action`,
  );

const invalidToken = (): EcrError =>
  new EcrError(
    "UnrecognizedClientException",
    "The security token included in the request is invalid.",
  );

/**
 * Checks that a call for a registry onboarded with a role is signed, with a valid SigV4
 * signature, by temporary credentials issued for exactly that role; throws the error AWS
 * answers otherwise, all HTTP 400:
 * - no `Authorization` header: `MissingAuthenticationTokenException`;
 * - one that is not SigV4: `IncompleteSignatureException`;
 * - a credential scope for another service: `InvalidSignatureException`;
 * - a key the STS emulator never issued: with a session token, `UnrecognizedClientException`;
 *   without one, a long-term key of the emulator's own account, hence `AccessDeniedException`
 *   for `arn:aws:iam::<accountId>:user/<accessKeyId>` (e.g. the function's own credentials);
 * - an issued key with another session token, or none: `UnrecognizedClientException`;
 * - expired credentials: `ExpiredTokenException`;
 * - a signature that does not verify with the issued secret: `InvalidSignatureException`;
 * - credentials of another role: `AccessDeniedException` for the assumed-role ARN.
 */
export const checkSignedByRole = async (
  call: RoleBoundCall,
  credentials: CredentialLookup | undefined,
  accountId: string,
  now: Date = new Date(),
): Promise<void> => {
  const { headers } = call.request;
  const header = headers["authorization"];
  if (header === undefined) {
    throw new EcrError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  const authorization = parseAuthorization(header);
  if (authorization === undefined) {
    throw new EcrError(
      "IncompleteSignatureException",
      "The Authorization header is not an AWS Signature Version 4 header with Credential, SignedHeaders and Signature.",
    );
  }
  if (authorization.service !== "ecr") {
    throw new EcrError(
      "InvalidSignatureException",
      "Credential should be scoped to correct service: 'ecr'.",
    );
  }
  const token = headers["x-amz-security-token"];
  const issued = await credentials?.lookup(authorization.accessKeyId);
  if (issued === undefined) {
    if (token !== undefined) throw invalidToken();
    throw accessDenied(
      `arn:aws:iam::${accountId}:user/${authorization.accessKeyId}`,
      call.operation,
    );
  }
  if (token !== issued.sessionToken) throw invalidToken();
  if (issued.expiration <= now) {
    throw new EcrError(
      "ExpiredTokenException",
      "The security token included in the request is expired",
    );
  }
  if (!(await hasValidSignature(call.request, authorization, issued))) {
    throw new EcrError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  if (issued.roleArn !== call.requiredRoleArn) {
    throw accessDenied(issued.assumedRoleArn, call.operation);
  }
};
