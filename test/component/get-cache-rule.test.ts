import {
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  PullThroughCacheRuleNotFoundException,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { getRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { handlerFor } from "../fixtures/handler.js";

const handler = await handlerFor();

const ecr = mockClient(ECRClient);
const REGISTRY = "123456789012";

const json = (body: string): unknown => JSON.parse(body);

describe("GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("answers 200 with the rule, updatedAt included", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        {
          registryId: REGISTRY,
          ecrRepositoryPrefix: "quay",
          upstreamRegistryUrl: "quay.io",
          upstreamRegistry: "quay",
          createdAt: new Date("2026-11-27T10:00:00.000Z"),
          updatedAt: new Date("2026-11-28T10:00:00.000Z"),
        },
      ],
    });

    const response = await handler(getRuleEvent(REGISTRY, "quay"), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      "Content-Type": "application/json",
      "x-request-id": expect.any(String),
    });
    expect(json(response.body)).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "quay.io",
      createdAt: "2026-11-27T10:00:00.000Z",
      updatedAt: "2026-11-28T10:00:00.000Z",
    });
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)[0]?.args[0].input).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefixes: ["quay"],
    });
  });

  it("shows the credential and upstreamRegistry of a rule bound to a secret", async () => {
    const credentialArn = `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/ghcr`;
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        {
          ecrRepositoryPrefix: "ghcr",
          upstreamRegistryUrl: "ghcr.io",
          upstreamRegistry: "github-container-registry",
          credentialArn,
          createdAt: new Date(0),
        },
      ],
    });

    const response = await handler(getRuleEvent(REGISTRY, "ghcr"), lambdaContext());

    expect(json(response.body)).toMatchObject({
      credentialArn,
      upstreamRegistry: "github-container-registry",
    });
  });

  it("answers 404 problem+json when ECR has no such rule", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .rejects(new PullThroughCacheRuleNotFoundException({ message: "not found", $metadata: {} }));

    const response = await handler(getRuleEvent(REGISTRY, "nope"), lambdaContext());

    expect(response.statusCode).toBe(404);
    expect(response.headers?.["Content-Type"]).toBe("application/problem+json");
    expect(json(response.body)).toMatchObject({
      status: 404,
      code: "PullThroughCacheRuleNotFoundException",
    });
  });

  it("refuses a malformed prefix or registry id with 400 without calling ECR", async () => {
    const response = await handler(getRuleEvent("123", "Not_Valid!"), lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(json(response.body)).toMatchObject({
      errors: [
        { field: "registryId", message: "must be exactly 12 digits" },
        { field: "ecrRepositoryPrefix", message: expect.stringContaining("lower-case") },
      ],
    });
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toEqual([]);
  });

  it.each([["a".repeat(30)], ["ROOT"], ["team/app"]])(
    "reads prefix %s, which ECR allows but the create rule does not",
    async (prefix) => {
      ecr.on(DescribePullThroughCacheRulesCommand).resolves({
        pullThroughCacheRules: [
          { ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "quay.io", createdAt: new Date(0) },
        ],
      });

      const response = await handler(getRuleEvent(REGISTRY, prefix), lambdaContext());

      expect(response.statusCode).toBe(200);
    },
  );

  it.each([["a".repeat(31)], ["a"], ["Root"], ["a//b"]])(
    "refuses prefix %s with 400",
    async (prefix) => {
      const response = await handler(getRuleEvent(REGISTRY, prefix), lambdaContext());

      expect(response.statusCode).toBe(400);
      expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toEqual([]);
    },
  );

  it("needs no Content-Type", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        { ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "quay.io", createdAt: new Date(0) },
      ],
    });

    const response = await handler(getRuleEvent(REGISTRY, "ab", { headers: {} }), lambdaContext());

    expect(response.statusCode).toBe(200);
  });

  it("falls back to the Lambda request id when API Gateway's is missing", async () => {
    const event = getRuleEvent("bad", "ab");
    Reflect.set(event.requestContext, "requestId", undefined);
    const context = lambdaContext();

    const response = await handler(event, context);

    expect(response.headers?.["x-request-id"]).toBe(context.awsRequestId);
    expect(json(response.body)).toMatchObject({ requestId: context.awsRequestId });
  });
});
