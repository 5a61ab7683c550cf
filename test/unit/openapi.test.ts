import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { ECR_CODES, SERVICE_CODES } from "../../src/domain/errors.js";
import { buildOpenApiDocument } from "../../src/http/openapi/generate.js";
import { PROBLEM_TABLE } from "../../src/http/problem.js";
import { defineRoute } from "../../src/http/route.js";
import { ROUTES, type RouteDefinition } from "../../src/http/route-table.js";
import { openApiDocument } from "../fixtures/openapi.js";

type Operation = {
  parameters: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { required: boolean };
  responses: Record<string, { content: Record<string, { schema: unknown }> }>;
};

const operation = (resource: string, method: string): Operation => {
  const paths = openApiDocument["paths"] as Record<string, Record<string, Operation>>;
  const found = paths[resource]?.[method];
  if (found === undefined) throw new Error(`no ${method} ${resource}`);
  return found;
};

const codesOf = (op: Operation, status: string): unknown => {
  const schema = op.responses[status]?.content["application/problem+json"]?.schema as {
    allOf: [unknown, { properties: { code: { enum?: string[]; examples?: string[] } } }];
  };
  return schema.allOf[1].properties.code;
};

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(structuredClone(openApiDocument));

    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(openApiDocument["openapi"]).toBe("3.1.0");
  });

  it("has exactly the routes of the route table", () => {
    const paths = openApiDocument["paths"] as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([resource, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${resource}`),
    );

    expect(documented.sort()).toEqual(
      ROUTES.map((route) => `${route.method} ${route.resource}`).sort(),
    );
  });

  it("documents every status a route answers with, and the problem codes of each", () => {
    const create = operation("/registries/{registryId}/cache-rules", "post");

    expect(Object.keys(create.responses).sort()).toEqual(
      [
        "200",
        "201",
        "400",
        "403",
        "409",
        "413",
        "415",
        "422",
        "429",
        "500",
        "502",
        "503",
        "504",
      ].sort(),
    );
    expect(codesOf(create, "403")).toEqual({
      type: "string",
      enum: ["CallerNotAuthorized", "RegistryNotOnboarded", "UpstreamNotAllowed"],
    });
    expect(codesOf(create, "400")).toEqual({
      type: "string",
      enum: ["InvalidBody", "InvalidParameterException", "ValidationException", "ValidationFailed"],
    });
    expect(codesOf(create, "429")).toEqual({
      type: "string",
      enum: ["AssumeRoleFailed", "LimitExceededException", "ThrottlingException"],
    });
    // A 502 from ECR may carry any AWS exception name: there the codes are examples.
    expect(codesOf(create, "502")).toMatchObject({
      type: "string",
      examples: expect.arrayContaining(["EcrUnavailable", "AssumeRoleFailed"]),
    });
    expect(Object.keys(operation("/openapi.json", "get").responses).sort()).toEqual([
      "200",
      "400",
      "500",
      "503",
    ]);
  });

  it("names every code the service answers with somewhere", () => {
    const text = JSON.stringify(openApiDocument);

    for (const code of [...SERVICE_CODES.filter((c) => c !== "RouteNotFound"), ...ECR_CODES]) {
      expect(text).toContain(`"${code}"`);
    }
    for (const row of Object.values(PROBLEM_TABLE)) expect(text).toContain(`"${row.code}"`);
  });

  it("takes the parameters and body from the routes' own request schemas", () => {
    const list = operation("/registries/{registryId}/cache-rules", "get");
    const create = operation("/registries/{registryId}/cache-rules", "post");
    const sync = operation(
      "/registries/{registryId}/cache-rules/{ecrRepositoryPrefix}/sync",
      "post",
    );

    expect(list.parameters.map(({ name, in: where, required }) => [name, where, required])).toEqual(
      [
        ["registryId", "path", true],
        ["limit", "query", false],
        ["nextToken", "query", false],
      ],
    );
    expect(create.requestBody?.required).toBe(true);
    expect(sync.requestBody?.required).toBe(false);
    expect(operation("/upstreams", "get").parameters).toEqual([
      expect.objectContaining({ name: "registryId", in: "query", required: true }),
    ]);
  });

  it("copes with a route that has no query section and a parameter it has no words for", async () => {
    const [template] = ROUTES;
    if (template === undefined) throw new Error("no routes");
    const bare: RouteDefinition = {
      ...template,
      resource: "/things/{thingId}",
      ecrActions: [],
      registry: "none",
      load: async () =>
        defineRoute(
          z.object({ path: z.strictObject({ thingId: z.string() }) }),
          { summary: "A thing", answers: [], problems: [] },
          () => async () => ({
            statusCode: 200,
            body: "{}",
          }),
        ),
    };

    const document = await buildOpenApiDocument([bare]);

    const paths = document["paths"] as Record<string, Record<string, Operation>>;
    expect(paths["/things/{thingId}"]?.["post"]?.parameters).toEqual([
      { name: "thingId", in: "path", required: true, schema: { type: "string" } },
    ]);
  });
});
