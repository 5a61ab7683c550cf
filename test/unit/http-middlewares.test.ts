import { Logger } from "@aws-lambda-powertools/logger";
import type { Request } from "@middy/core";
import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import * as z from "zod/mini";
import { DomainError } from "../../src/domain/errors.js";
import { type ApiEvent, type ApiResult, headerValues } from "../../src/http/api-event.js";
import { auditLog } from "../../src/http/audit-middleware.js";
import { auditText, MAX_AUDIT_TEXT } from "../../src/http/audit-text.js";
import { problemErrors } from "../../src/http/error-middleware.js";
import { parseMediaType } from "../../src/http/media-type.js";
import { decodePageToken, encodePageToken } from "../../src/http/page-token.js";
import { closestName, requestParser } from "../../src/http/request-schemas.js";
import { requestStateOf } from "../../src/http/request-state.js";
import { basePathOf, cacheRuleBody } from "../../src/http/responses.js";
import { findRoute } from "../../src/http/route-table.js";
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
    const event = apiGatewayEvent();
    Reflect.deleteProperty(event.requestContext, "identity");

    await auditLog({ logger }).onError?.(request(event, null, new TypeError("bug")));

    expect(entries()).toEqual([
      expect.objectContaining({ message: "audit", errorCode: "InternalError" }),
    ]);
    expect(entries()[0]).not.toHaveProperty("status");
    expect(entries()[0]).not.toHaveProperty("callerAccount");
  });

  it("leaves the decision out on routes that do not pass the gate", async () => {
    const { logger, entries } = memoryLogger();
    const middleware = auditLog({ logger });
    const event = apiGatewayEvent({ method: "GET" });
    const route = findRoute("GET", "/registries/{registryId}/cache-rules");
    if (route !== undefined) requestStateOf(event).route = route;
    const response: ApiResult = { statusCode: 400, body: "{}" };
    await middleware.before?.(request(event, null, null));

    await middleware.onError?.(request(event, response, new DomainError("invalid-request", "x")));

    expect(entries()[0]).not.toHaveProperty("policyDecision");
    expect(response.headers).toEqual({ "x-request-id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
  });

  it("records a refusal before the gate as invalid on a gated route", async () => {
    const { logger, entries } = memoryLogger();
    const event = apiGatewayEvent();
    const route = findRoute("POST", "/registries/{registryId}/cache-rules");
    if (route !== undefined) requestStateOf(event).route = route;

    await auditLog({ logger }).onError?.(
      request(event, { statusCode: 400, body: "{}" }, new DomainError("invalid-request", "x")),
    );

    expect(entries()[0]).toMatchObject({
      policyDecision: "invalid",
      errorCode: "ValidationFailed",
    });
  });

  it("writes caller-supplied values escaped and bounded", async () => {
    const { logger, entries } = memoryLogger();
    const event = apiGatewayEvent({
      pathParameters: { registryId: '1\u2028{"forged":1}', ecrRepositoryPrefix: "\u202eevil" },
    });

    await auditLog({ logger }).after?.(request(event, { statusCode: 400, body: "{}" }, null));

    expect(entries()[0]).toMatchObject({
      registryId: '1\\u2028{"forged":1}',
      ecrRepositoryPrefix: "\\u202eevil",
    });
  });
});

