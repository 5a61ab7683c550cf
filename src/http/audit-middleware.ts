import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { AuditTrail } from "../domain/audit-trail.js";
import { DomainError, type DomainErrorKind } from "../domain/errors.js";
import type { ApiEvent, ApiResult } from "./api-event.js";

const trails = new WeakMap<ApiEvent, AuditTrail>();

/** The audit trail of the request an event belongs to, for the use case to fill in. */
export const auditTrailFor = (event: ApiEvent): AuditTrail => {
  const trail = trails.get(event) ?? {};
  trails.set(event, trail);
  return trail;
};

const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;

/** API Gateway's request id (what its access log holds), else the Lambda invocation id. */
export const requestIdOf = (event: ApiEvent, context: Context): string => {
  const candidate: unknown = event.requestContext?.requestId;
  return typeof candidate === "string" && REQUEST_ID.test(candidate)
    ? candidate
    : context.awsRequestId;
};

/** Kinds whose `code` is ECR's exception name (or the service's word for not reaching ECR). */
const ECR_KINDS: ReadonlySet<DomainErrorKind> = new Set<DomainErrorKind>([
  "ecr-rejected-request",
  "upstream-unusable",
  "rule-not-found",
  "rule-conflict",
  "rule-quota-exceeded",
  "ecr-throttled",
  "ecr-unavailable",
  "ecr-timeout",
]);

const REFUSED_BEFORE_POLICY: ReadonlySet<DomainErrorKind> = new Set<DomainErrorKind>([
  "invalid-request",
  "payload-too-large",
  "unsupported-media-type",
]);

const MAX_LOGGED_LENGTH = 256;

/** A caller-supplied string, bounded so that no request can flood the log. */
const bounded = (value: unknown): string | undefined =>
  typeof value === "string" ? value.slice(0, MAX_LOGGED_LENGTH) : undefined;

/** Top-level string fields of a parsed body, without walking anything nested. */
const bodyField = (body: unknown, name: string): string | undefined =>
  typeof body === "object" && body !== null && !Array.isArray(body) && Object.hasOwn(body, name)
    ? bounded(Reflect.get(body, name))
    : undefined;

export interface AuditLogOptions {
  readonly logger: Logger;
  /** The route passes requests through the policy gate, so every line carries a decision. */
  readonly gated: boolean;
}

/**
 * Puts `x-request-id` on every answer and writes exactly one audit line per request, however it
 * ended. Must be the outermost of the route's middlewares (after the error handler has turned an
 * error into an answer). Logs chosen fields only: never the event, the body or a header.
 */
export const auditLog = ({
  logger,
  gated,
}: AuditLogOptions): MiddlewareObj<ApiEvent, ApiResult> => {
  const started = new WeakMap<ApiEvent, number>();

  const finish = (
    event: ApiEvent,
    context: Context,
    response: ApiResult | null,
    error: unknown,
  ): void => {
    const requestId = requestIdOf(event, context);
    if (response !== null) response.headers = { ...response.headers, "x-request-id": requestId };
    const trail = auditTrailFor(event);
    const kind = error instanceof DomainError ? error.kind : undefined;
    const decision =
      trail.policyDecision ??
      (gated && kind !== undefined && REFUSED_BEFORE_POLICY.has(kind)
        ? "invalid"
        : gated && kind === "policy-unavailable"
          ? "denied"
          : undefined);
    const identity = event.requestContext?.identity;
    const path = event.pathParameters ?? {};
    logger.info("audit", {
      requestId,
      httpMethod: event.httpMethod,
      resource: event.resource,
      callerAccount: identity?.accountId ?? undefined,
      callerArn: identity?.userArn ?? undefined,
      registryId: bounded(path["registryId"]),
      ecrRepositoryPrefix:
        bounded(path["ecrRepositoryPrefix"]) ?? bodyField(event.body, "ecrRepositoryPrefix"),
      upstreamRequested: bodyField(event.body, "upstreamRegistryUrl"),
      upstreamCanonical: trail.upstreamCanonical,
      policyDecision: decision,
      ecrErrorCode:
        error instanceof DomainError && ECR_KINDS.has(error.kind) ? error.code : undefined,
      errorCode:
        error instanceof DomainError ? error.code : error === null ? undefined : "InternalError",
      status: response?.statusCode,
      durationMs:
        Math.round((performance.now() - (started.get(event) ?? performance.now())) * 10) / 10,
    });
  };

  return {
    name: "auditLog",
    before: ({ event }) => {
      started.set(event, performance.now());
      auditTrailFor(event);
    },
    after: ({ event, context, response }) => finish(event, context, response, null),
    onError: ({ event, context, response, error }) => finish(event, context, response, error),
  };
};
