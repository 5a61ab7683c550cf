import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@smithy/types";
import { DomainError } from "../domain/errors.js";
import type { Deadline, RegistryAccess } from "../domain/request-context.js";
import { watchDeadlines, withinDeadline } from "./aws-deadline.js";
import { type AwsClientOptions, awsClientConfig } from "./ecr-client.js";
import { translateStsError } from "./sts-errors.js";

/** The shortest session STS grants: each one serves a single request. */
const SESSION_SECONDS = 900;

/** Assumes a registry's role for one request, inside that request's deadline. */
export type AssumeRegistryRole = (
  access: RegistryAccess,
  deadline: Deadline,
) => Promise<AwsCredentialIdentity>;

const missing = (what: string): DomainError =>
  new DomainError("role-unavailable", `STS's answer had no ${what}.`);

/**
 * The STS side of contract §7, built once per cold start and only when the policy onboards a
 * registry with a role (this module is loaded on demand, so a one-account install never loads
 * the STS client): `AssumeRole` of the registry's role with `RoleSessionName` set to the
 * request id, so that CloudTrail in the target account ties back to the audit line.
 */
export const createRoleSessions = (options: AwsClientOptions): AssumeRegistryRole => {
  const sts = watchDeadlines(new STSClient(awsClientConfig(options)));
  return (access, deadline) =>
    withinDeadline(
      deadline,
      async (abortSignal) => {
        const { Credentials: credentials } = await sts.send(
          new AssumeRoleCommand({
            RoleArn: access.roleArn,
            RoleSessionName: access.sessionName,
            DurationSeconds: SESSION_SECONDS,
          }),
          { abortSignal },
        );
        if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
          throw missing("credentials");
        }
        return {
          accessKeyId: credentials.AccessKeyId,
          secretAccessKey: credentials.SecretAccessKey,
          ...(credentials.SessionToken === undefined
            ? {}
            : { sessionToken: credentials.SessionToken }),
          ...(credentials.Expiration === undefined ? {} : { expiration: credentials.Expiration }),
        };
      },
      translateStsError,
    );
};