describe("auditText", () => {
  it.each([
    ["\u2028", "\\u2028"],
    ["\u2029", "\\u2029"],
    ["\u0085", "\\u0085"],
    ["a\nb\r", "a\\u000ab\\u000d"],
    ["\u007f\u009b", "\\u007f\\u009b"],
    ["\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"],
    ["\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
    ["zero\u200bwidth\u200c\u200d\ufeff", "zero\\u200bwidth\\u200c\\u200d\\ufeff"],
    ["\ud800", "\\ud800"],
    ["plain quay.io", "plain quay.io"],
    ["emoji 🐳 stays", "emoji 🐳 stays"],
  ])("writes %j as %j", (raw, logged) => {
    expect(auditText(raw)).toBe(logged);
  });

  it("leaves out anything that is not a string", () => {
    expect(auditText(42)).toBeUndefined();
    expect(auditText({ toString: () => "x" })).toBeUndefined();
  });

  it("never lets a line-splitting, reordering or invisible character through, and stays bounded", () => {
    const unsafe =
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
      /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 600 }), (raw) => {
        const logged = auditText(raw) ?? "";
        expect(logged).not.toMatch(unsafe);
        expect(logged.length).toBeLessThanOrEqual(MAX_AUDIT_TEXT);
        expect(JSON.stringify(logged)).not.toMatch(/[\u2028\u2029]/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps whole code points when it cuts", () => {
    const logged = auditText("🐳".repeat(300)) ?? "";

    expect(logged.endsWith("…")).toBe(true);
    expect(logged.slice(0, -1)).toMatch(/^(?:🐳)+$/u);
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

describe("parseMediaType", () => {
  it.each([
    ["application/json", "application/json", []],
    ['Application/JSON; charset="UTF-8"', "application/json", [["charset", "UTF-8"]]],
    [
      'application/json; x="a;b"; charset=utf-8',
      "application/json",
      [
        ["x", "a;b"],
        ["charset", "utf-8"],
      ],
    ],
    ["application/json;", "application/json", []],
    ['application/json; a="q\\"uote"', "application/json", [["a", 'q"uote']]],
    ["application/json; charset=utf-8; charset=latin1", "application/json", [["charset", "utf-8"]]],
  ])("parses %j", (value, type, parameters) => {
    expect(parseMediaType(value)).toEqual({
      type,
      parameters: new Map(parameters as [string, string][]),
    });
  });

  it.each([
    "application/json; charset",
    "application/json x",
    'application/json; x="open',
    "json",
    "",
  ])("refuses the malformed %j", (value) => {
    expect(parseMediaType(value)).toBeUndefined();
  });
});

describe("page tokens", () => {
  it("carry ECR's token for the registry that gave it, and only for it", () => {
    const token = encodePageToken("123456789012", "ecr/token+=");

    expect(decodePageToken(token, "123456789012")).toBe("ecr/token+=");
    expect(() => decodePageToken(token, "210987654321")).toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ field: "nextToken" })] }),
    );
  });

  it.each([
    ["not base64url", "a b"],
    ["not JSON", Buffer.from("nope").toString("base64url")],
    ["JSON of another shape", Buffer.from('{"r":"123456789012"}').toString("base64url")],
    ["an empty ECR token", Buffer.from('{"r":"123456789012","t":""}').toString("base64url")],
    ["too long", "a".repeat(5_000)],
  ])("refuse a token that is %s", (_, token) => {
    expect(() => decodePageToken(token, "123456789012")).toThrow(
      expect.objectContaining({ kind: "invalid-request" }),
    );
  });
});

describe("requestParser", () => {
  it("reports an unknown member outside path, query and body as an unknown field", () => {
    const parse = requestParser(z.strictObject({ path: z.strictObject({}) }));

    expect(() => parse({ path: {}, query: {} })).toThrow(
      expect.objectContaining({ fields: [{ field: "query", message: "is not a known field" }] }),
    );
  });
});

describe("closestName", () => {
  it.each([
    ["dryrun", ["dryRun"], "dryRun"],
    ["ecrRepositoryPrefx", ["ecrRepositoryPrefix", "upstreamRegistryUrl"], "ecrRepositoryPrefix"],
    ["upstreamRegistryURL", ["ecrRepositoryPrefix", "upstreamRegistryUrl"], "upstreamRegistryUrl"],
    ["lmit", ["limit", "nextToken"], "limit"],
    ["colour", ["limit", "nextToken"], undefined],
    ["x".repeat(100), ["limit"], undefined],
  ])("guesses %s → %s", (unknown, known, guess) => {
    expect(closestName(unknown, known)).toBe(guess);
  });
});

describe("basePathOf", () => {
  it.each([
    ["/prod/registries/1/cache-rules", "/registries/1/cache-rules", "/prod"],
    ["/api/v1/registries/1/cache-rules", "/registries/1/cache-rules", "/api/v1"],
    ["/registries/1/cache-rules", "/registries/1/cache-rules", ""],
    ["/other", "/registries/1/cache-rules", ""],
    ["/a b/registries/1/cache-rules", "/registries/1/cache-rules", ""],
  ])("finds the base path of %s", (full, path, base) => {
    const event = apiGatewayEvent({ path });
    event.requestContext.path = full;

    expect(basePathOf(event)).toBe(base);
  });
});

describe("cacheRuleBody", () => {
  const rule = {
    registryId: "123456789012",
    ecrRepositoryPrefix: "ab",
    upstreamRegistryUrl: "ghcr.io",
    createdAt: new Date(0),
    updatedAt: new Date(1),
  };

  it("shows a credential without upstreamRegistry when ECR gives none", () => {
    const credentialArn =
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/x";

    expect(cacheRuleBody({ ...rule, credentialArn }, { withUpdatedAt: false })).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "ghcr.io",
      createdAt: "1970-01-01T00:00:00.000Z",
      credentialArn,
    });
  });

  it("shows the binding fields only for a rule with a credential or a role", () => {
    expect(
      cacheRuleBody({ ...rule, upstreamRegistry: "ecr", upstreamRepositoryPrefix: "golden" }),
    ).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "ghcr.io",
      createdAt: "1970-01-01T00:00:00.000Z",
      updatedAt: "1970-01-01T00:00:00.001Z",
    });
    expect(
      cacheRuleBody({
        ...rule,
        customRoleArn: "arn:role",
        upstreamRegistry: "ecr",
        upstreamRepositoryPrefix: "golden",
      }),
    ).toMatchObject({
      customRoleArn: "arn:role",
      upstreamRegistry: "ecr",
      upstreamRepositoryPrefix: "golden",
    });
  });
});
