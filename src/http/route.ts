import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { PolicyState } from "../adapters/policy-source.js";
import { DomainError } from "../domain/errors.js";
import type { ApiEvent, ApiResult } from "./api-event.js";
import { auditLog } from "./audit-middleware.js";
import { problemErrors } from "./error-middleware.js";
import { jsonBody } from "./json-body-middleware.js";

/** Fails closed: with a broken policy every request is refused before anything else happens. */
export const policyGuard = (policy: PolicyState): MiddlewareObj<ApiEvent, ApiResult> => ({
  name: "policyGuard",
  before: () => {
    if (!policy.ok) {
      throw new DomainError(
        "policy-unavailable",
        "PolicyUnavailable",
        "The upstream registry policy is unavailable.",
      );
    }
  },
});

export interface RouteOptions {
  readonly logger: Logger;
  readonly policy: PolicyState;
  /** The route takes a JSON body (and so needs a JSON content type). */
  readonly jsonBody: boolean;
  /** The route passes the policy gate, so its audit lines carry a decision. */
  readonly gated: boolean;
}

/**
 * The Middy chain every route shares, outermost first: Lambda context in the logs, the audit
 * line and `x-request-id`, problem+json errors, the policy guard, and the JSON body when the
 * route takes one. The handler added last receives an event whose body is a parsed object.
 */
export const httpRoute = ({ logger, policy, jsonBody: takesBody, gated }: RouteOptions) => {
  const chain = middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(auditLog({ logger, gated }))
    .use(problemErrors({ logger }))
    .use(policyGuard(policy));
  return takesBody ? chain.use(jsonBody()) : chain;
};
