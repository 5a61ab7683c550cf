import { beforeEach, describe, expect, it } from "vitest";
import type { AuditTrail } from "../../src/domain/audit-trail.js";
import { makeCreateCacheRule } from "../../src/domain/create-cache-rule.js";
import { DomainError } from "../../src/domain/errors.js";
import { makeGetCacheRule } from "../../src/domain/get-cache-rule.js";
import { InMemoryCacheRuleGateway } from "../fixtures/in-memory-gateway.js";
import { OTHER_REGISTRY_ID, REGISTRY_ID, samplePolicy } from "../fixtures/policies.js";

const command = (upstreamRegistryUrl: string, registryId = REGISTRY_ID) => ({
  registryId,
  ecrRepositoryPrefix: "cache",
  upstreamRegistryUrl,
});

const existingRule = (upstreamRegistryUrl: string) => ({
  registryId: REGISTRY_ID,
  ecrRepositoryPrefix: "cache",
  upstreamRegistryUrl,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
});

describe("createCacheRule", () => {
  let gateway: InMemoryCacheRuleGateway;
  let createCacheRule: ReturnType<typeof makeCreateCacheRule>;
  let trail: AuditTrail;

  beforeEach(() => {
    gateway = new InMemoryCacheRuleGateway();
    createCacheRule = makeCreateCacheRule({ gateway, policy: samplePolicy, region: "eu-west-1" });
    trail = {};
  });

  it("sends ECR the entry's canonical host, never the caller's spelling", async () => {
    const outcome = await createCacheRule(command("HTTPS://Public.ECR.aws/"), trail);

    expect(outcome.status).toBe("created");
    expect(gateway.created).toEqual([
      {
        registryId: REGISTRY_ID,
        ecrRepositoryPrefix: "cache",
        upstreamRegistryUrl: "public.ecr.aws",
      },
    ]);
    expect(trail).toEqual({ policyDecision: "allowed", upstreamCanonical: "public.ecr.aws" });
  });

  it("maps an alias to its canonical url and fills the credential template for the registry and Region", async () => {
    await createCacheRule(command("docker.io", OTHER_REGISTRY_ID), trail);

    expect(gateway.created).toEqual([
      {
        registryId: OTHER_REGISTRY_ID,
        ecrRepositoryPrefix: "cache",
        upstreamRegistryUrl: "registry-1.docker.io",
        upstreamRegistry: "docker-hub",
        credentialArn: `arn:aws:secretsmanager:eu-west-1:${OTHER_REGISTRY_ID}:secret:ecr-pullthroughcache/docker-hub`,
      },
    ]);
    expect(trail.upstreamCanonical).toBe("registry-1.docker.io");
  });

  it("refuses a malformed upstream as invalid without reaching ECR", async () => {
    const attempt = createCacheRule(command("https://quay.io:443"), trail);

    await expect(attempt).rejects.toMatchObject({
      kind: "invalid-request",
      fields: [{ field: "upstreamRegistryUrl" }],
    });
    expect(gateway.created).toEqual([]);
    expect(trail.policyDecision).toBe("invalid");
  });

  it("denies an upstream that is not on the allowlist without reaching ECR", async () => {
    const attempt = createCacheRule(command("evil.example.com"), trail);

    await expect(attempt).rejects.toMatchObject({
      kind: "upstream-not-allowed",
      code: "UpstreamNotAllowed",
      message: expect.stringContaining("not on the organisation's allowlist"),
    });
    expect(gateway.created).toEqual([]);
    expect(trail).toEqual({ policyDecision: "denied", upstreamCanonical: "evil.example.com" });
  });

  it("denies an allowlisted upstream to a registry its entry does not list", async () => {
    const attempt = createCacheRule(command("quay.io", OTHER_REGISTRY_ID), trail);

    await expect(attempt).rejects.toMatchObject({
      kind: "upstream-not-allowed",
      message: expect.stringContaining(`not for registry ${OTHER_REGISTRY_ID}`),
    });
    expect(gateway.created).toEqual([]);
  });

  it("answers a retry of an earlier success with the existing rule", async () => {
    gateway.seed(existingRule("quay.io"));

    const outcome = await createCacheRule(command("QUAY.IO"), trail);

    expect(outcome).toEqual({ status: "existing", rule: existingRule("quay.io") });
    expect(gateway.described).toEqual([{ registryId: REGISTRY_ID, ecrRepositoryPrefix: "cache" }]);
  });

  it("reports a conflict naming the upstream that already holds the prefix", async () => {
    gateway.seed(existingRule("public.ecr.aws"));

    const attempt = createCacheRule(command("quay.io"), trail);

    await expect(attempt).rejects.toMatchObject({
      kind: "rule-conflict",
      code: "PullThroughCacheRuleAlreadyExistsException",
      message: expect.stringContaining("for upstream 'public.ecr.aws'"),
    });
  });

  it("reports ECR's conflict when the existing rule vanished before it could be read", async () => {
    const conflict = new DomainError(
      "rule-conflict",
      "PullThroughCacheRuleAlreadyExistsException",
      "ECR says taken",
    );
    gateway.failNext("create", conflict);

    await expect(createCacheRule(command("quay.io"), trail)).rejects.toBe(conflict);
  });

  it("passes on a failure to read the existing rule", async () => {
    const unavailable = new DomainError("ecr-unavailable", "ServerException", "down");
    gateway.failNext(
      "create",
      new DomainError("rule-conflict", "PullThroughCacheRuleAlreadyExistsException", "taken"),
    );
    gateway.failNext("describe", unavailable);

    await expect(createCacheRule(command("quay.io"), trail)).rejects.toBe(unavailable);
  });

  it("passes on every other gateway failure unchanged", async () => {
    const quota = new DomainError("rule-quota-exceeded", "LimitExceededException", "50 rules");
    gateway.failNext("create", quota);

    await expect(createCacheRule(command("quay.io"))).rejects.toBe(quota);
  });

  it("passes on errors that are not domain errors", async () => {
    const bug = new TypeError("bug");
    gateway.failNext("create", bug);

    await expect(createCacheRule(command("quay.io"))).rejects.toBe(bug);
  });
});

describe("getCacheRule", () => {
  it("returns the rule ECR holds for the key", async () => {
    const gateway = new InMemoryCacheRuleGateway().seed(existingRule("quay.io"));

    const rule = await makeGetCacheRule({ gateway })({
      registryId: REGISTRY_ID,
      ecrRepositoryPrefix: "cache",
    });

    expect(rule).toEqual(existingRule("quay.io"));
  });

  it("surfaces a missing rule as rule-not-found", async () => {
    const gateway = new InMemoryCacheRuleGateway();

    const attempt = makeGetCacheRule({ gateway })({
      registryId: REGISTRY_ID,
      ecrRepositoryPrefix: "none",
    });

    await expect(attempt).rejects.toMatchObject({ kind: "rule-not-found" });
  });
});
