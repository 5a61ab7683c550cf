import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EcrEmulator, startEcrEmulator } from "../../dev/ecr-emulator.js";
import { EcrCacheRuleGateway } from "../../src/adapters/ecr-cache-rule-gateway.js";
import { createEcrClient } from "../../src/adapters/ecr-client.js";
import { loadPolicyFile } from "../../src/adapters/policy-file.js";
import { startDeadline } from "../../src/domain/request-context.js";
import { createRuleEvent, getRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { fixturePolicyFile, type Handler, handlerFor } from "../fixtures/handler.js";
import { testContext } from "../fixtures/request-context.js";

/**
 * The handlers with the real SDK over HTTP against the ECR emulator: serialisation, the retry
 * strategy, the deadline and socket failures as they really happen.
 */
const REGISTRY = "123456789012";
// Long enough for three throttled attempts (the SDK backs off up to 1 s, then up to 2 s).
const DEADLINE_MS = 5_000;
const ATTEMPT_TIMEOUT_MS = 400;

let emulator: EcrEmulator;
let handler: Handler;

const post = (body: Record<string, unknown>, registryId = REGISTRY) =>
  handler(
    createRuleEvent(body, {
      pathParameters: { registryId },
      path: `/registries/${registryId}/cache-rules`,
    }),
    lambdaContext(),
  );

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
const createAttempts = () =>
  emulator.calls().filter((call) => call.operation === "CreatePullThroughCacheRule").length;

beforeAll(async () => {
  emulator = await startEcrEmulator();
  // The SDK reads the endpoint from the environment, as a deployed function would.
  process.env["AWS_ENDPOINT_URL_ECR"] = emulator.url;
  handler = await handlerFor({
    policy: await loadPolicyFile(fixturePolicyFile("integration.yaml")),
    env: {
      ECR_DEADLINE_MS: String(DEADLINE_MS),
      ECR_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
    },
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

describe("create and read against the emulator", () => {
  it("creates a rule that the Location header then reads back", async () => {
    const created = await post({
      ecrRepositoryPrefix: "ecr-public",
      upstreamRegistryUrl: "https://public.ecr.aws",
    });

    expect(created.statusCode).toBe(201);
    const body = json(created.body);
    expect(body).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "ecr-public",
      upstreamRegistryUrl: "public.ecr.aws",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const read = await handler(getRuleEvent(REGISTRY, "ecr-public"), lambdaContext());
    expect(read.statusCode).toBe(200);
    expect(json(read.body)).toMatchObject({ ...body, updatedAt: expect.any(String) });
  });

  it("sends Docker Hub's canonical host, upstreamRegistry and the filled-in secret", async () => {
    const created = await post({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" });

    expect(created.statusCode).toBe(201);
    const calls = emulator.calls();
    expect(calls.map((call) => call.operation)).toEqual([
      "CreatePullThroughCacheRule",
      "ValidatePullThroughCacheRule",
    ]);
    expect(json(created.body)).toMatchObject({ validation: { isValid: true } });
    expect(calls[0]?.body).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      upstreamRegistry: "docker-hub",
      credentialArn: `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`,
    });
  });

  it("answers a retried create with 200 and the same rule, and another upstream with 409", async () => {
    const first = await post({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    const again = await post({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "QUAY.IO" });
    const other = await post({
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect([first.statusCode, again.statusCode, other.statusCode]).toEqual([201, 200, 409]);
    expect(json(again.body)).toEqual(json(first.body));
  });

  it("answers 404 for a rule that does not exist", async () => {
    const response = await handler(getRuleEvent(REGISTRY, "missing"), lambdaContext());

    expect(response.statusCode).toBe(404);
    expect(json(response.body)).toMatchObject({ code: "PullThroughCacheRuleNotFoundException" });
  });

  it.each([
    ["an upstream ECR does not support", "registry.example.com"],
    ["an upstream that needs a credential the policy does not bind", "ghcr.io"],
  ])("answers 422 with ECR's message for %s", async (_, upstreamRegistryUrl) => {
    const response = await post({ ecrRepositoryPrefix: "up", upstreamRegistryUrl });

    expect(response.statusCode).toBe(422);
    expect(json(response.body)).toMatchObject({
      code: "UnsupportedUpstreamRegistryException",
      detail: expect.stringContaining(upstreamRegistryUrl),
    });
  });
});

describe("retries and the deadline", () => {
  it("retries throttling and succeeds on the third attempt", async () => {
    emulator.addFault({ fault: "throttle", count: 2 });

    const response = await post({
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(201);
    expect(createAttempts()).toBe(3);
  });

  it("answers throttling that outlasts three attempts with 429 and Retry-After", async () => {
    emulator.addFault({ fault: "throttle", count: 10 });

    const response = await post({
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ "Retry-After": "2" });
    expect(createAttempts()).toBe(3);
  });

  it("answers the 51st rule with 429 after exactly one attempt and no Retry-After", async () => {
    for (let i = 0; i < 50; i += 1) {
      expect(
        (await post({ ecrRepositoryPrefix: `r${i}`, upstreamRegistryUrl: "public.ecr.aws" }))
          .statusCode,
      ).toBe(201);
    }
    const before = createAttempts();
    const started = performance.now();

    const response = await post({
      ecrRepositoryPrefix: "r50",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(429);
    expect(response.headers).not.toHaveProperty("Retry-After");
    expect(json(response.body)).toMatchObject({ code: "LimitExceededException" });
    expect(createAttempts() - before).toBe(1);
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("retries a server error and succeeds", async () => {
    emulator.addFault({ fault: "server-error", count: 1 });

    const response = await post({
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(201);
    expect(createAttempts()).toBe(2);
  });

  it.each([
    ["server errors", "server-error", "ServerException"],
    ["reset connections", "reset", "EcrUnavailable"],
    ["non-JSON answers", "non-json", "EcrUnavailable"],
  ] as const)(
    "answers persistent %s with a generic 502 after three attempts",
    async (_, fault, code) => {
      emulator.addFault({ fault, count: 10 });

      const response = await post({
        ecrRepositoryPrefix: "ab",
        upstreamRegistryUrl: "public.ecr.aws",
      });

      expect(response.statusCode).toBe(502);
      expect(json(response.body)).toMatchObject({
        code,
        detail: "ECR could not complete the request. Try again later.",
      });
      expect(createAttempts()).toBe(3);
    },
  );

  it("answers 502 for an AWS error ECR's model does not know", async () => {
    emulator.addFault({
      fault: "error",
      errorType: "AccessDeniedException",
      message: "User: arn:aws:sts::1:x is not authorized",
    });

    const response = await post({
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(502);
    expect(response.body).not.toContain("arn:aws");
    expect(json(response.body)).toMatchObject({
      code: "AccessDeniedException",
      detail: expect.stringContaining("The platform team must grant"),
    });
  });

  it("answers 504 when every attempt waits out its timeout", async () => {
    emulator.addFault({ fault: "hang", count: 10 });
    const started = performance.now();

    const response = await post({
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(504);
    expect(json(response.body)).toMatchObject({ code: "EcrTimeout" });
    expect(createAttempts()).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * ATTEMPT_TIMEOUT_MS - 50);
  });

  it("stops at the one deadline for all attempts, however long an attempt may take", async () => {
    emulator.addFault({ fault: "hang", count: 10 });
    const gateway = new EcrCacheRuleGateway(
      createEcrClient({ region: "eu-west-1", attemptTimeoutMs: 10_000 }),
    );
    const started = performance.now();

    const attempt = gateway.create(testContext({ deadline: startDeadline(800) }), {
      registryId: REGISTRY,
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "quay.io",
    });

    await expect(attempt).rejects.toMatchObject({ kind: "ecr-timeout" });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(1_500);
  });
});

describe("an unreachable ECR", () => {
  it("is a 502 after the retries, not a timeout", async () => {
    const closed = await startEcrEmulator();
    await closed.close();
    // The SDK resolves its endpoint lazily, at the first call: keep the variable until then.
    const saved = process.env["AWS_ENDPOINT_URL_ECR"];
    process.env["AWS_ENDPOINT_URL_ECR"] = closed.url;
    const client = createEcrClient({ region: "eu-west-1", attemptTimeoutMs: 1_000 });

    const attempt = new EcrCacheRuleGateway(client)
      .describe(testContext({ deadline: startDeadline(5_000) }), {
        registryId: REGISTRY,
        ecrRepositoryPrefix: "ab",
      })
      .finally(() => {
        process.env["AWS_ENDPOINT_URL_ECR"] = saved;
      });

    await expect(attempt).rejects.toMatchObject({ kind: "ecr-unavailable", ecrCode: undefined });
  });
});
