import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EcrEmulator, startEcrEmulator } from "../../dev/ecr-emulator.js";
import { call, type LocalApi, postJson, startLocalApi } from "./local-api.js";

/**
 * HTTP against `npm start`: local API Gateway emulation in front of the built bundles, exactly
 * as a newcomer runs it, and as a suite with its own ECR endpoint and policy would.
 */
const RULES = "/registries/123456789012/cache-rules";
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url));

describe("npm start with its embedded ECR emulator", () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ POLICY_FILE: fixture("service.yaml") });
  });

  afterAll(async () => {
    await api.stop();
  });

  it("creates a rule (201), answers the retry with 200, and serves it at its Location", async () => {
    const rule = { ecrRepositoryPrefix: "ecr-public", upstreamRegistryUrl: "public.ecr.aws" };

    const created = await postJson(api, rule);
    const retried = await postJson(api, rule);
    const location = created.headers.get("location") ?? "";
    const read = await call(api, location);

    expect(created.status).toBe(201);
    expect(created.headers.get("x-request-id")).toMatch(/\S/);
    expect(created.body).toEqual({
      registryId: "123456789012",
      ...rule,
      createdAt: expect.stringMatching(/Z$/),
    });
    expect(retried.status).toBe(200);
    // Locally there is no stage in front of the routes.
    expect(location).toBe(`${RULES}/ecr-public`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject(created.body);
  });

  it.each([
    [
      "no Content-Type",
      { method: "POST", headers: { "Content-Type": "" }, body: "{}" },
      415,
      "UnsupportedMediaType",
    ],
    [
      "text/plain",
      { method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" },
      415,
      "UnsupportedMediaType",
    ],
    [
      "malformed JSON",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" },
      400,
      "InvalidBody",
    ],
    [
      "a body over 16 KiB",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: `{"x":"${"a".repeat(17_000)}"}`,
      },
      413,
      "PayloadTooLarge",
    ],
  ])("answers %s with problem+json carrying the request id", async (_, init, status, code) => {
    const answer = await call(api, RULES, init);

    expect(answer.status).toBe(status);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body).toMatchObject({
      status,
      code,
      requestId: answer.headers.get("x-request-id"),
    });
  });

  it("answers an upstream off the allowlist with 403", async () => {
    const answer = await postJson(api, {
      ecrRepositoryPrefix: "evil",
      upstreamRegistryUrl: "https://evil.example.com",
    });

    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ code: "UpstreamNotAllowed" });
  });

  it("answers 200 concurrent creates of one rule with one 201 and 199 retries, none failing", async () => {
    const rule = { ecrRepositoryPrefix: "concurrent", upstreamRegistryUrl: "quay.io" };

    const answers = await Promise.all(Array.from({ length: 200 }, () => postJson(api, rule)));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(199);
  });

  it("answers ECR throttling that outlasts the retries with 429 and Retry-After", async () => {
    await fetch(`${api.ecrEndpoint}/__emulator/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ fault: "throttle", count: 3 }),
    });

    const answer = await postJson(api, {
      ecrRepositoryPrefix: "throttled",
      upstreamRegistryUrl: "quay.io",
    });

    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBe("2");
    expect(answer.body).toMatchObject({ code: "ThrottlingException" });
  });
});

describe("npm start with AWS_ENDPOINT_URL_ECR and POLICY_FILE", () => {
  let emulator: EcrEmulator;
  let api: LocalApi;

  beforeAll(async () => {
    emulator = await startEcrEmulator();
    api = await startLocalApi({
      AWS_ENDPOINT_URL_ECR: emulator.url,
      POLICY_FILE: fixture("integration.yaml"),
    });
  });

  afterAll(async () => {
    await api.stop();
    await emulator.close();
  });

  it("uses the given endpoint and starts no emulator of its own, of STS neither", () => {
    expect(api.ecrEndpoint).toBe(emulator.url);
    expect(api.stsEmulator).toBeUndefined();
    expect(api.output()).toContain("STS: AWS (AWS_ENDPOINT_URL_STS unset)");
  });

  it("sends ECR the policy's canonical values", async () => {
    const answer = await postJson(api, {
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "DOCKER.IO/",
    });

    expect(answer.status).toBe(201);
    expect(
      emulator.calls().find((c) => c.operation === "CreatePullThroughCacheRule")?.body,
    ).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      upstreamRegistry: "docker-hub",
      credentialArn:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub",
    });
  });

  it("keeps a scoped upstream to its registries", async () => {
    const before = emulator.calls().length;

    const answer = await postJson(
      api,
      { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" },
      "/registries/210987654321/cache-rules",
    );

    expect(answer.status).toBe(403);
    expect(emulator.calls()).toHaveLength(before);
  });

  it("passes ECR's refusal of an unsupported upstream on as 422", async () => {
    const answer = await postJson(api, {
      ecrRepositoryPrefix: "example",
      upstreamRegistryUrl: "registry.example.com",
    });

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: "UnsupportedUpstreamRegistryException" });
  });
});

describe("npm start with a broken POLICY_FILE", () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ POLICY_FILE: fixture("duplicate-key.yaml") });
  });

  afterAll(async () => {
    await api.stop();
  });

  it("answers every request with 503 PolicyUnavailable and logs the cause", async () => {
    const create = await postJson(api, {
      ecrRepositoryPrefix: "ecr-public",
      upstreamRegistryUrl: "public.ecr.aws",
    });
    const read = await call(api, `${RULES}/ecr-public`);

    expect([create.status, read.status]).toEqual([503, 503]);
    expect(create.body).toMatchObject({ code: "PolicyUnavailable" });
    expect(api.output()).toContain("policy unavailable");
  });
});
