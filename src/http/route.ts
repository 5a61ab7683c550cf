import type * as z from "zod/mini";
import type { AuditTrail } from "../domain/audit-trail.js";
import type { CacheRuleGateway } from "../domain/cache-rule.js";
import type { FieldError } from "../domain/errors.js";
import type { RequestContext } from "../domain/request-context.js";
import type { UpstreamPolicy } from "../domain/upstream-policy.js";
import type { ApiEvent, ApiResult } from "./api-event.js";
import type { ProblemKind } from "./problem.js";
import { type RawRequest, requestParser } from "./request-schemas.js";
import type { ResponseSchemaName } from "./response-schemas.js";

/** What the routes' use cases are built from, once per cold start. */
export interface RouteServices {
  readonly policy: UpstreamPolicy;
  /** The Region the function runs in, for ARN templates. */
  readonly region: string;
  readonly gateway: CacheRuleGateway;
}

/** One request as the dispatcher hands it to its route. */
export interface RouteRequest {
  readonly event: ApiEvent;
  readonly raw: RawRequest;
  /** Problems the dispatcher found already (repeated query parameters), reported with the rest. */
  readonly fieldErrors: readonly FieldError[];
  readonly context: RequestContext;
  readonly trail: AuditTrail;
}

export type RouteHandler = (request: RouteRequest) => Promise<ApiResult>;

export interface SuccessAnswer {
  readonly status: 200 | 201;
  /** The body's schema; several when the answer is one of them (a create's 200 or its dry run). */
  readonly schema: ResponseSchemaName | readonly ResponseSchemaName[];
  readonly description: string;
  /** The answer carries a `Location` header: always (`required`) or when it names a rule. */
  readonly location?: "required" | "when-a-rule";
}

/** What the OpenAPI document says of a route besides its request schema. */
export interface RouteDocs {
  readonly summary: string;
  readonly answers: readonly SuccessAnswer[];
  /** What else it can answer besides what every route can. */
  readonly problems: readonly ProblemKind[];
}

/** What any route that calls ECR can meet, besides its own answers. */
export const ECR_FAILURES: readonly ProblemKind[] = [
  "ecr-rejected-request",
  "ecr-throttled",
  "ecr-access-denied",
  "ecr-unavailable",
  "ecr-timeout",
];

/** A route's own code: its request schema, its documentation, and its handler once bound. */
export interface RouteModule {
  /** Validates `{ path, query, body }`; the OpenAPI document is generated from it. */
  readonly request: z.ZodMiniType;
  readonly docs: RouteDocs;
  readonly bind: (services: RouteServices) => RouteHandler;
}

/**
 * Declares a route module: `handle` receives the request parsed by `request` (every problem of
 * the path, query and body reported together as one 400) and returns the answer.
 */
export const defineRoute = <T>(
  request: z.ZodMiniType<T>,
  docs: RouteDocs,
  handle: (services: RouteServices) => (input: T, request: RouteRequest) => Promise<ApiResult>,
): RouteModule => {
  const parse = requestParser(request);
  return {
    request,
    docs,
    bind: (services) => {
      const run = handle(services);
      return (routeRequest) => run(parse(routeRequest.raw, routeRequest.fieldErrors), routeRequest);
    },
  };
};
