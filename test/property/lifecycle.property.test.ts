import {
  CreatePullThroughCacheRuleCommand,
  type CreatePullThroughCacheRuleCommandInput,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROUTES, type RouteDefinition } from "../../src/http/route-table.js";
import { apiGatewayEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { type Handler, handlerFor } from "../fixtures/handler.js";
import { CREATED_AT } from "../fixtures/in-memory-gateway.js";

/**
 * Every route, under arbitrary paths, query strings, headers and bodies, with ECR answering
 * normally: the answers are never a 5xx and always match the OpenAPI document (the handler
 * fixture checks each one), a dry run never creates, and a request refused by validation
 * reaches nothing behind the gate.
 */
const REGISTRY = "123456789012";

const ecr = mockClient(ECRClient);
let handler: Handler;

beforeAll(async () => {
  handler = await handlerFor();
});

const storedRule = (input: {
  registryId?: string | undefined;
  ecrRepositoryPrefix?: string | undefined;
}) => ({
  registryId: input.registryId ?? REGISTRY,
  ecrRepositoryPrefix: input.ecrRepositoryPrefix ?? "ab",
  upstreamRegistryUrl: "quay.io",
  createdAt: CREATED_AT,
});

beforeEach(() => {
  ecr.reset();
  ecr
    .on(CreatePullThroughCacheRuleCommand)
    .callsFake((input: CreatePullThroughCacheRuleCommandInput) => ({
      ...input,
      createdAt: CREATED_AT,
    }));
  ecr
    .on(DescribePullThroughCacheRulesCommand)
    .callsFake((input: { registryId?: string; ecrRepositoryPrefixes?: string[] }) => ({
      pullThroughCacheRules: (input.ecrRepositoryPrefixes ?? ["ab", "cd"]).map((prefix) =>
        storedRule({ registryId: input.registryId, ecrRepositoryPrefix: prefix }),
      ),
    }));
  ecr.on(DeletePullThroughCacheRuleCommand).callsFake(storedRule);
  ecr
    .on(UpdatePullThroughCacheRuleCommand)
    .callsFake((input: Record<string, unknown>) => ({ ...input, updatedAt: CREATED_AT }));
  ecr.on(ValidatePullThroughCacheRuleCommand).callsFake((input: Record<string, unknown>) => ({
    ...input,
    upstreamRegistryUrl: "quay.io",
    isValid: true,
  }));
});

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const text = fc.oneof(
  fc.constantFrom(
    "",
    "ab",
    "ROOT",
    "a/b",
    "quay.io",
    REGISTRY,
    "210987654321",
    "true",
    "false",
    "7",
    "100",
    "0",
  ),
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 24 }),
);

const pathFor = (route: RouteDefinition): fc.Arbitrary<Record<string, string> | null> => {
  const names = [...route.resource.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? "");
  if (names.length === 0) return fc.constant(null);
  // Each parameter present or not: API Gateway always sends them, a hand-made event may not.
  return fc
    .tuple(
      ...names.map((name) =>
        fc.option(
          fc.tuple(
            fc.constant(name),
            name === "registryId"
              ? fc.oneof(
                  { arbitrary: fc.constant(REGISTRY), weight: 4 },
                  { arbitrary: text, weight: 1 },
                )
              : fc.oneof(
                  { arbitrary: fc.constantFrom("ab", "quay", "ROOT"), weight: 3 },
                  { arbitrary: text, weight: 1 },
                ),
          ),
          { nil: undefined, freq: 8 },
        ),
      ),
    )
    .map((pairs) =>
      Object.fromEntries(pairs.filter((pair): pair is [string, string] => pair !== undefined)),
    );
};

/** Values a route takes, so that the success paths are exercised as often as the refusals. */
const GOOD_QUERY_VALUES: Readonly<Record<string, fc.Arbitrary<string>>> = {
  dryRun: fc.constantFrom("true", "false"),
  limit: fc.integer({ min: 1, max: 100 }).map(String),
  registryId: fc.constant(REGISTRY),
};

const goodQuery = (route: RouteDefinition): fc.Arbitrary<Record<string, string | string[]>> =>
  fc
    .tuple(
      ...route.query.map((name) =>
        fc.option(fc.tuple(fc.constant(name), GOOD_QUERY_VALUES[name] ?? text), {
          nil: undefined,
          freq: name === "registryId" ? 20 : 2,
        }),
      ),
    )
    .map((pairs) =>
      Object.fromEntries(pairs.filter((pair): pair is [string, string] => pair !== undefined)),
    );

