import type { Context } from "aws-lambda";
import type { PolicyState } from "../adapters/policy-source.js";
import { authorizeRegistry } from "../domain/authorization.js";
import { DomainError, type FieldError } from "../domain/errors.js";
import { type RequestContext, startDeadline } from "../domain/request-context.js";
import type { ApiEvent, ApiResult } from "./api-event.js";
import { HttpError } from "./http-error.js";
import { hasBody, readJsonBody } from "./json-body.js";
import { requestIdOf } from "./request-id.js";
import { requestStateOf } from "./request-state.js";
import type { RouteHandler, RouteServices } from "./route.js";
import { findRoute, type RouteDefinition } from "./route-table.js";

export interface DispatchOptions {
  readonly policy: PolicyState;
  readonly region: string;
  readonly gateway: RouteServices["gateway"];
  /** One deadline for all of a request's AWS calls, in milliseconds. */
  readonly deadlineMs: number;
}

const REGISTRY_ID = /^[0-9]{12}$/;

interface Query {
  readonly values: Record<string, string>;
  readonly repeated: readonly FieldError[];
}

/** Query parameters, each once; `multiValueQueryStringParameters` shows what was repeated. */
const queryOf = (event: ApiEvent): Query => {
  const multi: Record<string, (string | undefined)[] | undefined> =
    event.multiValueQueryStringParameters ?? {};
  const single: Record<string, string | undefined> = event.queryStringParameters ?? {};
  const values: Record<string, string> = {};
  const repeated: FieldError[] = [];
  for (const name of new Set([...Object.keys(multi), ...Object.keys(single)])) {
    const given = multi[name] ?? [single[name]];
    if (given.length > 1) repeated.push({ field: name, message: "must be given only once" });
    const [first] = given;
    if (first !== undefined) values[name] = first;
  }
  return { values, repeated };
};

const registryIdOf = (
  route: RouteDefinition,
  event: ApiEvent,
  query: Query,
): string | undefined => {
  // A repeated `?registryId=` is the 400 that names it, not a registry to authorise.
  const id =
    route.registry === "path"
      ? event.pathParameters?.["registryId"]
      : route.registry === "query" && !query.repeated.some(({ field }) => field === "registryId")
        ? query.values["registryId"]
        : undefined;
  return id !== undefined && REGISTRY_ID.test(id) ? id : undefined;
};

/** The body as the route takes it: required, allowed but optional, or refused. */
const bodyOf = (route: RouteDefinition, event: ApiEvent): Record<string, unknown> | undefined => {
  if (route.body === "required") {
    return readJsonBody(event, "ecrRepositoryPrefix and upstreamRegistryUrl");
  }
  if (!hasBody(event)) return undefined;
  if (route.body === "optional") return readJsonBody(event, "no members, or send no body");
  throw new HttpError(
    "invalid-body",
    `${route.method} ${route.resource} takes no body; send the request without one.`,
  );
};

/**
 * The inner handler of the one function: finds the route API Gateway matched and runs it.
 *
 * 1. The route, by method and resource (API Gateway only sends the ones it has).
 * 2. A broken policy refuses everything (503).
 * 3. The registry the route names, once its id is well-formed, is authorised for the caller
 *    (contract §7) before the body is even read.
 * 4. The body as the route takes it (415, 413, 400), then the route's own schema for the
 *    path, query and body, reporting every problem at once.
 * 5. The route's module, loaded and bound to the services on its first request.
 */
export const makeDispatcher = ({ policy, region, gateway, deadlineMs }: DispatchOptions) => {
  const handlers = new Map<RouteDefinition, Promise<RouteHandler>>();
  const handlerFor = (route: RouteDefinition, services: RouteServices): Promise<RouteHandler> => {
    let handler = handlers.get(route);
    if (handler === undefined) {
      handler = route.load().then((module) => module.bind(services));
      handlers.set(route, handler);
    }
    return handler;
  };

  return async (event: ApiEvent, lambdaContext: Context): Promise<ApiResult> => {
    const state = requestStateOf(event);
    const route = findRoute(event.httpMethod, event.resource);
    if (route === undefined) {
      throw new HttpError(
        "route-not-found",
        `There is no route ${event.httpMethod} ${event.resource}.`,
      );
    }
    state.route = route;
    const query = queryOf(event);
    // A dry run's audit line says so however early it is refused (contract §6.8).
    if (route.query.includes("dryRun") && query.values["dryRun"] === "true") {
      state.trail.dryRun = true;
    }
    if (!policy.ok) {
      throw new DomainError("policy-unavailable", "The upstream registry policy is unavailable.");
    }
    const requestId = requestIdOf(event, lambdaContext);
    const identity = event.requestContext?.identity;
    const caller = {
      ...(identity?.accountId ? { accountId: identity.accountId } : {}),
      ...(identity?.userArn ? { arn: identity.userArn } : {}),
    };
    const registryId = registryIdOf(route, event, query);
    const access =
      registryId === undefined
        ? undefined
        : authorizeRegistry(policy.policy, registryId, caller, requestId, state.trail);
    const body = bodyOf(route, event);
    if (body !== undefined) state.body = body;

    const handler = await handlerFor(route, { policy: policy.policy, region, gateway });
    const deadline = startDeadline(deadlineMs);
    const context: RequestContext = {
      requestId,
      deadline,
      caller,
      ...(access === undefined ? {} : { access }),
    };
    try {
      return await handler({
        event,
        raw: {
          path: event.pathParameters ?? {},
          query: query.values,
          ...(body === undefined ? {} : { body }),
        },
        fieldErrors: query.repeated,
        context,
        trail: state.trail,
      });
    } finally {
      deadline.stop();
    }
  };
};
