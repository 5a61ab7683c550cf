import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { ApiEvent, ApiResult } from "./api-event.js";
import { auditText } from "./audit-text.js";
import type { Failure } from "./problem.js";
import { requestIdOf } from "./request-id.js";
import { requestStateOf } from "./request-state.js";

export interface AuditLogOptions {
  readonly logger: Logger;
}

/**
 * Puts `x-request-id` on every answer and writes exactly one audit line per request, however it
 * ended (contract §4, §6.8). Must be the outermost of the service's middlewares (after the error
 * handler has turned an error into an answer). Logs chosen fields only, every caller-supplied
 * one through {@link auditText}: never the event, the body or a header.
 */
export const auditLog = ({ logger }: AuditLogOptions): MiddlewareObj<ApiEvent, ApiResult> => {
  const finish = (
    event: ApiEvent,
    context: Context,
    response: ApiResult | null,
    failure: Failure | undefined,
  ): void => {
    const requestId = requestIdOf(event, context);
    if (response !== null) response.headers = { ...response.headers, "x-request-id": requestId };
    const { route, trail, body, startedAt } = requestStateOf(event);
    const identity = event.requestContext?.identity;
    const path = event.pathParameters ?? {};
    logger.info("audit", {
      requestId,
      httpMethod: auditText(event.httpMethod),
      resource: auditText(event.resource),
      callerAccount: auditText(identity?.accountId),
      callerArn: auditText(identity?.userArn),
      registryId: auditText(path["registryId"] ?? event.queryStringParameters?.["registryId"]),
      ecrRepositoryPrefix: auditText(path["ecrRepositoryPrefix"] ?? body?.["ecrRepositoryPrefix"]),
      upstreamRequested: auditText(body?.["upstreamRegistryUrl"]),
      upstreamRepositoryPrefix: auditText(body?.["upstreamRepositoryPrefix"]),
      upstreamCanonical: trail.upstreamCanonical,
      policyDecision:
        trail.policyDecision ?? (route?.gated === true ? failure?.row.auditDecision : undefined),
      dryRun: trail.dryRun,
      authorization: trail.authorization,
      roleAccount: trail.roleAccount,
      roleSessionName: trail.roleSessionName,
      ecrErrorCode: failure?.row.fromEcr === true ? failure.code : undefined,
      errorCode: failure?.code,
      status: response?.statusCode,
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
    });
  };

  return {
    name: "auditLog",
    before: ({ event }) => {
      requestStateOf(event);
    },
    after: ({ event, context, response }) => finish(event, context, response, undefined),
    // The error table is loaded with the first failure: an answered request never needs it.
    onError: async ({ event, context, response, error }) => {
      const { failureOf } = await import("./problem.js");
      finish(event, context, response, failureOf(error));
    },
  };
};
