import { Logger } from "@aws-lambda-powertools/logger";
import type { Request } from "@middy/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { type ApiEvent, type ApiResult, headerValues } from "../../src/http/api-event.js";
import { auditLog } from "../../src/http/audit-middleware.js";
import { problemErrors } from "../../src/http/error-middleware.js";
import { parseRuleKey } from "../../src/http/request-schemas.js";
import { cacheRuleBody } from "../../src/http/responses.js";
import { apiGatewayEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { captureLogs } from "../fixtures/log-capture.js";

/** A logger at INFO whose lines are captured from stdout. */
const memoryLogger = () => {
  const capture = captureLogs();
  onTestFinished(() => capture.restore());
  return {
    logger: new Logger({ serviceName: "test", logLevel: "INFO" }),
    entries: capture.entries,
  };
};

const request = (
  event: ApiEvent,
  response: ApiResult | null,
  error: unknown,
): Request<ApiEvent, ApiResult> => ({
  event,
  context: lambdaContext(),
  response,
  error: error instanceof Error ? error : null,
  internal: {},
});

describe("headerValues", () => {
  it("reads headers case-insensitively when multiValueHeaders is absent or empty", () => {
    const event = apiGatewayEvent({ headers: { "CONTENT-TYPE": "application/json" } });
    event.multiValueHeaders = {};

    expect(headerValues(event, "content-type")).toEqual(["application/json"]);
  });

  it("skips headers without a value and copes with null headers", () => {
    const event = apiGatewayEvent();
    Reflect.set(event, "multiValueHeaders", { "Content-Type": undefined, Accept: ["*/*"] });
    expect(headerValues(event, "content-type")).toEqual([]);

    Reflect.set(event, "multiValueHeaders", null);
    Reflect.set(event, "headers", { "Content-Type": undefined });
    expect(headerValues(event, "content-type")).toEqual([]);

    Reflect.set(event, "headers", null);
    expect(headerValues(event, "content-type")).toEqual([]);
  });
});

describe("auditLog", () => {
  it("still writes its line when an error reached it unanswered", async () => {
    const { logger, entries } = memoryLogger();
    const middleware = auditLog({ logger, gated: false });
    const event = apiGatewayEvent();
    Reflect.deleteProperty(event.requestContext, "identity");

    await middleware.onError?.(request(event, null, new TypeError("bug")));

    expect(entries()).toEqual([
      expect.objectContaining({ message: "audit", errorCode: "InternalError", durationMs: 0 }),
    ]);
    expect(entries()[0]).not.toHaveProperty("status");
    expect(entries()[0]).not.toHaveProperty("callerAccount");
  });

  it("leaves the decision out on routes that do not pass the gate", async () => {
    const { logger, entries } = memoryLogger();
    const middleware = auditLog({ logger, gated: false });
    const event = apiGatewayEvent();
    const response: ApiResult = { statusCode: 400, body: "{}" };
    await middleware.before?.(request(event, null, null));

    await middleware.onError?.(
      request(event, response, new DomainError("invalid-request", "ValidationFailed", "x")),
    );

    expect(entries()[0]).not.toHaveProperty("policyDecision");
    expect(response.headers).toEqual({ "x-request-id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
  });

  it("ignores a body that is not an object", async () => {
    const { logger, entries } = memoryLogger();
    const event: ApiEvent = apiGatewayEvent();
    event.body = ["upstreamRegistryUrl"];

    await auditLog({ logger, gated: true }).after?.(
      request(event, { statusCode: 201, body: "{}" }, null),
    );

    expect(entries()[0]).not.toHaveProperty("upstreamRequested");
  });
});

describe("problemErrors", () => {
  it("answers an unexpected error with a generic 500 and logs it", async () => {
    const { logger, entries } = memoryLogger();
    const req = request(apiGatewayEvent(), null, new TypeError("cannot read x of undefined"));

    await problemErrors({ logger }).onError?.(req);

    expect(req.response?.statusCode).toBe(500);
    expect(req.response?.body).not.toContain("cannot read");
    expect(entries()).toEqual([expect.objectContaining({ level: "ERROR", code: "InternalError" })]);
  });
});

describe("parseRuleKey", () => {
  it("names both path parameters when API Gateway sends none", () => {
    const event = apiGatewayEvent({ pathParameters: null });

    expect(() => parseRuleKey(event)).toThrow(
      expect.objectContaining({
        fields: [
          { field: "registryId", message: "is required" },
          { field: "ecrRepositoryPrefix", message: "is required" },
        ],
      }),
    );
  });
});

describe("cacheRuleBody", () => {
  it("shows a credential without upstreamRegistry when ECR gives none", () => {
    const rule = {
      registryId: "123456789012",
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "ghcr.io",
      createdAt: new Date(0),
      credentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/x",
    };

    expect(cacheRuleBody(rule, { withUpdatedAt: true })).toEqual({
      ...rule,
      createdAt: "1970-01-01T00:00:00.000Z",
    });
  });
});
