import { beforeEach, describe, expect, it } from "vitest";
import type { AuditTrail } from "../../src/domain/audit-trail.js";
import type { CacheRule } from "../../src/domain/cache-rule.js";
import { MIN_VALIDATION_MS, makeCreateCacheRule } from "../../src/domain/create-cache-rule.js";
import { DomainError } from "../../src/domain/errors.js";
import { makeGetCacheRule, makeValidateCacheRule } from "../../src/domain/get-cache-rule.js";
import { startDeadline } from "../../src/domain/request-context.js";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import { InMemoryCacheRuleGateway } from "../fixtures/in-memory-gateway.js";
import { OTHER_REGISTRY_ID, REGISTRY_ID, samplePolicy } from "../fixtures/policies.js";
import { testContext } from "../fixtures/request-context.js";

const DOCKER_SECRET = `arn:aws:secretsmanager:eu-west-1:${REGISTRY_ID}:secret:ecr-pullthroughcache/docker-hub`;

const command = (upstreamRegistryUrl: string, registryId = REGISTRY_ID) => ({
  registryId,
  ecrRepositoryPrefix: "cache",
  upstreamRegistryUrl,
});

const existingRule = (upstreamRegistryUrl: string, extra: Partial<CacheRule> = {}): CacheRule => ({
  registryId: REGISTRY_ID,
  ecrRepositoryPrefix: "cache",
  upstreamRegistryUrl,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
  ...extra,
});

