import {
  CreatePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  ECRServiceException,
  InvalidParameterException,
  LimitExceededException,
  PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException,
  SecretNotFoundException,
  ServerException,
  UnsupportedUpstreamRegistryException,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { handlerFor } from "../fixtures/handler.js";
import { CREATED_AT } from "../fixtures/in-memory-gateway.js";

const handler = await handlerFor();

const ecr = mockClient(ECRClient);
const REGISTRY = "123456789012";
const metadata = { $metadata: { httpStatusCode: 400, requestId: "ecr-req" } };

const invoke = (
  event = createRuleEvent({
    ecrRepositoryPrefix: "ecr-public",
    upstreamRegistryUrl: "public.ecr.aws",
  }),
) => handler(event, lambdaContext());

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

const echoCreate = () =>
  ecr
    .on(CreatePullThroughCacheRuleCommand)
    .callsFake((input: Record<string, unknown>) => ({ ...input, createdAt: CREATED_AT }));

const validates = (answer: { isValid: boolean; failure?: string }) =>
  ecr.on(ValidatePullThroughCacheRuleCommand).callsFake((input: Record<string, unknown>) => ({
    ...input,
    upstreamRegistryUrl: "registry-1.docker.io",
    ...answer,
  }));

const createCalls = () =>
  ecr.commandCalls(CreatePullThroughCacheRuleCommand).map((call) => call.args[0].input);

describe("POST /registries/{registryId}/cache-rules", () => {
  beforeEach(() => {
    ecr.reset();
    echoCreate();
  });

  describe("creating a rule", () => {
    it("answers 201 with exactly the four fields, Location and x-request-id", async () => {
      const response = await invoke();

      expect(response.statusCode).toBe(201);
      expect(response.headers).toMatchObject({
        "Content-Type": "application/json",
        // The fixture's request came through the stage /prod, as on an execute-api endpoint.
        Location: `/prod/registries/${REGISTRY}/cache-rules/ecr-public`,
        "x-request-id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      });
      expect(json(response.body)).toEqual({
        registryId: REGISTRY,
        ecrRepositoryPrefix: "ecr-public",
        upstreamRegistryUrl: "public.ecr.aws",
        createdAt: "2026-11-27T10:00:00.000Z",
      });
      expect(createCalls()).toEqual([
        {
          registryId: REGISTRY,
          ecrRepositoryPrefix: "ecr-public",
          upstreamRegistryUrl: "public.ecr.aws",
        },
      ]);
    });

    it("binds the policy's credential to Docker Hub under an alias and shows it in the answer", async () => {
      validates({ isValid: true });
      const response = await invoke(
        createRuleEvent({
          ecrRepositoryPrefix: "docker-hub",
          upstreamRegistryUrl: "https://Docker.IO/",
          registryId: REGISTRY,
        }),
      );

      const credentialArn = `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`;
      expect(response.statusCode).toBe(201);
      expect(createCalls()).toEqual([
        {
          registryId: REGISTRY,
          ecrRepositoryPrefix: "docker-hub",
          upstreamRegistryUrl: "registry-1.docker.io",
          upstreamRegistry: "docker-hub",
          credentialArn,
        },
      ]);
      expect(json(response.body)).toEqual({
        registryId: REGISTRY,
        ecrRepositoryPrefix: "docker-hub",
        upstreamRegistryUrl: "registry-1.docker.io",
        createdAt: "2026-11-27T10:00:00.000Z",
        credentialArn,
        upstreamRegistry: "docker-hub",
        validation: { isValid: true },
      });
      expect(ecr.commandCalls(ValidatePullThroughCacheRuleCommand)).toHaveLength(1);
    });

    it("accepts a base64-encoded body, as API Gateway sends binary media types", async () => {
      const body = Buffer.from(
        JSON.stringify({ ecrRepositoryPrefix: "k8s", upstreamRegistryUrl: "registry.k8s.io" }),
      ).toString("base64");

      const response = await invoke(createRuleEvent(body, { isBase64Encoded: true }));

      expect(response.statusCode).toBe(201);
    });
  });

  describe("retrying", () => {
    it("answers 200 with the existing rule when the prefix already points at the same upstream", async () => {
      ecr
        .on(CreatePullThroughCacheRuleCommand)
        .rejects(
          new PullThroughCacheRuleAlreadyExistsException({ message: "exists", ...metadata }),
        );
      ecr.on(DescribePullThroughCacheRulesCommand).resolves({
        pullThroughCacheRules: [
          {
            registryId: REGISTRY,
            ecrRepositoryPrefix: "ecr-public",
            upstreamRegistryUrl: "public.ecr.aws",
            createdAt: new Date("2026-01-01T00:00:00.000Z"),
            updatedAt: new Date("2026-02-01T00:00:00.000Z"),
          },
        ],
      });

      const response = await invoke();

      expect(response.statusCode).toBe(200);
      expect(json(response.body)).toEqual({
        registryId: REGISTRY,
        ecrRepositoryPrefix: "ecr-public",
        upstreamRegistryUrl: "public.ecr.aws",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
    });

    it("answers 409 naming the other upstream that holds the prefix", async () => {
      ecr
        .on(CreatePullThroughCacheRuleCommand)
        .rejects(
          new PullThroughCacheRuleAlreadyExistsException({ message: "exists", ...metadata }),
        );
      ecr.on(DescribePullThroughCacheRulesCommand).resolves({
        pullThroughCacheRules: [
          {
            ecrRepositoryPrefix: "ecr-public",
            upstreamRegistryUrl: "quay.io",
            createdAt: CREATED_AT,
          },
        ],
      });

      const response = await invoke();

      expect(response.statusCode).toBe(409);
      expect(json(response.body)).toMatchObject({
        code: "PullThroughCacheRuleAlreadyExistsException",
        detail:
          "Prefix 'ecr-public' in registry 123456789012 already holds a rule for upstream 'quay.io', not for 'public.ecr.aws': delete it first or choose another prefix. (ECR refused the create: \"exists\")",
      });
    });

    it("answers 409 with ECR's message when the rule vanished before it could be read", async () => {
      ecr.on(CreatePullThroughCacheRuleCommand).rejects(
        new PullThroughCacheRuleAlreadyExistsException({
          message: "A rule already exists",
          ...metadata,
        }),
      );
      ecr
        .on(DescribePullThroughCacheRulesCommand)
        .rejects(new PullThroughCacheRuleNotFoundException({ message: "gone", ...metadata }));

      const response = await invoke();

      expect(response.statusCode).toBe(409);
      expect(json(response.body)).toMatchObject({ detail: "A rule already exists" });
    });
  });

  describe("content type, size and JSON", () => {
    const body = JSON.stringify({
      ecrRepositoryPrefix: "ecr-public",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    it.each([
      ["application/json"],
      ["Application/JSON"],
      ["application/json; charset=utf-8"],
      ['application/json;charset="UTF-8"'],
      ["application/json; profile=x"],
    ])("accepts Content-Type %s", async (contentType) => {
      const response = await invoke(
        createRuleEvent(body, { headers: { "content-type": contentType } }),
      );

      expect(response.statusCode).toBe(201);
    });

    it.each([
      ["text/plain"],
      ["application/problem+json"],
      ["application/vnd.api+json"],
      ["application/json; charset=latin1"],
      ["application/json; charset=utf-16"],
      ["application/json; charset"],
      ["application/jsonx"],
      [""],
    ])("refuses Content-Type %o with 415", async (contentType) => {
      const response = await invoke(
        createRuleEvent(body, { headers: { "Content-Type": contentType } }),
      );

      expect(response.statusCode).toBe(415);
      expect(response.headers?.["Content-Type"]).toBe("application/problem+json");
      expect(json(response.body)).toMatchObject({ status: 415, code: "UnsupportedMediaType" });
      expect(createCalls()).toEqual([]);
    });

    it("refuses a request without Content-Type with 415", async () => {
      const response = await invoke(createRuleEvent(body, { headers: {} }));

      expect(response.statusCode).toBe(415);
    });

    it("believes multiValueHeaders over a Content-Type that only headers claims", async () => {
      const event = createRuleEvent(body);
      event.multiValueHeaders = { "User-Agent": ["curl"] };

      expect((await invoke(event)).statusCode).toBe(415);
    });

    it("refuses two Content-Type headers with 415", async () => {
      const event = createRuleEvent(body);
      event.multiValueHeaders = { "Content-Type": ["application/json", "text/plain"] };

      expect((await invoke(event)).statusCode).toBe(415);
    });

    it("reads headers when API Gateway sends no multiValueHeaders", async () => {
      const event = createRuleEvent(body);
      Reflect.set(event, "multiValueHeaders", null);

      expect((await invoke(event)).statusCode).toBe(201);
    });

    it("accepts a body of exactly 16 KiB in UTF-8 bytes and refuses one byte more with 413", async () => {
      const padded = (bytes: number) => {
        const base = JSON.stringify({
          ecrRepositoryPrefix: "ecr-public",
          upstreamRegistryUrl: "public.ecr.aws",
        });
        return `${base.slice(0, -1)}${" ".repeat(bytes - base.length)}}`;
      };

      expect((await invoke(createRuleEvent(padded(16 * 1024)))).statusCode).toBe(201);
      const tooLarge = await invoke(createRuleEvent(padded(16 * 1024 + 1)));
      expect(tooLarge.statusCode).toBe(413);
      expect(json(tooLarge.body)).toMatchObject({ code: "PayloadTooLarge" });
    });

    it("counts multi-byte characters as bytes, not characters", async () => {
      const response = await invoke(createRuleEvent(`{"x":"${"é".repeat(8200)}"}`));

      expect(response.statusCode).toBe(413);
    });

    it("counts a base64 body after decoding", async () => {
      const decoded = `{"ecrRepositoryPrefix":"ab","upstreamRegistryUrl":"quay.io"${" ".repeat(16_000)}}`;

      const response = await invoke(
        createRuleEvent(Buffer.from(decoded).toString("base64"), { isBase64Encoded: true }),
      );

      expect(response.statusCode).toBe(201);
    });

    it.each([
      ["malformed JSON", "{"],
      ["an empty body", ""],
      ["a JSON array", "[]"],
      ["JSON null", "null"],
      ["a JSON string", '"x"'],
      ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]).toString("base64")],
    ])("refuses %s with 400 InvalidBody", async (name, raw) => {
      const response = await invoke(
        createRuleEvent(raw, { isBase64Encoded: name === "invalid UTF-8" }),
      );

      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({ status: 400, code: "InvalidBody" });
    });

    it("refuses a missing body with 400", async () => {
      const response = await invoke(createRuleEvent("", { body: null }));

      expect(response.statusCode).toBe(400);
    });

    it("refuses a deeply nested body with 400 without failing", async () => {
      const nested = `{"ecrRepositoryPrefix":${"[".repeat(8000)}${"]".repeat(8000)},"upstreamRegistryUrl":"quay.io"}`;

      const response = await invoke(createRuleEvent(nested));

      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({
        errors: [{ field: "ecrRepositoryPrefix", message: "must be a string" }],
      });
    });
  });

  describe("fields", () => {
    const valid = { ecrRepositoryPrefix: "ecr-public", upstreamRegistryUrl: "public.ecr.aws" };

    it.each([
      ["a", "ecrRepositoryPrefix", "must be 2 to 20 characters"],
      ["a".repeat(21), "ecrRepositoryPrefix", "must be 2 to 20 characters"],
      ["Upper", "ecrRepositoryPrefix", "must be lower-case letters and digits"],
      ["a__b", "ecrRepositoryPrefix", "must be lower-case letters and digits"],
      ["a/b", "ecrRepositoryPrefix", "must be lower-case letters and digits"],
      ["-ab", "ecrRepositoryPrefix", "must be lower-case letters and digits"],
      [" ab", "ecrRepositoryPrefix", "must be lower-case letters and digits"],
    ])("refuses prefix %o with a field error", async (prefix, field, message) => {
      const response = await invoke(createRuleEvent({ ...valid, ecrRepositoryPrefix: prefix }));

      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({
        code: "ValidationFailed",
        errors: expect.arrayContaining([{ field, message: expect.stringContaining(message) }]),
      });
      expect(createCalls()).toEqual([]);
    });

    it("names every missing field", async () => {
      const response = await invoke(createRuleEvent({}));

      expect(json(response.body)).toMatchObject({
        errors: [
          { field: "ecrRepositoryPrefix", message: "is required" },
          { field: "upstreamRegistryUrl", message: "is required" },
        ],
      });
    });

    it("names each unknown field", async () => {
      const response = await invoke(
        createRuleEvent({ ...valid, credentialArn: "arn:x", customRoleArn: "arn:y" }),
      );

      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({
        detail: "Invalid fields credentialArn, customRoleArn; see errors for each.",
        errors: [
          { field: "credentialArn", message: "is not a known field" },
          { field: "customRoleArn", message: "is not a known field" },
        ],
      });
    });

    it("names one invalid field in the detail, in the singular", async () => {
      const response = await invoke(createRuleEvent({ ...valid, ecrRepositoryPrefix: "A" }));

      expect(json(response.body)).toMatchObject({
        detail: "Invalid field ecrRepositoryPrefix; see errors for each.",
      });
    });

    it("names at most five fields in the detail, printable and bounded", async () => {
      const extra = Object.fromEntries(
        ["a\u0001b", "x".repeat(100), "c", "d", "e", "f", "g"].map((key) => [key, 1]),
      );

      const response = await invoke(createRuleEvent({ ...valid, ...extra }));

      const body = json(response.body);
      expect(body["detail"]).toBe(
        `Invalid fields a?b, ${"x".repeat(40)}, c, d, e and 2 more; see errors for each.`,
      );
      expect(body["errors"]).toHaveLength(7);
    });

    it.each([
      [
        "a different registry id",
        "210987654321",
        "must equal the registry id in the path (123456789012)",
      ],
      ["a number", 123456789012, "must be a string"],
    ])("refuses a body registryId that is %s", async (_, registryId, message) => {
      const response = await invoke(createRuleEvent({ ...valid, registryId }));

      expect(json(response.body)).toMatchObject({
        status: 400,
        errors: [{ field: "registryId", message }],
      });
    });

    it.each([["12345678901"], ["1234567890123"], ["12345678901a"], ["１２３４５６７８９０１２"]])(
      "refuses path registry id %o",
      async (registryId) => {
        const response = await invoke(createRuleEvent(valid, { pathParameters: { registryId } }));

        expect(json(response.body)).toMatchObject({
          status: 400,
          errors: [{ field: "registryId", message: "must be exactly 12 digits" }],
        });
      },
    );

    it("refuses a request with no path parameters", async () => {
      const response = await invoke(createRuleEvent(valid, { pathParameters: null }));

      expect(json(response.body)).toMatchObject({
        status: 400,
        errors: [{ field: "registryId", message: "is required" }],
      });
    });

    it("refuses a malformed upstream with a field error, before the policy", async () => {
      const response = await invoke(
        createRuleEvent({ ...valid, upstreamRegistryUrl: "https://quay.io/v2/" }),
      );

      expect(json(response.body)).toMatchObject({
        status: 400,
        errors: [{ field: "upstreamRegistryUrl" }],
      });
    });
  });

  describe("the policy gate", () => {
    it("answers 403 for an upstream that is not on the allowlist, without calling ECR", async () => {
      const response = await invoke(
        createRuleEvent({
          ecrRepositoryPrefix: "evil",
          upstreamRegistryUrl: "registry.evil.example",
        }),
      );

      expect(response.statusCode).toBe(403);
      expect(json(response.body)).toMatchObject({
        code: "UpstreamNotAllowed",
        detail: expect.stringMatching(
          /^Upstream registry 'registry\.evil\.example' is not on the organisation's allowlist for registry 123456789012\. It may use public\.ecr\.aws, registry\.k8s\.io, quay\.io, registry-1\.docker\.io, ghcr\.io\. GET \/upstreams\?registryId=123456789012 lists them/,
        ),
      });
      expect(createCalls()).toEqual([]);
    });
  });

  describe("ECR's errors", () => {
    it.each([
      [new InvalidParameterException({ message: "bad\nparam", ...metadata }), 400, "bad param"],
      [
        new UnsupportedUpstreamRegistryException({ message: "unsupported", ...metadata }),
        422,
        "unsupported",
      ],
      [new SecretNotFoundException({ message: "no secret", ...metadata }), 422, "no secret"],
    ])("answers %o with %i and ECR's cleaned message", async (error, status, detail) => {
      ecr.on(CreatePullThroughCacheRuleCommand).rejects(error);

      const response = await invoke();

      expect(response.statusCode).toBe(status);
      expect(json(response.body)).toMatchObject({ status, code: error.name, detail });
    });

    it("answers the rule quota with 429 at once, without Retry-After", async () => {
      ecr
        .on(CreatePullThroughCacheRuleCommand)
        .rejects(new LimitExceededException({ message: "quota", ...metadata }));

      const response = await invoke();

      expect(response.statusCode).toBe(429);
      expect(response.headers).not.toHaveProperty("Retry-After");
      expect(json(response.body)).toMatchObject({ code: "LimitExceededException" });
      expect(createCalls()).toHaveLength(1);
    });

    it("answers throttling that outlasted the retries with 429 and Retry-After", async () => {
      ecr.on(CreatePullThroughCacheRuleCommand).rejects(
        new ECRServiceException({
          name: "ThrottlingException",
          $fault: "client",
          message: "Rate exceeded",
          ...metadata,
        }),
      );

      const response = await invoke();

      expect(response.statusCode).toBe(429);
      expect(response.headers).toMatchObject({ "Retry-After": "2" });
      expect(json(response.body)).toMatchObject({
        code: "ThrottlingException",
        detail: "Rate exceeded",
      });
    });

    it("answers a server fault with a generic 502 that shows nothing of AWS", async () => {
      ecr.on(CreatePullThroughCacheRuleCommand).rejects(
        new ServerException({
          message: "arn:aws:iam::999988887777:role/x failed",
          $metadata: { httpStatusCode: 500 },
        }),
      );

      const response = await invoke();

      expect(response.statusCode).toBe(502);
      expect(response.body).not.toContain("arn:aws");
      expect(json(response.body)).toMatchObject({
        code: "ServerException",
        detail: "ECR could not complete the request. Try again later.",
      });
    });

    it("answers a deadline with 504", async () => {
      ecr
        .on(CreatePullThroughCacheRuleCommand)
        .rejects(Object.assign(new Error("late"), { name: "TimeoutError", code: "ETIMEDOUT" }));

      const response = await invoke();

      expect(response.statusCode).toBe(504);
      expect(json(response.body)).toMatchObject({ code: "EcrTimeout" });
    });
  });
});
