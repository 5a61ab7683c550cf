import type { RouteModule } from "./route.js";

export type HttpMethod = "GET" | "POST" | "DELETE";

/** The ECR actions the service calls; the function's role holds exactly those its routes use. */
export type EcrAction =
  | "ecr:CreatePullThroughCacheRule"
  | "ecr:DescribePullThroughCacheRules"
  | "ecr:DeletePullThroughCacheRule"
  | "ecr:UpdatePullThroughCacheRule"
  | "ecr:ValidatePullThroughCacheRule";

/**
 * One route: everything the dispatcher, the build, `serverless.yml`, the deploy tests, the
 * OpenAPI document and the benchmark need to know of it. Its code (request schema, answers and
 * problems for the OpenAPI document, use case) is in the module `load` imports, which the first
 * request for the route loads, so a cold start carries none of the other routes.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway's resource path, as `event.resource` names it. */
  readonly resource: string;
  readonly operationId: string;
  /** Where the route names its registry: the path, the query, or not at all. */
  readonly registry: "path" | "query" | "none";
  /** A JSON body: required, allowed (empty or `{}`), or refused. */
  readonly body: "required" | "optional" | "none";
  /** The query parameters it takes; any other is a 400. */
  readonly query: readonly string[];
  /** The policy gate decides it: its audit lines always carry a decision. */
  readonly gated: boolean;
  /** It changes rules: a time-out may have changed one. */
  readonly changes: boolean;
  readonly ecrActions: readonly EcrAction[];
  /** The route's own code: request schema, documentation and handler (`routes/*.ts`). */
  readonly load: () => Promise<RouteModule>;
}

const RULES = "/registries/{registryId}/cache-rules";
const RULE = `${RULES}/{ecrRepositoryPrefix}`;
/**
 * Every route of the API (contract §1 to §6), in the order the OpenAPI document lists them.
 * A new route is one entry here and one module in `routes/`.
 */
export const ROUTES: readonly RouteDefinition[] = [
  {
    method: "POST",
    resource: RULES,
    operationId: "createCacheRule",
    registry: "path",
    body: "required",
    query: ["dryRun"],
    gated: true,
    changes: true,
    ecrActions: [
      "ecr:CreatePullThroughCacheRule",
      "ecr:DescribePullThroughCacheRules",
      "ecr:ValidatePullThroughCacheRule",
    ],
    load: async () => (await import("./routes/create-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: RULES,
    operationId: "listCacheRules",
    registry: "path",
    body: "none",
    query: ["limit", "nextToken"],
    gated: false,
    changes: false,
    ecrActions: ["ecr:DescribePullThroughCacheRules"],
    load: async () => (await import("./routes/list-cache-rules.js")).route,
  },
  {
    method: "GET",
    resource: RULE,
    operationId: "getCacheRule",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: ["ecr:DescribePullThroughCacheRules"],
    load: async () => (await import("./routes/get-cache-rule.js")).route,
  },
  {
    method: "DELETE",
    resource: RULE,
    operationId: "deleteCacheRule",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: true,
    ecrActions: ["ecr:DeletePullThroughCacheRule"],
    load: async () => (await import("./routes/delete-cache-rule.js")).route,
  },
  {
    method: "POST",
    resource: `${RULE}/sync`,
    operationId: "syncCacheRule",
    registry: "path",
    body: "optional",
    query: [],
    gated: true,
    changes: true,
    ecrActions: ["ecr:DescribePullThroughCacheRules", "ecr:UpdatePullThroughCacheRule"],
    load: async () => (await import("./routes/sync-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: `${RULE}/validation`,
    operationId: "validateCacheRule",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: ["ecr:ValidatePullThroughCacheRule"],
    load: async () => (await import("./routes/validate-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: "/upstreams",
    operationId: "listUpstreams",
    registry: "query",
    body: "none",
    query: ["registryId"],
    gated: false,
    changes: false,
    ecrActions: [],
    load: async () => (await import("./routes/list-upstreams.js")).route,
  },
  {
    method: "GET",
    resource: "/openapi.json",
    operationId: "getOpenApiDocument",
    registry: "none",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: [],
    load: async () => (await import("./routes/openapi-document.js")).route,
  },
];

const byKey = new Map(ROUTES.map((route) => [`${route.method} ${route.resource}`, route]));

/** The route API Gateway matched, by its method and resource. */
export const findRoute = (method: string, resource: string): RouteDefinition | undefined =>
  byKey.get(`${method} ${resource}`);