describe("createCacheRule", () => {
  let gateway: InMemoryCacheRuleGateway;
  let createCacheRule: ReturnType<typeof makeCreateCacheRule>;
  let trail: AuditTrail;
  const context = testContext();

  const create = (upstream: string, registryId = REGISTRY_ID) =>
    createCacheRule(context, command(upstream, registryId), trail);

  beforeEach(() => {
    gateway = new InMemoryCacheRuleGateway();
    createCacheRule = makeCreateCacheRule({ gateway, policy: samplePolicy, region: "eu-west-1" });
    trail = {};
  });

  it("sends ECR the entry's canonical host, never the caller's spelling", async () => {
    const outcome = await create("HTTPS://Public.ECR.aws/");

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

  it("passes the request's context to every gateway call", async () => {
    await create("public.ecr.aws");

    expect(gateway.calls.map((call) => call.context)).toEqual([context]);
  });

  it("maps an alias to its canonical url and fills the credential template for the registry and Region", async () => {
    await create("docker.io", OTHER_REGISTRY_ID);

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
    await expect(create("https://quay.io:443")).rejects.toMatchObject({
      kind: "invalid-request",
      fields: [{ field: "upstreamRegistryUrl" }],
    });
    expect(gateway.calls).toEqual([]);
    expect(trail.policyDecision).toBe("invalid");
  });

  it("denies an upstream that is not on the allowlist, saying what the registry may use and where to look", async () => {
    await expect(create("evil.example.com")).rejects.toMatchObject({
      kind: "upstream-not-allowed",
      message: `Upstream registry 'evil.example.com' is not on the organisation's allowlist for registry ${REGISTRY_ID}. It may use public.ecr.aws, quay.io, registry-1.docker.io. GET /upstreams?registryId=${REGISTRY_ID} lists them with their aliases; the allowlist changes only through a reviewed change to the policy file.`,
    });
    expect(gateway.calls).toEqual([]);
    expect(trail).toEqual({ policyDecision: "denied", upstreamCanonical: "evil.example.com" });
  });

  it("denies an allowlisted upstream to a registry its entry does not list, without listing it as usable", async () => {
    const attempt = create("quay.io", OTHER_REGISTRY_ID);

    await expect(attempt).rejects.toMatchObject({
      kind: "upstream-not-allowed",
      message: expect.stringContaining(
        `not for registry ${OTHER_REGISTRY_ID}. It may use public.ecr.aws, registry-1.docker.io.`,
      ),
    });
    expect(gateway.calls).toEqual([]);
  });

  it("says plainly when a registry may use no upstream at all", async () => {
    const empty: UpstreamPolicy = { version: 1, upstreams: [] };
    const attempt = makeCreateCacheRule({ gateway, policy: empty, region: "eu-west-1" })(
      context,
      command("quay.io"),
      trail,
    );

    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining("It may use no upstream today."),
    });
  });

  it("names at most ten usable hosts", async () => {
    const many: UpstreamPolicy = {
      version: 1,
      upstreams: Array.from({ length: 12 }, (_, i) => ({ url: `r${i}.example.com`, aliases: [] })),
    };
    const attempt = makeCreateCacheRule({ gateway, policy: many, region: "eu-west-1" })(
      context,
      command("quay.io"),
      trail,
    );

    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining("r9.example.com and 2 more."),
    });
  });

  describe("retries", () => {
    it("answers a retry of an earlier success with the existing rule, comparing canonical forms", async () => {
      gateway.seed(existingRule("QUAY.IO"));

      const outcome = await create("quay.io");

      expect(outcome).toEqual({ status: "existing", rule: existingRule("QUAY.IO") });
      expect(gateway.described).toEqual([
        { ...command("quay.io"), upstreamRegistryUrl: "quay.io" },
      ]);
    });

    it("treats a stored alias spelling as its entry's canonical upstream", async () => {
      gateway.seed(existingRule("docker.io", { credentialArn: DOCKER_SECRET }));

      const outcome = await create("registry-1.docker.io");

      expect(outcome.status).toBe("existing");
    });

    it("reports a conflict naming the other upstream that holds the prefix", async () => {
      gateway.seed(existingRule("public.ecr.aws"));

      await expect(create("quay.io")).rejects.toMatchObject({
        kind: "rule-conflict",
        ecrCode: "PullThroughCacheRuleAlreadyExistsException",
        message: expect.stringMatching(
          /^Prefix 'cache' in registry 123456789012 already holds a rule for upstream 'public\.ecr\.aws', not for 'quay\.io': delete it first or choose another prefix\. \(ECR refused the create: "A pull through cache rule/,
        ),
      });
    });

    it("names the upstream prefix of the rule that holds the prefix", async () => {
      gateway.seed(
        existingRule("444455556666.dkr.ecr.eu-west-1.amazonaws.com", {
          upstreamRepositoryPrefix: "golden",
        }),
      );

      await expect(create("quay.io")).rejects.toMatchObject({
        message: expect.stringContaining(
          "for upstream '444455556666.dkr.ecr.eu-west-1.amazonaws.com' (upstream prefix 'golden'), not for 'quay.io'",
        ),
      });
    });

    it("reports a conflict pointing to sync when only the credential differs", async () => {
      gateway.seed(existingRule("registry-1.docker.io", { credentialArn: "arn:old" }));

      await expect(create("docker.io")).rejects.toMatchObject({
        kind: "rule-conflict",
        message: expect.stringContaining(
          "but with another credential or role than the policy binds today: POST /registries/123456789012/cache-rules/cache/sync brings it in line.",
        ),
      });
    });

    it("reports a conflict when the existing rule has a credential the policy does not bind", async () => {
      gateway.seed(existingRule("public.ecr.aws", { credentialArn: "arn:stray" }));

      await expect(create("public.ecr.aws")).rejects.toMatchObject({ kind: "rule-conflict" });
    });

    it("reports ECR's conflict when the existing rule vanished before it could be read", async () => {
      const conflict = new DomainError("rule-conflict", "ECR says taken", {
        ecrCode: "PullThroughCacheRuleAlreadyExistsException",
      });
      gateway.failNext("create", conflict);

      await expect(create("quay.io")).rejects.toBe(conflict);
    });

    it("passes on a failure to read the existing rule", async () => {
      const unavailable = new DomainError("ecr-unavailable", "down", {
        ecrCode: "ServerException",
      });
      gateway.failNext("create", new DomainError("rule-conflict", "taken"));
      gateway.failNext("describe", unavailable);

      await expect(create("quay.io")).rejects.toBe(unavailable);
    });
  });

  it("passes on every other gateway failure unchanged", async () => {
    const quota = new DomainError("rule-quota-exceeded", "50 rules", {
      ecrCode: "LimitExceededException",
    });
    gateway.failNext("create", quota);

    await expect(create("quay.io")).rejects.toBe(quota);
  });

  it("passes on errors that are not domain errors", async () => {
    const bug = new TypeError("bug");
    gateway.failNext("create", bug);

    await expect(create("quay.io")).rejects.toBe(bug);
  });

  describe("checking a new rule's credential", () => {
    it("does not validate a rule without credential or role", async () => {
      const outcome = await create("public.ecr.aws");

      expect(outcome).not.toHaveProperty("validation");
      expect(gateway.inputsOf("validate")).toEqual([]);
    });

    it("validates a credentialed rule and reports ECR's verdict, failure included", async () => {
      gateway.validity = { isValid: false, failure: "Unable to log in upstream" };

      const outcome = await create("docker.io");

      expect(outcome).toMatchObject({
        status: "created",
        validation: { isValid: false, failure: "Unable to log in upstream" },
      });
      expect(gateway.inputsOf("validate")).toHaveLength(1);
    });

    it("reports isValid null, and keeps the rule, when the validation call fails", async () => {
      gateway.failNext(
        "validate",
        new DomainError("ecr-unavailable", "down", { ecrCode: "ServerException" }),
      );

      const outcome = await create("docker.io");

      expect(outcome).toMatchObject({
        status: "created",
        validation: {
          isValid: null,
          failure: expect.stringContaining("ECR could not check it (ServerException)"),
        },
      });
    });

    it("reports isValid null for an unexpected failure too: never a 5xx for a created rule", async () => {
      gateway.failNext("validate", new TypeError("bug"));

      const outcome = await create("docker.io");

      expect(outcome).toMatchObject({
        validation: { isValid: null, failure: expect.stringContaining("(internal error)") },
      });
    });

    it("does not even try when the deadline leaves no time for it", async () => {
      const late = testContext({ deadline: startDeadline(MIN_VALIDATION_MS - 1) });

      const outcome = await createCacheRule(late, command("docker.io"), trail);

      expect(outcome).toMatchObject({
        validation: {
          isValid: null,
          failure: expect.stringContaining("no time was left to check it"),
        },
      });
      expect(gateway.inputsOf("validate")).toEqual([]);
    });
  });

  describe("upstream repository prefixes", () => {
    const ecrPolicy: UpstreamPolicy = {
      version: 1,
      upstreams: [
        { url: "public.ecr.aws", aliases: [] },
        {
          url: "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
          aliases: [],
          upstreamRegistry: "ecr",
          customRoleArn: "arn:aws:iam::{registryId}:role/central",
          upstreamRepositoryPrefixes: ["golden", "base-images"],
        },
        {
          url: "777788889999.dkr.ecr.eu-west-1.amazonaws.com",
          aliases: [],
          upstreamRegistry: "ecr",
          customRoleArn: "arn:aws:iam::{registryId}:role/other",
        },
      ],
    };
    const createWith = (upstreamRegistryUrl: string, upstreamRepositoryPrefix?: string) =>
      makeCreateCacheRule({ gateway, policy: ecrPolicy, region: "eu-west-1" })(
        context,
        {
          ...command(upstreamRegistryUrl),
          ...(upstreamRepositoryPrefix === undefined ? {} : { upstreamRepositoryPrefix }),
        },
        trail,
      );

    it("sends the asked prefix and the filled-in custom role", async () => {
      await createWith("444455556666.dkr.ecr.eu-west-1.amazonaws.com", "golden");

      expect(gateway.created).toEqual([
        {
          ...command("444455556666.dkr.ecr.eu-west-1.amazonaws.com"),
          upstreamRegistry: "ecr",
          customRoleArn: `arn:aws:iam::${REGISTRY_ID}:role/central`,
          upstreamRepositoryPrefix: "golden",
        },
      ]);
    });

    it("refuses a prefix the entry does not list with 403", async () => {
      await expect(
        createWith("444455556666.dkr.ecr.eu-west-1.amazonaws.com", "secret"),
      ).rejects.toMatchObject({
        kind: "upstream-not-allowed",
        message: expect.stringContaining("allowed: golden, base-images"),
      });
      expect(trail.policyDecision).toBe("denied");
    });

    it("requires one of the listed prefixes when the list lacks ROOT", async () => {
      await expect(
        createWith("444455556666.dkr.ecr.eu-west-1.amazonaws.com"),
      ).rejects.toMatchObject({
        kind: "upstream-not-allowed",
        message: expect.stringContaining(
          "needs an upstreamRepositoryPrefix, one of: golden, base-images",
        ),
      });
    });

    it("allows only ROOT, or none, where the entry lists no prefixes", async () => {
      await createWith("777788889999.dkr.ecr.eu-west-1.amazonaws.com", "ROOT");
      await expect(
        createWith("777788889999.dkr.ecr.eu-west-1.amazonaws.com", "golden"),
      ).rejects.toMatchObject({ message: expect.stringContaining("allowed: ROOT only") });
    });

    it("refuses the field with 400 on an upstream that is not ECR", async () => {
      await expect(createWith("public.ecr.aws", "golden")).rejects.toMatchObject({
        kind: "invalid-request",
        fields: [
          {
            field: "upstreamRepositoryPrefix",
            message: expect.stringContaining("only for ECR upstreams"),
          },
        ],
      });
      expect(gateway.calls).toEqual([]);
    });
  });
});

describe("getCacheRule and validateCacheRule", () => {
  const context = testContext();
  const key = { registryId: REGISTRY_ID, ecrRepositoryPrefix: "cache" };

  it("returns the rule ECR holds for the key", async () => {
    const gateway = new InMemoryCacheRuleGateway().seed(existingRule("quay.io"));

    await expect(makeGetCacheRule({ gateway })(context, key)).resolves.toEqual(
      existingRule("quay.io"),
    );
  });

  it("surfaces a missing rule as rule-not-found", async () => {
    const gateway = new InMemoryCacheRuleGateway();

    await expect(
      makeGetCacheRule({ gateway })(context, { ...key, ecrRepositoryPrefix: "none" }),
    ).rejects.toMatchObject({ kind: "rule-not-found" });
  });

  it("returns ECR's validation of the rule", async () => {
    const gateway = new InMemoryCacheRuleGateway().seed(existingRule("quay.io"));

    await expect(makeValidateCacheRule({ gateway })(context, key)).resolves.toEqual({
      ...key,
      upstreamRegistryUrl: "quay.io",
      isValid: true,
    });
  });
});
