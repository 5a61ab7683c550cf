/**
 * Builds the OpenAPI 3.1 document from the route table, each route's own request schema, the
 * response schemas and the error table: the very things the code validates and answers with,
 * so the document cannot drift from them. Runs at build time (and in tests from source); the
 * bundle carries only its output.
 * @module
 */
import * as z from "zod/mini";
import { SERVICE_CODES } from "../../domain/errors.js";
import { MAX_BODY_BYTES } from "../json-body.js";
import { PROBLEM_TABLE, type ProblemKind } from "../problem.js";
import { problem as problemSchema, RESPONSE_SCHEMAS } from "../response-schemas.js";
import type { RouteDocs } from "../route.js";
import { ROUTES, type RouteDefinition } from "../route-table.js";

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.core.$ZodType): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Json;
  return rest;
};

const sectionOf = (schema: z.ZodMiniType, name: "path" | "query" | "body") => {
  const shape = (schema as z.ZodMiniObject)._zod.def.shape;
  let part: z.core.$ZodType | undefined = shape[name];
  while (part !== undefined && part._zod.def.type === "optional") {
    part = (part as z.core.$ZodOptional)._zod.def.innerType;
  }
  return part;
};

const PARAMETER_DESCRIPTIONS: Readonly<Record<string, string>> = {
  registryId: "The registry (AWS account) id: exactly 12 digits.",
  ecrRepositoryPrefix:
    "The rule's prefix: anything ECR accepts (2 to 30 characters, '/'-separated parts, or ROOT).",
  dryRun: "true: validate, judge and preview the create without making it.",
  limit: "Rules per page, 1 to 100 (default 50).",
  nextToken: "The nextToken of the previous page, as given.",
};

const parametersOf = (request: z.ZodMiniType): Json[] => {
  const parameters: Json[] = [];
  for (const where of ["path", "query"] as const) {
    const part = sectionOf(request, where);
    if (part?._zod.def.type !== "object") continue;
    const object = jsonSchema(part);
    const required = new Set((object["required"] as string[] | undefined) ?? []);
    // zod writes `properties` for every object, `required` only when something is.
    const properties = object["properties"] as Record<string, Json>;
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(PARAMETER_DESCRIPTIONS[name] === undefined
          ? {}
          : { description: PARAMETER_DESCRIPTIONS[name] }),
        schema,
      });
    }
  }
  return parameters;
};

/** What every route can answer, besides its own `problems`. */
const commonProblems = (route: RouteDefinition): ProblemKind[] => [
  "invalid-request",
  "policy-unavailable",
  "internal",
  ...(route.registry === "none"
    ? []
    : (["registry-not-onboarded", "caller-not-authorized"] as const)),
  ...(route.ecrActions.length === 0
    ? []
    : (["role-unavailable", "role-throttled", "role-timeout"] as const)),
];

// The ECR exception names an `ecr-unavailable` 502 may carry besides the service's own code.
const OTHER_AWS_NAMES = ["ServerException", "AccessDeniedException"];

const codesOf = (kinds: readonly ProblemKind[]): string[] => {
  const codes = new Set<string>();
  for (const kind of kinds) {
    const row = PROBLEM_TABLE[kind];
    codes.add(row.code);
    if (kind === "ecr-rejected-request") codes.add("ValidationException");
    if (kind === "upstream-unusable") {
      for (const name of [
        "SecretNotFoundException",
        "UnableToAccessSecretException",
        "UnableToDecryptSecretValueException",
      ]) {
        codes.add(name);
      }
    }
    if (kind === "ecr-unavailable" || kind === "ecr-access-denied") {
      for (const name of OTHER_AWS_NAMES) codes.add(name);
    }
  }
  return [...codes].sort();
};

const requestIdHeader = {
  "x-request-id": {
    description: "The request id: the audit log line of this request holds it too.",
    required: true,
    schema: { type: "string" },
  },
};

const problemResponses = (route: RouteDefinition, docs: RouteDocs): Record<string, Json> => {
  const kinds = [...new Set([...commonProblems(route), ...docs.problems])];
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) {
    const status = PROBLEM_TABLE[kind].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), kind]);
  }
  const responses: Record<string, Json> = {};
  for (const [status, statusKinds] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = codesOf(statusKinds);
    // An ECR 502 may carry any AWS exception name: there the list is what is known, not all.
    const open = statusKinds.includes("ecr-unavailable");
    responses[String(status)] = {
      description: statusKinds.map((kind) => PROBLEM_TABLE[kind].title).join("; "),
      headers: {
        ...requestIdHeader,
        ...(statusKinds.some((kind) => PROBLEM_TABLE[kind].retryAfter)
          ? {
              "Retry-After": {
                description: "Seconds to wait before trying again (throttling only).",
                schema: { type: "string", pattern: "^[0-9]+$" },
              },
            }
          : {}),
      },
      content: {
        "application/problem+json": {
          schema: {
            allOf: [
              { $ref: "#/components/schemas/Problem" },
              {
                properties: {
                  status: { const: status },
                  code: open
                    ? { type: "string", examples: codes }
                    : { type: "string", enum: codes },
                },
              },
            ],
          },
        },
      },
    };
  }
  return responses;
};

const successResponses = (docs: RouteDocs): Record<string, Json> =>
  Object.fromEntries(
    docs.answers.map((answer) => {
      const names = typeof answer.schema === "string" ? [answer.schema] : answer.schema;
      const refs = names.map((name) => ({ $ref: `#/components/schemas/${name}` }));
      return [
        String(answer.status),
        {
          description: answer.description,
          headers: {
            ...requestIdHeader,
            ...(answer.location === undefined
              ? {}
              : {
                  Location: {
                    description: "Where the rule is read, behind the base path the caller used.",
                    required: answer.location === "required",
                    schema: { type: "string" },
                  },
                }),
          },
          content: {
            "application/json": { schema: refs.length === 1 ? refs[0] : { oneOf: refs } },
          },
        },
      ];
    }),
  );

/** The OpenAPI 3.1 document of every route in `routes` (the route table by default). */
export const buildOpenApiDocument = async (
  routes: readonly RouteDefinition[] = ROUTES,
): Promise<Json> => {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const { request, docs } = await route.load();
    const body = sectionOf(request, "body");
    const operation: Json = {
      operationId: route.operationId,
      summary: docs.summary,
      parameters: parametersOf(request),
      ...(body === undefined
        ? {}
        : {
            requestBody: {
              required: route.body === "required",
              description: `One JSON object of at most ${MAX_BODY_BYTES} bytes in UTF-8.`,
              content: { "application/json": { schema: jsonSchema(body) } },
            },
          }),
      responses: { ...successResponses(docs), ...problemResponses(route, docs) },
      ...(route.ecrActions.length === 0 ? {} : { "x-ecr-actions": route.ecrActions }),
    };
    paths[route.resource] = { ...paths[route.resource], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ECR cache-rule service",
      version: "1",
      description:
        "Amazon ECR pull through cache rules behind the organisation's upstream allowlist. Every error is application/problem+json (RFC 9457); branch on `code`.",
    },
    security: [{ sigv4: [] }],
    paths,
    components: {
      securitySchemes: {
        sigv4: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          description: "AWS Signature Version 4 (API Gateway AWS_IAM authorisation).",
        },
      },
      schemas: {
        ...Object.fromEntries(
          Object.entries(RESPONSE_SCHEMAS).map(([name, schema]) => [name, jsonSchema(schema)]),
        ),
        Problem: jsonSchema(problemSchema),
      },
      "x-service-codes": [...SERVICE_CODES],
    },
  };
};