const hostileQuery = (route: RouteDefinition): fc.Arbitrary<Record<string, string | string[]>> =>
  fc.dictionary(
    fc.oneof(
      fc.constantFrom(...route.query, "dryRun", "dryrun", "limit", "nextToken", "registryId", "x"),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(
      { arbitrary: text, weight: 4 },
      { arbitrary: fc.array(text, { minLength: 2, maxLength: 3 }), weight: 1 },
    ),
    { maxKeys: 3 },
  );

const queryFor = (route: RouteDefinition) =>
  fc.oneof(
    { arbitrary: goodQuery(route), weight: 3 },
    { arbitrary: hostileQuery(route), weight: 1 },
  );

const headers = fc.oneof(
  fc.constant<Record<string, string>>({ "Content-Type": "application/json" }),
  fc.constant<Record<string, string>>({}),
  fc.record(
    {
      "Content-Type": fc.constantFrom(
        "application/json",
        "text/plain",
        "application/json; charset=latin1",
        'application/json; x="a;b"',
        "",
      ),
      "Content-Encoding": fc.constantFrom("gzip", "identity"),
    },
    { requiredKeys: [] },
  ),
);

const plausibleCreate = fc
  .record(
    {
      ecrRepositoryPrefix: fc.constantFrom("ab", "quay", "hub"),
      upstreamRegistryUrl: fc.constantFrom(
        "quay.io",
        "Docker.io",
        "https://public.ecr.aws/",
        "evil.example",
      ),
      registryId: fc.constant(REGISTRY),
    },
    { requiredKeys: ["ecrRepositoryPrefix", "upstreamRegistryUrl"] },
  )
  .map((value) => JSON.stringify(value));

const anyBody = fc.oneof(
  fc.constant(null),
  fc.constant(""),
  fc.constant("{}"),
  fc
    .record(
      {
        ecrRepositoryPrefix: fc.oneof(fc.constantFrom("ab", "quay"), text),
        upstreamRegistryUrl: fc.oneof(
          fc.constantFrom("quay.io", "docker.io", "public.ecr.aws", "evil.example"),
          text,
        ),
        upstreamRepositoryPrefix: text,
        registryId: text,
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** Mostly what the route takes, sometimes anything. */
const bodyFor = (route: RouteDefinition) =>
  fc.oneof(
    {
      arbitrary:
        route.body === "required"
          ? plausibleCreate
          : route.body === "optional"
            ? fc.constantFrom(null, "{}")
            : fc.constant(null),
      weight: 3,
    },
    { arbitrary: anyBody, weight: 1 },
  );

const headersFor = (route: RouteDefinition) =>
  route.body === "none"
    ? headers
    : fc.oneof(
        { arbitrary: fc.constant({ "Content-Type": "application/json" }), weight: 3 },
        { arbitrary: headers, weight: 1 },
      );

interface Case {
  readonly route: RouteDefinition;
  readonly event: APIGatewayProxyEvent;
}

const requestCase: fc.Arbitrary<Case> = fc.constantFrom(...ROUTES).chain((route) =>
  fc
    .record({
      path: pathFor(route),
      query: queryFor(route),
      headers: headersFor(route),
      body: bodyFor(route),
    })
    .map(({ path, query, headers: sent, body: sentBody }) => ({
      route,
      event: apiGatewayEvent({
        method: route.method,
        resource: route.resource,
        path: route.resource,
        pathParameters: path,
        query,
        headers: sent,
        body: sentBody,
      }),
    })),
);

const calls = () => ecr.calls().map((call) => call.args[0]);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("every route under arbitrary requests", () => {
  it("never answers 5xx, and every answer matches the OpenAPI document", async () => {
    await fc.assert(
      fc.asyncProperty(requestCase, async ({ event }) => {
        const response = await handler(event, lambdaContext());

        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: 1_500 },
    );
  });

  it("never creates a rule on a dry run", async () => {
    const create = ROUTES.find((route) => route.operationId === "createCacheRule");
    if (create === undefined) throw new Error("no create route");
    await fc.assert(
      fc.asyncProperty(
        requestCase.filter(({ route }) => route === create),
        fc.constantFrom("true", ["true"]),
        async ({ event }, dryRun) => {
          ecr.resetHistory();
          const query = {
            ...event.queryStringParameters,
            dryRun: Array.isArray(dryRun) ? "true" : dryRun,
          };
          await handler(
            { ...event, queryStringParameters: query, multiValueQueryStringParameters: null },
            lambdaContext(),
          );

          expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)).toEqual([]);
        },
      ),
      { numRuns: 800 },
    );
  });

  it("reaches nothing behind the gate for a request refused by validation", async () => {
    await fc.assert(
      fc.asyncProperty(requestCase, async ({ event }) => {
        ecr.resetHistory();
        const response = await handler(event, lambdaContext());

        if ([400, 413, 415].includes(response.statusCode)) {
          const code = (JSON.parse(response.body) as { code: string }).code;
          // ECR's own 400s (its validation) come after a call, by definition.
          if (code !== "InvalidParameterException" && code !== "ValidationException") {
            expect(calls()).toEqual([]);
          }
        }
      }),
      { numRuns: 1_500 },
    );
  });
});
