import type { ProblemKind } from "./problem.js";
import type { ResponseSchemaName } from "./response-schemas.js";
import type { RouteModule } from "./route.js";

export type HttpMethod = "GET" | "POST" | "DELETE";

/** The ECR actions the service calls; the function's role holds exactly those its routes use. */
export type EcrAction =
  | "ecr:CreatePullThroughCacheRule"
  | "ecr:DescribePullThroughCacheRules"
  | "ecr:DeletePullThroughCacheRule"
  | "ecr:UpdatePullThroughCacheRule"
  | "ecr:ValidatePullThroughCacheRule";

export interface SuccessAnswer {
  readonly status: 200 | 201;
  /** The body's schema; several when the answer is one of them (a create's 200 or its dry run). */
  readonly schema: ResponseSchemaName | readonly ResponseSchemaName[];
  readonly description: string;
  /** The answer carries a `Location` header: always (`required`) or when it names a rule. */
  readonly location?: "required" | "when-a-rule";
}

/**
 * One route: everything the dispatcher, the build, `serverless.yml`, the deploy tests, the
 * OpenAPI document and the benchmark need to know of it. Its code (request schema, use case)
 * is in the module `load` imports, which the first request for the route loads.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway's resource path, as `event.resource` names it. */
  readonly resource: string;
  readonly operationId: string;
  readonly summary: string;
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
  readonly answers: readonly SuccessAnswer[];
  /** What else it can answer besides what every route can, for the OpenAPI document. */
  readonly problems: readonly ProblemKind[];
  readonly load: () => Promise<RouteModule>;
}

const RULES = "/registries/{registryId}/cache-rules";
const RULE = `${RULES}/{ecrRepositoryPrefix}`;
// What any route that calls ECR can meet, besides its own answers.
const ecrFailures: readonly ProblemKind[] = [
  "ecr-rejected-request",
  "ecr-throttled",
  "ecr-access-denied",
  "ecr-unavailable",
  "ecr-timeout",
];

/**
 * Every route of the API (contract §1 to §6), in the order the OpenAPI document lists them.
 * A new route is one entry here and one module in `routes/`.
 */
export const ROUTES: readonly RouteDefinition[] = [
  {
    method: "POST",
    resource: RULES,
    operationId: "createCacheRule",
    summary: "Create a rule (or, with ?dryRun=true, preview what creating it would do)",
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
    answers: [
      {
        status: 201,
        schema: "CreatedRule",
        description: "The rule was created.",
        location: "required",
      },
      {
        status: 200,
        schema: ["CreatedRule", "DryRun"],
        description:
          "A retry: the prefix already holds exactly this rule (with ?dryRun=true: the preview, a DryRun body, without Location).",
        location: "when-a-rule",
      },
    ],
    problems: [
      "invalid-body",
      "payload-too-large",
      "unsupported-media-type",
      "upstream-not-allowed",
      "upstream-unusable",
      "rule-conflict",
      "rule-quota-exceeded",
      ...ecrFailures,
    ],
    load: async () => (await import("./routes/create-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: RULES,
    operationId: "listCacheRules",
    summary: "List a registry's rules, each with today's policy judgement",
    registry: "path",
    body: "none",
    query: ["limit", "nextToken"],
    gated: false,
    changes: false,
    ecrActions: ["ecr:DescribePullThroughCacheRules"],
    answers: [{ status: 200, schema: "RuleList", description: "One page of rules." }],
    problems: ["invalid-body", ...ecrFailures],
    load: async () => (await import("./routes/list-cache-rules.js")).route,
  },
  {
    method: "GET",
    resource: RULE,
    operationId: "getCacheRule",
    summary: "Read a rule",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: ["ecr:DescribePullThroughCacheRules"],
    answers: [{ status: 200, schema: "CacheRule", description: "The rule." }],
    problems: ["invalid-body", "rule-not-found", ...ecrFailures],
    load: async () => (await import("./routes/get-cache-rule.js")).route,
  },
  {
    method: "DELETE",
    resource: RULE,
    operationId: "deleteCacheRule",
    summary: "Delete a rule, whatever the policy says of it",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: true,
    ecrActions: ["ecr:DeletePullThroughCacheRule"],
    answers: [{ status: 200, schema: "CacheRule", description: "The deleted rule." }],
    problems: ["invalid-body", "rule-not-found", ...ecrFailures],
    load: async () => (await import("./routes/delete-cache-rule.js")).route,
  },
  {
    method: "POST",
    resource: `${RULE}/sync`,
    operationId: "syncCacheRule",
    summary: "Bring a rule's credential and role in line with the policy",
    registry: "path",
    body: "optional",
    query: [],
    gated: true,
    changes: true,
    ecrActions: ["ecr:DescribePullThroughCacheRules", "ecr:UpdatePullThroughCacheRule"],
    answers: [
      { status: 200, schema: "SyncedRule", description: "The rule, updated or unchanged." },
    ],
    problems: [
      "invalid-body",
      "payload-too-large",
      "unsupported-media-type",
      "upstream-not-allowed",
      "rule-not-found",
      "cannot-remove-credential",
      "upstream-unusable",
      ...ecrFailures,
    ],
    load: async () => (await import("./routes/sync-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: `${RULE}/validation`,
    operationId: "validateCacheRule",
    summary: "Ask ECR whether a rule can reach its upstream with its credential",
    registry: "path",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: ["ecr:ValidatePullThroughCacheRule"],
    answers: [{ status: 200, schema: "RuleValidation", description: "ECR's verdict." }],
    problems: ["invalid-body", "rule-not-found", ...ecrFailures],
    load: async () => (await import("./routes/validate-cache-rule.js")).route,
  },
  {
    method: "GET",
    resource: "/upstreams",
    operationId: "listUpstreams",
    summary: "What a registry may use as upstreams",
    registry: "query",
    body: "none",
    query: ["registryId"],
    gated: false,
    changes: false,
    ecrActions: [],
    answers: [{ status: 200, schema: "UpstreamList", description: "The allowed upstreams." }],
    problems: ["invalid-body"],
    load: async () => (await import("./routes/list-upstreams.js")).route,
  },
  {
    method: "GET",
    resource: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This API's OpenAPI 3.1 document",
    registry: "none",
    body: "none",
    query: [],
    gated: false,
    changes: false,
    ecrActions: [],
    answers: [{ status: 200, schema: "OpenApiDocument", description: "The OpenAPI document." }],
    problems: ["invalid-body"],
    load: async () => (await import("./routes/openapi-document.js")).route,
  },
];

const byKey = new Map(ROUTES.map((route) => [`${route.method} ${route.resource}`, route]));

/** The route API Gateway matched, by its method and resource. */
export const findRoute = (method: string, resource: string): RouteDefinition | undefined =>
  byKey.get(`${method} ${resource}`);
