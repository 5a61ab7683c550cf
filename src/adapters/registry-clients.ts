import type { ECRClient } from "@aws-sdk/client-ecr";
import { DomainError } from "../domain/errors.js";
import type { RequestContext } from "../domain/request-context.js";
import type { EcrClientFor } from "./ecr-cache-rule-gateway.js";
import { type AwsClientOptions, ecrClientFor } from "./ecr-client.js";
import type { AssumeRegistryRole } from "./role-sessions.js";

/**
 * Chooses the ECR client each request's calls go through: the function's own for a registry
 * without a role; for one with a role, a client holding the credentials of exactly one
 * `AssumeRole` made for that request (however many ECR calls it makes), on the shared
 * connection pool, and used by no other request.
 */
export const registryClients = (
  base: ECRClient,
  options: AwsClientOptions,
  assumeRole: AssumeRegistryRole | undefined,
): EcrClientFor => {
  const perRequest = new WeakMap<RequestContext, Promise<ECRClient>>();
  return (context) => {
    const { access } = context;
    if (access === undefined) return base;
    let client = perRequest.get(context);
    if (client === undefined) {
      client =
        assumeRole === undefined
          ? Promise.reject(
              new DomainError("role-unavailable", "The function was built without an STS client."),
            )
          : assumeRole(access, context.deadline).then((credentials) =>
              ecrClientFor(base, options, credentials),
            );
      perRequest.set(context, client);
    }
    return client;
  };
};
