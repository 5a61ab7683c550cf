import { CreatePullThroughCacheRuleCommand, ECRClient } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadPolicyState } from "../../src/adapters/policy-source.js";
import { createRuleEvent, getRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { fixturePolicyFile, type Handler, handlerFor } from "../fixtures/handler.js";
import { captureLogs } from "../fixtures/log-capture.js";

vi.hoisted(() => {
  process.env["POWERTOOLS_LOG_LEVEL"] = "INFO";
});

const ecr = mockClient(ECRClient);
const logs = captureLogs();
let handler: Handler;

describe("a broken policy file", () => {
  beforeAll(async () => {
    handler = await handlerFor({
      policy: await loadPolicyState(fixturePolicyFile("unknown-key.yaml")),
    });
  });

  afterAll(() => {
    logs.restore();
  });

  it("logs its cause at cold start, naming the file", () => {
    expect(logs.entries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: "ERROR",
          message: "policy unavailable: every request will be answered 503",
          policySource: expect.stringContaining("unknown-key.yaml"),
        }),
      ]),
    );
  });

  it("answers every create with 503 PolicyUnavailable and never calls ECR", async () => {
    const response = await handler(
      createRuleEvent({ ecrRepositoryPrefix: "ecr-public", upstreamRegistryUrl: "public.ecr.aws" }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ status: 503, code: "PolicyUnavailable" });
    expect(response.body).not.toContain("allowEverything");
    expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)).toEqual([]);
  });

  it("answers even malformed requests and reads with 503", async () => {
    expect((await handler(createRuleEvent("{"), lambdaContext())).statusCode).toBe(503);
    expect((await handler(getRuleEvent("123456789012", "ab"), lambdaContext())).statusCode).toBe(
      503,
    );
  });

  it("records the refusal as denied in the audit line", async () => {
    await handler(
      createRuleEvent({ ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "quay.io" }),
      lambdaContext(),
    );

    expect(
      logs
        .entries()
        .filter((entry) => entry["message"] === "audit")
        .at(-1),
    ).toMatchObject({
      policyDecision: "denied",
      status: 503,
    });
  });
});
